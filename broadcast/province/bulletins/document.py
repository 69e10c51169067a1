"""The bulletin and cancellation documents: their JSON shape, the three levels, checks and targets.

A bulletin (docs/schemas/bulletin.schema.json):

    {"type": "bulletin", "id": "bao-so-9", "seq": 12, "province": "Quảng Trị",
     "level": "khan-cap" | "uu-tien" | "thong-thuong", "title": "...",
     "content": {"text": "..."} | {"template": "canh_bao_bao_lu", "values": {...}}
                | {"recording": {"name": "bao.mp3", "sha256": "...", "bytes": 123}},
     "issued": ISO time, "valid_from": ISO time, "expires": ISO time,
     "targets": {"all": true} | {"communes": ["xa-001", ...]} | {"tag": "ven-bien"},
     "zones": ["thon-dong", ...], "repeat_every_minutes": 120, "replaces": "bao-so-8" | null}

A cancellation: {"type": "cancel", "id": "huy-bao-so-9-13", "seq": 13, "cancels": "bao-so-9",
"issued": ISO time, "reason": "..."}. Times carry their UTC offset. `seq` is set by the
province's registry when it signs; every other field is the officer's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from broadcast.model import Priority

LEVELS = ("khan-cap", "uu-tien", "thong-thuong")
LEVEL_NAMES = {"khan-cap": "khẩn cấp", "uu-tien": "ưu tiên", "thong-thuong": "thông thường"}
# The level as the schedule and the daemon know it (broadcast.model.Priority).
LEVEL_PRIORITY = {"khan-cap": Priority.KHAN_CAP, "uu-tien": Priority.UU_TIEN, "thong-thuong": Priority.THUONG}
ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,120}")
SHA256 = re.compile(r"[0-9a-f]{64}")
MAX_TEXT = 20_000                 # characters of a bulletin's text or a value
MAX_DOCUMENT_BYTES = 256 << 10    # one signed document, JSON
DEFAULT_REPEAT_MINUTES = 120      # a khẩn cấp bulletin airs again every 2 hours until it expires
MIN_REPEAT_MINUTES = 10


def to_json(document: Mapping[str, Any]) -> str:
    """The exact text that is signed: UTF-8 JSON, keys sorted, no spaces."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def moment(text: Any) -> datetime | None:
    """An ISO time with its offset, or None when it is not one."""
    if not isinstance(text, str):
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def problems(document: Any) -> list[str]:
    """Everything wrong with a document's shape (empty when it is a valid bulletin or cancellation)."""
    if not isinstance(document, dict):
        return ["tài liệu không phải một đối tượng JSON"]
    kind = document.get("type")
    out: list[str] = []
    if not isinstance(document.get("seq"), int) or isinstance(document.get("seq"), bool) or document["seq"] < 1:
        out.append("thiếu số thứ tự 'seq' (số nguyên dương)")
    if not isinstance(document.get("id"), str) or not ID_PATTERN.fullmatch(document["id"]):
        out.append("mã 'id' phải là chữ thường không dấu, số và '-' (tối đa 80 ký tự)")
    if moment(document.get("issued")) is None:
        out.append("thời điểm phát hành 'issued' phải là giờ ISO có múi giờ")
    if kind == "cancel":
        if not isinstance(document.get("cancels"), str) or not ID_PATTERN.fullmatch(document["cancels"]):
            out.append("'cancels' phải là mã của bản tin bị hủy")
        return out
    if kind != "bulletin":
        return [*out, f"loại tài liệu '{kind}' không phải 'bulletin' hay 'cancel'"]
    if document.get("level") not in LEVELS:
        out.append(f"mức '{document.get('level')}' không phải một trong {', '.join(LEVELS)}")
    if not isinstance(document.get("title"), str) or not document["title"].strip():
        out.append("thiếu tiêu đề 'title'")
    out.extend(content_problems(document.get("content")))
    start, end = moment(document.get("valid_from")), moment(document.get("expires"))
    if start is None or end is None:
        out.append("'valid_from' và 'expires' phải là giờ ISO có múi giờ")
    elif end <= start:
        out.append("'expires' phải sau 'valid_from'")
    out.extend(target_problems(document.get("targets")))
    zones = document.get("zones", [])
    if not isinstance(zones, list) or not all(isinstance(z, str) and NAME_PATTERN.fullmatch(z) for z in zones):
        out.append("'zones' phải là danh sách tên vùng loa")
    repeat = document.get("repeat_every_minutes")
    if repeat is not None and (not isinstance(repeat, int) or isinstance(repeat, bool) or repeat < MIN_REPEAT_MINUTES):
        out.append(f"'repeat_every_minutes' phải là số phút, ít nhất {MIN_REPEAT_MINUTES}")
    replaces = document.get("replaces")
    if replaces is not None and (not isinstance(replaces, str) or not ID_PATTERN.fullmatch(replaces)):
        out.append("'replaces' phải là mã của bản tin được thay")
    return out


