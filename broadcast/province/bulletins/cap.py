"""A CAP 1.2 alert (OASIS Common Alerting Protocol) read safely, and whether its area concerns the province.

Parsed with defusedxml (no DTD, no entity, no external reference: an "XXE" or "billion laughs"
alert is refused before anything is expanded), at most `MAX_BYTES`. A malformed alert is an
`InputError` saying why: not XML, not a CAP `<alert>` (1.2, or 1.1 which has the same fields we
read), a required element missing, a time without its offset, a status other than Actual
(Exercise, System, Test, Draft are never aired), a msgType that is not Alert or Update.

`ProvinceArea` is the province as CAP sees it: geocodes (`ISO3166-2=VN-25`, any valueName) and
polygons (`lat,lon lat,lon ...`, closed). An alert concerns the province when one of its areas
names one of those geocodes, or its polygon or circle meets one of those polygons (flat-earth
geometry on degrees, a circle's km turned into degrees at its latitude: fine at a province's scale).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from broadcast.errors import InputError

MAX_BYTES = 1 << 20
NAMESPACES = ("urn:oasis:names:tc:emergency:cap:1.2", "urn:oasis:names:tc:emergency:cap:1.1")
REQUIRED = ("identifier", "sender", "sent", "status", "msgType", "scope")
INFO_REQUIRED = ("category", "event", "urgency", "severity", "certainty")
Point = tuple[float, float]


@dataclass(frozen=True)
class Area:
    description: str
    polygons: tuple[tuple[Point, ...], ...] = ()
    circles: tuple[tuple[Point, float], ...] = ()          # (centre, radius km)
    geocodes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Info:
    language: str
    category: str
    event: str
    urgency: str
    severity: str
    certainty: str
    sender_name: str = ""
    headline: str = ""
    description: str = ""
    instruction: str = ""
    effective: datetime | None = None
    onset: datetime | None = None
    expires: datetime | None = None
    areas: tuple[Area, ...] = ()


@dataclass(frozen=True)
class Alert:
    identifier: str
    sender: str
    sent: datetime
    status: str
    msg_type: str
    references: str
    infos: tuple[Info, ...]

    def info(self, prefer: str = "vi") -> Info:
        """The info block in the preferred language, else the first."""
        for info in self.infos:
            if info.language.lower().startswith(prefer):
                return info
        return self.infos[0]


@dataclass(frozen=True)
class ProvinceArea:
    geocodes: frozenset[tuple[str, str]] = frozenset()
    polygons: tuple[tuple[Point, ...], ...] = ()

    @property
    def configured(self) -> bool:
        return bool(self.geocodes or self.polygons)

    def concerns(self, areas: tuple[Area, ...]) -> bool:
        for area in areas:
            if any(code in self.geocodes for code in area.geocodes):
                return True
            for mine in self.polygons:
                if any(polygons_meet(mine, theirs) for theirs in area.polygons):
                    return True
                if any(circle_meets(centre, radius, mine) for centre, radius in area.circles):
                    return True
        return False


def parse_alert(data: bytes, *, where: str = "cảnh báo CAP") -> Alert:
    """The alert in `data`, or InputError naming what is wrong with it."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    if len(data) > MAX_BYTES:
        raise InputError(f"cảnh báo CAP quá lớn (hơn {MAX_BYTES // 1024} KB)", path=where)
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise InputError(f"cảnh báo CAP có khai báo DTD hoặc thực thể XML ({type(exc).__name__}): không đọc, "
                         "vì có thể là tệp tấn công", path=where) from None
    except ParseError as exc:
        raise InputError(f"cảnh báo CAP không phải XML hợp lệ: {exc}", path=where) from None
    namespace = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    if namespace not in NAMESPACES or root.tag.split("}")[-1] != "alert":
        raise InputError(f"tệp không phải cảnh báo CAP 1.2 (phần tử gốc '{root.tag}')", path=where,
                         hint="cần <alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">")

    def text(node, name: str) -> str:
        found = node.find(f"{{{namespace}}}{name}")
        return (found.text or "").strip() if found is not None else ""

    for name in REQUIRED:
        if not text(root, name):
            raise InputError(f"cảnh báo CAP thiếu phần tử bắt buộc <{name}>", path=where)
    status, msg_type = text(root, "status"), text(root, "msgType")
    if status != "Actual":
        raise InputError(f"cảnh báo CAP có status '{status}' (không phải cảnh báo thật): không soạn bản tin",
                         path=where)
    if msg_type not in ("Alert", "Update"):
        raise InputError(f"cảnh báo CAP loại '{msg_type}' không soạn thành bản tin", path=where,
                         hint="lệnh hủy (Cancel) của nơi phát cảnh báo: hủy bản tin bằng 'bulletin cancel MÃ'")
    infos = []
    for node in root.findall(f"{{{namespace}}}info"):
        for name in INFO_REQUIRED:
            if not text(node, name):
                raise InputError(f"cảnh báo CAP: khối <info> thiếu <{name}>", path=where)
        areas = tuple(_area(area, namespace, text, where) for area in node.findall(f"{{{namespace}}}area"))
        infos.append(Info(language=text(node, "language") or "en-US", category=text(node, "category"),
                          event=text(node, "event"), urgency=text(node, "urgency"), severity=text(node, "severity"),
                          certainty=text(node, "certainty"), sender_name=text(node, "senderName"),
                          headline=text(node, "headline"), description=text(node, "description"),
                          instruction=text(node, "instruction"),
                          effective=_time(text(node, "effective"), "effective", where),
                          onset=_time(text(node, "onset"), "onset", where),
                          expires=_time(text(node, "expires"), "expires", where), areas=areas))
    if not infos:
        raise InputError("cảnh báo CAP không có khối <info> nào (không có nội dung để đọc)", path=where)
    return Alert(identifier=text(root, "identifier"), sender=text(root, "sender"),
                 sent=_time(text(root, "sent"), "sent", where), status=status, msg_type=msg_type,
                 references=text(root, "references"), infos=tuple(infos))


def _time(value: str, name: str, where: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InputError(f"cảnh báo CAP: <{name}> '{value}' không phải thời điểm có múi giờ", path=where)
    return moment


def _area(node, namespace: str, text, where: str) -> Area:
    polygons, circles, geocodes = [], [], []
    for polygon in node.findall(f"{{{namespace}}}polygon"):
        polygons.append(parse_polygon(polygon.text or "", where))
    for circle in node.findall(f"{{{namespace}}}circle"):
        try:
            centre, radius = (circle.text or "").split()
            lat, lon = (float(v) for v in centre.split(","))
            circles.append(((lat, lon), float(radius)))
        except ValueError:
            raise InputError(f"cảnh báo CAP: <circle> '{circle.text}' không đúng dạng 'vĩ,kinh bán_kính'",
                             path=where) from None
    for geocode in node.findall(f"{{{namespace}}}geocode"):
        geocodes.append((text(geocode, "valueName"), text(geocode, "value")))
    return Area(text(node, "areaDesc"), tuple(polygons), tuple(circles), tuple(geocodes))


def parse_polygon(value: str, where: str = "đa giác") -> tuple[Point, ...]:
    """'lat,lon lat,lon ...' (at least 4 pairs, first = last as CAP requires) -> points."""
    try:
        points = tuple((float(p.split(",")[0]), float(p.split(",")[1])) for p in value.split())
    except (ValueError, IndexError):
        points = ()
    if len(points) < 4 or points[0] != points[-1]:
        raise InputError(f"đa giác '{value[:60]}' không hợp lệ", path=where,
                         hint="ít nhất 4 cặp 'vĩ,kinh' cách nhau dấu cách, cặp cuối trùng cặp đầu")
    return points


# -- flat geometry on (lat, lon) --------------------------------------------------------------

def inside(point: Point, polygon: tuple[Point, ...]) -> bool:
    """Ray casting: is `point` inside the closed `polygon`?"""
    y, x = point
    result = False
    for (y1, x1), (y2, x2) in zip(polygon, polygon[1:]):
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            result = not result
    return result


def _crosses(a: Point, b: Point, c: Point, d: Point) -> bool:
    def side(p: Point, q: Point, r: Point) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])
    return side(a, b, c) * side(a, b, d) <= 0 and side(c, d, a) * side(c, d, b) <= 0


def polygons_meet(one: tuple[Point, ...], other: tuple[Point, ...]) -> bool:
    if any(inside(p, other) for p in one) or any(inside(p, one) for p in other):
        return True
    return any(_crosses(a, b, c, d) for a, b in zip(one, one[1:]) for c, d in zip(other, other[1:]))


def circle_meets(centre: Point, radius_km: float, polygon: tuple[Point, ...]) -> bool:
    if inside(centre, polygon):
        return True
    scale = math.cos(math.radians(centre[0]))
    radius = radius_km / 111.0                                      # degrees of latitude
    for (y1, x1), (y2, x2) in zip(polygon, polygon[1:]):
        # distance from the centre to the edge, in latitude degrees (longitudes shrunk by cos(lat))
        ax, ay, bx, by = (x1 - centre[1]) * scale, y1 - centre[0], (x2 - centre[1]) * scale, y2 - centre[0]
        length = (bx - ax) ** 2 + (by - ay) ** 2
        t = 0.0 if length == 0 else max(0.0, min(1.0, -(ax * (bx - ax) + ay * (by - ay)) / length))
        if math.hypot(ax + t * (bx - ax), ay + t * (by - ay)) <= radius:
            return True
    return False

