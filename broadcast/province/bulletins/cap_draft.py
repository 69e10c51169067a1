"""A CAP alert turned into a draft bulletin YAML in Vietnamese, for a person to review and send.

The level: **khẩn cấp** when the alert is Extreme or Severe and Immediate or Expected (act now or
within the hour), **ưu tiên** otherwise. The text is built from a fixed Vietnamese frame (the
`TEMPLATE` below) filled with the alert's sender, event, severity/urgency/certainty in
Vietnamese words, area description, onset and expiry read as Vietnamese times, description and
instruction. An alert in another language keeps its own words inside «...» with a comment asking
for a translation: the draft is never sent by itself (`bulletin add` signs only what a person
saved). No expiry in the alert: 24 hours, said in a comment to check.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, tzinfo

from broadcast.errors import InputError
from broadcast.province.bulletins.cap import Alert, Info, ProvinceArea

SEVERITY = {"Extreme": "cực kỳ nguy hiểm", "Severe": "nguy hiểm", "Moderate": "trung bình", "Minor": "nhẹ",
            "Unknown": "chưa rõ"}
URGENCY = {"Immediate": "cần hành động ngay", "Expected": "cần hành động trong giờ tới",
           "Future": "cần chuẩn bị", "Past": "đã qua", "Unknown": "chưa rõ mức khẩn"}
CERTAINTY = {"Observed": "đã xảy ra", "Likely": "rất có khả năng xảy ra", "Possible": "có thể xảy ra",
             "Unlikely": "ít khả năng xảy ra", "Unknown": "chưa rõ khả năng"}
CATEGORY = {"Geo": "địa chất, động đất", "Met": "khí tượng, thời tiết", "Safety": "an toàn", "Security": "an ninh",
            "Rescue": "cứu hộ, cứu nạn", "Fire": "cháy", "Health": "y tế, dịch bệnh", "Env": "môi trường",
            "Transport": "giao thông", "Infra": "hạ tầng", "CBRNE": "hóa chất, sinh học, phóng xạ",
            "Other": "khác"}
TEMPLATE = ("{sender} phát cảnh báo {event}{headline}. Mức độ {severity}, {urgency}, {certainty}. "
            "Khu vực ảnh hưởng: {area}. {validity}{description}{instruction}")
MAX_TEXT = 4000
DEFAULT_VALIDITY = timedelta(hours=24)


def level_for(info: Info) -> str:
    urgent = info.severity in ("Extreme", "Severe") and info.urgency in ("Immediate", "Expected")
    return "khan-cap" if urgent else "uu-tien"


def spoken_time(moment: datetime, tz: tzinfo) -> str:
    local = moment.astimezone(tz)
    minutes = f" {local.minute} phút" if local.minute else ""
    return f"{local.hour} giờ{minutes} ngày {local.day} tháng {local.month} năm {local.year}"


def draft(alert: Alert, *, tz: tzinfo, area: ProvinceArea, source: str = "") -> str:
    """The YAML text of the draft bulletin; InputError when the alert's area is not the province's."""
    info = alert.info("vi")
    if area.configured and not area.concerns(info.areas):
        described = "; ".join(a.description for a in info.areas) or "không ghi vùng"
        raise InputError(f"cảnh báo '{alert.identifier}' không liên quan đến tỉnh (vùng: {described[:120]}): "
                         "không soạn bản tin", hint="vùng của tỉnh: --geocode / --polygon")
    vietnamese = info.language.lower().startswith("vi")

    def own(value: str) -> str:
        value = " ".join(value.split())
        return value if vietnamese or not value else f"«{value}»"

    start = info.onset or info.effective or alert.sent
    expires = info.expires or start + DEFAULT_VALIDITY
    if expires <= start:
        raise InputError(f"cảnh báo '{alert.identifier}' đã hết hạn trước khi bắt đầu (expires trước onset)")
    headline = own(info.headline)
    text = TEMPLATE.format(
        sender=own(info.sender_name) or "Cơ quan cảnh báo", event=own(info.event),
        headline=f": {headline}" if headline and headline != own(info.event) else "",
        severity=SEVERITY.get(info.severity, info.severity), urgency=URGENCY.get(info.urgency, info.urgency),
        certainty=CERTAINTY.get(info.certainty, info.certainty),
        area="; ".join(own(a.description) for a in info.areas) or "chưa ghi",
        validity=f"Hiệu lực từ {spoken_time(start, tz)} đến {spoken_time(expires, tz)}. ",
        description=_sentence(own(info.description)), instruction=_sentence(own(info.instruction), "Hướng dẫn: "))
    text = text.strip()
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT].rsplit(" ", 1)[0] + "…"
    level = level_for(info)
    lines = [f"# BẢN NHÁP soạn từ cảnh báo CAP {alert.identifier} của {alert.sender}"
             + (f" ({source})" if source else "") + ".",
             "# Người có thẩm quyền đọc lại, sửa nếu cần, rồi gửi: broadcast province bulletin add TỆP",
             f"# Lĩnh vực: {CATEGORY.get(info.category, info.category)}; loại: {alert.msg_type}"
             + (f"; thay cho: {alert.references}" if alert.references else "") + "."]
    if not vietnamese:
        lines.append(f"# Cảnh báo gốc bằng tiếng '{info.language}': dịch các phần trong «...» sang tiếng Việt "
                     "trước khi gửi.")
    if info.expires is None:
        lines.append("# Cảnh báo không ghi hạn: tạm để 24 giờ, hãy xem lại 'expires'.")
    fields = {"id": _identifier(alert.identifier), "level": "khẩn cấp" if level == "khan-cap" else "ưu tiên",
              "title": _title(info), "text": text, "issued": _stamp(alert.sent, tz), "from": _stamp(start, tz),
              "expires": _stamp(expires, tz), "targets": "all"}
    if level == "khan-cap":
        fields["repeat_every"] = "2h"
    lines += [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in fields.items()]
    return "\n".join(lines) + "\n"


def _sentence(value: str, prefix: str = "") -> str:
    if not value:
        return ""
    value = value.strip()
    return f"{prefix}{value}{'' if value.endswith(('.', '!', '?', '…', '»')) else '.'} "


def _identifier(identifier: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", identifier.lower()).strip("-")
    return f"cap-{slug}"[:80].rstrip("-")


def _title(info: Info) -> str:
    return " ".join((info.headline or info.event).split())[:200]


def _stamp(moment: datetime, tz: tzinfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")