def content_problems(content: Any) -> list[str]:
    if not isinstance(content, dict) or len(content) != 1 and set(content) != {"template", "values"}:
        return ["'content' phải có đúng một trong 'text', 'template' (kèm 'values') hoặc 'recording'"]
    if "text" in content:
        text = content["text"]
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
            return [f"nội dung 'text' phải là chữ, không rỗng, tối đa {MAX_TEXT} ký tự"]
        return []
    if "template" in content:
        if not isinstance(content["template"], str) or not re.fullmatch(r"[a-z0-9_]{1,80}", content["template"]):
            return ["tên mẫu 'template' phải là chữ thường không dấu, số và '_'"]
        if not isinstance(content.get("values", {}), dict):
            return ["'values' của mẫu phải là một bảng khóa: giá trị"]
        return []
    recording = content.get("recording")
    if not isinstance(recording, dict) or not NAME_PATTERN.fullmatch(str(recording.get("name", ""))) \
            or not SHA256.fullmatch(str(recording.get("sha256", ""))) \
            or not isinstance(recording.get("bytes"), int) or recording["bytes"] <= 0:
        return ["'recording' phải có 'name', 'sha256' và 'bytes' của tệp ghi âm"]
    return []


def target_problems(targets: Any) -> list[str]:
    if targets == {"all": True}:
        return []
    if isinstance(targets, dict) and set(targets) == {"communes"} and isinstance(targets["communes"], list) \
            and targets["communes"] and all(isinstance(c, str) and NAME_PATTERN.fullmatch(c)
                                            for c in targets["communes"]):
        return []
    if isinstance(targets, dict) and set(targets) == {"tag"} and isinstance(targets["tag"], str) \
            and NAME_PATTERN.fullmatch(targets["tag"]):
        return []
    return ["'targets' phải là {\"all\": true}, {\"communes\": [...]} hoặc {\"tag\": \"...\"}"]


def concerns(document: Mapping[str, Any], commune: str, tags: Iterable[str] = ()) -> bool:
    """Is this bulletin for the commune named `commune` (its name on the province server) with `tags`?"""
    targets = document.get("targets") or {}
    if targets.get("all") is True:
        return True
    if "communes" in targets:
        return commune in targets["communes"]
    return targets.get("tag") in set(tags)


def repeat_minutes(document: Mapping[str, Any]) -> int:
    return int(document.get("repeat_every_minutes") or DEFAULT_REPEAT_MINUTES)


def issue_sentence(issued: datetime) -> str:
    """'Bản tin phát hành lúc 14 giờ ngày 7 tháng 12 năm 2026.' (minutes when there are some)."""
    minutes = f" {issued.minute} phút" if issued.minute else ""
    return (f"Bản tin phát hành lúc {issued.hour} giờ{minutes} ngày {issued.day} tháng {issued.month} "
            f"năm {issued.year}.")
