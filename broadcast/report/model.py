"""The report's model: the counting vocabulary (origins, kinds, topics, sessions), the settings and the `Report` values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from broadcast.report.period import Period

AIRED = frozenset({"played", "late"})
CONTENT_KINDS = ("ban-tin", "thong-bao", "khan-cap", "chuyen-muc")
SELF_PRODUCED = "tu-san-xuat"
# Since 1 July 2025 local government has two levels (tỉnh, xã): no district station to relay.
RELAY_SOURCES = (("vov", "Đài Tiếng nói Việt Nam (VOV)"), ("tinh", "Đài Phát thanh - Truyền hình tỉnh"))
# As-run `origin` (contract 1): only what went out on the loudspeakers is a broadcast.
BROADCAST_ORIGINS = frozenset({"scheduled", "urgent"})
REHEARSAL = "rehearsal"
ORIGIN_LABELS = {"manual": "phát bằng tay ngoài lịch (lệnh play, announce khi không chạy đài)",
                 "rehearsal": "diễn tập"}
OTHER_TOPIC = "khac"
SESSIONS = (("sang", "Buổi sáng"), ("trua", "Buổi trưa"), ("chieu", "Buổi chiều"),
            ("dot-xuat", "Phát đột xuất"))

TOPIC_LABELS: dict[str, str] = {
    "cchc": "Cải cách hành chính",
    "dvctt": "Dịch vụ công trực tuyến",
    "tthc": "Thủ tục hành chính",
    "pbgdpl": "Phổ biến, giáo dục pháp luật",
    "atgt": "An toàn giao thông",
    "pctt": "Phòng, chống thiên tai",
    "yte": "Y tế",
    "nvqs": "Nghĩa vụ quân sự",
    "pccc": "Phòng cháy, chữa cháy",
    "vsmt": "Vệ sinh môi trường",
    "thue": "Thuế",
    "bhyt": "Bảo hiểm y tế",
    "cds": "Chuyển đổi số",
    "ntm": "Nông thôn mới",
    "tiep-cong-dan": "Tiếp công dân",
    "tra-ket-qua": "Trả kết quả thủ tục hành chính",
    # Topic tags used by the script library (scripts_vi/).
    "mot-cua": "Bộ phận một cửa",
    "ho-tich": "Hộ tịch",
    "chung-thuc": "Chứng thực",
    "dat-dai": "Đất đai",
    "kinh-doanh": "Đăng ký kinh doanh",
    "hai-long": "Chỉ số hài lòng",
    "xin-loi": "Xin lỗi do trễ hẹn hồ sơ",
    "vneid": "Định danh điện tử VNeID",
    "chuyen-doi-so": "Chuyển đổi số",
    "an-ninh": "An ninh trật tự",
    "lua-dao": "Phòng chống lừa đảo",
    "quoc-phong": "Quốc phòng",
    "bao-lu": "Bão, lũ",
    "tiem-chung": "Tiêm chủng",
    "moi-truong": "Môi trường",
    "dien": "Điện",
    "hop-thon": "Họp thôn",
    "dan-chu-co-so": "Dân chủ ở cơ sở",
    "an-sinh": "An sinh xã hội",
    "buu-chinh-cong-ich": "Bưu chính công ích",
    "that-lac": "Tìm đồ thất lạc",
    "le-tet": "Lễ, Tết",
    "thong-bao": "Thông báo chung",
    "khan-cap": "Thông báo khẩn cấp",
    "nhac-lai": "Nhắc lại thông báo",
    "mo-dau": "Lời mở đầu",
    "loi-ket": "Lời kết",
    "chuyen-tiep": "Lời chuyển tiếp",
    OTHER_TOPIC: "Chủ đề khác",
}
PROCEDURE_TAGS = frozenset({"tthc", "cchc"})
RECEPTION_TAGS = frozenset({"tiep-cong-dan", "tra-ket-qua"})

GROUP_TITLES = {
    "A": "Hoạt động chung",
    "B": "Nội dung tự sản xuất",
    "C": "Tuyên truyền cải cách hành chính",
    "D": "Số liệu bổ sung (cán bộ điền)",
}
# Rows the log cannot know: written blank in the documents for the officer (the clusters' count is
# filled when the station has loudspeaker clusters reporting: `report.clusters.operating`).
CLUSTER_COUNT_LABEL = "Số cụm loa đang hoạt động / tổng số cụm loa"   # filled from the clusters' own rows
MANUAL_ROWS: tuple[tuple[str, str, str], ...] = (
    ("D", CLUSTER_COUNT_LABEL, "cụm"),
    ("D", "Số hồ sơ thủ tục hành chính tiếp nhận", "hồ sơ"),
    ("D", "– Trong đó: tiếp nhận trực tuyến", "hồ sơ"),
    ("D", "Tỷ lệ hồ sơ giải quyết đúng hạn", "%"),
)
STATUS_LABELS = {"missed": "lỡ giờ, không phát", "failed": "lỗi, không phát được",
                 "interrupted": "bị gián đoạn", "skipped": "bỏ qua theo lệnh"}
NOT_AIRED = frozenset(STATUS_LABELS)


# ---------------------------------------------------------------------------------------- settings

@dataclass(frozen=True)
class ReportSettings:
    """Who writes the report, to whom, and who signs it (from broadcast.toml [report])."""

    station_name: str = "Hòa An"
    unit_name: str = "ỦY BAN NHÂN DÂN XÃ HÒA AN"
    place: str = ""                       # empty: the commune name
    recipient: str = "Ủy ban nhân dân tỉnh"
    signer_title: str = "CHỦ TỊCH"        # "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH" for a deputy: one line each
    signer_name: str = ""
    number: str = "…/BC-UBND"

    @classmethod
    def from_station(cls, station: Any) -> ReportSettings:
        """Settings from a loaded `broadcast.station.config.Station`."""
        name = station.station.name
        rep = station.report
        return cls(station_name=name, unit_name=f"ỦY BAN NHÂN DÂN XÃ {name.upper()}",
                   place=rep.place or name, recipient=rep.recipient, signer_title=rep.signer_title,
                   signer_name=rep.signer_name, number=rep.number)

    @property
    def place_name(self) -> str:
        return self.place or self.station_name


# ---------------------------------------------------------------------------------------- report

@dataclass(frozen=True)
class Indicator:
    """One row of an indicator table; `level` 1 ("– ...") and 2 ("+ ...") are "trong đó" sub-rows."""

    group: str
    code: str
    label: str
    unit: str
    value: int | float
    level: int = 0


@dataclass(frozen=True)
class TopicRow:
    tag: str
    label: str
    items: int          # distinct tin/bài/thông báo/kỳ
    airings: int        # lượt phát
    minutes: float


@dataclass(frozen=True)
class CchcEpisode:
    episode: str
    title: str
    airings: int
    minutes: float
    dates: tuple[date, ...]


@dataclass(frozen=True)
class ProgrammeIssue:
    """A programme that did not go out as planned."""

    programme_id: str
    date: date
    session: str
    time: str           # scheduled time "05:30", empty when unknown
    title: str
    status: str
    error: str

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


@dataclass(frozen=True)
class WeekRow:
    """Airtime of one calendar week (Monday to Sunday), clipped to the period."""

    start: date
    end: date
    minutes: float

    @property
    def label(self) -> str:
        return f"{self.start:%d/%m}–{self.end:%d/%m}"


@dataclass(frozen=True)
class ZoneRow:
    """What one zone (thôn, area) heard in the period (`broadcast.report.zones`)."""

    zone: str           # its name; "" for rows logged without a zone (the whole commune)
    title: str
    sessions: int       # buổi phát
    minutes: float
    items: int          # distinct tin, bài, thông báo, kỳ
    airings: int        # lượt phát
    urgent: int         # lượt phát khẩn cấp
    not_aired: int      # chương trình lỡ giờ, lỗi


@dataclass(frozen=True)
class Report:
    period: Period
    indicators: tuple[Indicator, ...]
    topics: tuple[TopicRow, ...]
    cchc: tuple[CchcEpisode, ...]
    procedures: tuple[str, ...]
    missed: tuple[ProgrammeIssue, ...]
    generated_on: date
    warnings: tuple[str, ...] = ()       # for the officer making the report (stderr, notes)
    notices: tuple[str, ...] = ()        # about the data itself: printed in the document
    rehearsal: bool = False              # made from a rehearsal log: says so on its first line
    excluded: tuple[tuple[str, int], ...] = ()   # (origin, programmes) not counted as broadcasts
    weeks: tuple[WeekRow, ...] = ()
    zones: tuple[ZoneRow, ...] = ()      # per zone, when the log names zones (a station of several)
    clusters: tuple = ()                 # per loudspeaker cluster (`report.clusters.ClusterRow`), when any

    def value(self, code: str) -> int | float:
        """The value of one indicator by code, e.g. report.value('ngay_phat_song')."""
        for ind in self.indicators:
            if ind.code == code:
                return ind.value
        raise KeyError(code)

    def group(self, group: str) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if i.group == group)
