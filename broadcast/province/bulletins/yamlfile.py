"""A bulletin written by the province officer in YAML, read with file:line Vietnamese errors.

    id: bao-so-9
    level: khẩn cấp                 # khẩn cấp | ưu tiên | thông thường (or khan-cap, uu-tien, thong-thuong)
    title: Bão số 9 đổ bộ
    text: "Bão số 9 ..."            # or  template: canh_bao_bao_lu  +  values: {...}
                                    # or  recording: ghi-am/bao.mp3  (relative to the YAML file)
    from: 2026-12-07 14:00          # default: the issue time
    expires: 2026-12-08 14:00       # a bare date means the end of that day
    issued: 2026-12-07 13:55        # default: now
    targets: all                    # or [xa-001, xa-002]  or  {tag: ven-bien}
    zones: [thon-dong]              # optional
    repeat_every: 2h                # khẩn cấp only: 30m, 90 phút, 2h, 2 giờ (default 2 giờ)
    replaces: bao-so-8              # optional: this one updates an earlier bulletin

Every problem is reported at once, each with its line, through the schedule's YAML reader
(`schedule.files.read_yaml`, bounded). The result is a document without `seq` (the registry
numbers and signs it) and, for a recording, the file's path beside it. The province console's
form writes the same YAML and reads it back through `check_bulletin`, which keeps each problem's
key so the page shows it beside its field: one reader for the file and the page.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any

from broadcast.errors import InputError, MultiError
from broadcast.province.bulletins.document import (
    ID_PATTERN,
    LEVELS,
    MIN_REPEAT_MINUTES,
    NAME_PATTERN,
    problems,
)
from broadcast.schedule.files import YMap, plain, read_yaml
from broadcast.schedule.vocabulary import ascii_key
from broadcast.station.bounded_yaml import read_capped

KEYS = ("id", "level", "title", "text", "template", "values", "recording", "from", "expires", "issued",
        "targets", "zones", "repeat_every", "replaces")
_LEVEL_ALIASES = {ascii_key(level): level for level in LEVELS} | {
    "khancap": "khan-cap", "uutien": "uu-tien", "thongthuong": "thong-thuong", "thuong": "thong-thuong"}
_DURATION = re.compile(r"(\d+)\s*(m|ph|phut|p|h|g|gio)?", re.IGNORECASE)
MAX_BYTES = 256 << 10
MAX_RECORDING_BYTES = 64 << 20


def read_bulletin(path: Path, *, tz: tzinfo, now: datetime) -> tuple[dict[str, Any], Path | None]:
    """(document without seq, recording file or None) from the YAML at `path`; InputError/MultiError."""
    path = Path(path)
    shown = str(path)
    try:
        text = read_capped(path, MAX_BYTES, shown).decode("utf-8")
    except OSError as exc:
        raise InputError(f"không đọc được tệp bản tin: {exc.strerror}", path=shown) from None
    except UnicodeDecodeError:
        raise InputError("tệp bản tin không phải UTF-8", path=shown, hint="lưu lại tệp với bảng mã UTF-8") from None
    return parse_bulletin(text, shown, folder=path.parent, tz=tz, now=now)


def parse_bulletin(text: str, shown: str, *, folder: Path, tz: tzinfo, now: datetime,
                   ) -> tuple[dict[str, Any], Path | None]:
    """`read_bulletin` of a text already read (the province console's drafts); every error at once."""
    checked = check_bulletin(text, shown, folder=folder, tz=tz, now=now)
    errors = [error for _, error in checked.problems]
    if errors:
        raise errors[0] if len(errors) == 1 else MultiError(errors, summary=f"Tệp bản tin {shown} có {len(errors)} lỗi:")
    left = problems({**checked.document, "seq": 1})
    if left:                                        # a gap in the reader: never sign a bad document
        raise InputError(f"bản tin chưa hợp lệ: {left[0]}", path=shown)
    return checked.document, checked.recording


@dataclass(frozen=True)
class Checked:
    """A bulletin text read: the document (valid only without problems) and each problem with its key."""

    document: dict[str, Any]
    recording: Path | None
    problems: tuple[tuple[str, InputError], ...]


def check_bulletin(text: str, shown: str, *, folder: Path, tz: tzinfo, now: datetime) -> Checked:
    """Every problem of a bulletin YAML, each with the key it concerns (a form shows it by its field);
    a YAML syntax error raises as in the schedule files."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise InputError(f"bản tin lớn quá {MAX_BYTES >> 10} KB", path=shown)
    raw = read_yaml(text, shown)
    if not isinstance(raw, YMap):
        raise InputError("tệp bản tin phải là các dòng 'khóa: giá trị' (id, level, title, text...)", path=shown,
                         line=1, hint="xem ví dụ trong docs/huong-dan/tinh.md")
    reader = _Reader(raw, shown, tz)
    document, recording = reader.document(folder, now)
    return Checked(document, recording, tuple(reader.errors))


def level_code(raw: Any) -> str | None:
    """'khẩn cấp', 'Khẩn Cấp', 'khan-cap' -> 'khan-cap'; None when it names no level."""
    return _LEVEL_ALIASES.get(ascii_key(raw))


class _Reader:
    def __init__(self, raw: YMap, shown: str, tz: tzinfo) -> None:
        self.raw, self.shown, self.tz = raw, shown, tz
        self.errors: list[tuple[str, InputError]] = []

    def error(self, key: str, message: str, hint: str | None = None) -> None:
        self.errors.append((key, InputError(message, path=self.shown, line=self.raw.at(key), hint=hint)))

    def document(self, folder: Path, now: datetime) -> tuple[dict[str, Any], Path | None]:
        raw = self.raw
        for key in raw:
            if key not in KEYS:
                self.error(key, f"khóa '{key}' không có trong bản tin", f"các khóa: {', '.join(KEYS)}")
        doc: dict[str, Any] = {"type": "bulletin"}
        ident = str(raw.get("id", "")).strip()
        if not ID_PATTERN.fullmatch(ident):
            self.error("id", f"mã bản tin '{ident}' không hợp lệ" if ident else "thiếu mã bản tin 'id'",
                       "dùng chữ thường không dấu, số và '-', ví dụ: id: bao-so-9-lan-2")
        doc["id"] = ident
        level = level_code(raw.get("level", ""))
        if level is None:
            self.error("level", f"mức bản tin '{raw.get('level', '')}' không hợp lệ",
                       "ghi một trong: khẩn cấp, ưu tiên, thông thường")
        doc["level"] = level
        title = raw.get("title")
        if not isinstance(title, str) or not title.strip():
            self.error("title", "thiếu tiêu đề 'title' của bản tin")
        doc["title"] = str(title or "").strip()
        doc["content"], recording = self.content(folder)
        doc["issued"] = self.moment("issued", now.astimezone(self.tz))
        doc["valid_from"] = self.moment("from", None) if "from" in raw else doc["issued"]
        doc["expires"] = self.moment("expires", None, end_of_day=True)
        if doc["expires"] is None and "expires" not in raw:
            self.error("expires", "thiếu hạn 'expires' của bản tin", "ví dụ: expires: 2026-12-08 14:00")
        elif doc["expires"] and doc["valid_from"] and doc["expires"] <= doc["valid_from"]:
            self.error("expires", "hạn 'expires' phải sau thời điểm bắt đầu 'from'")
        elif doc["expires"] and datetime.fromisoformat(doc["expires"]) <= now:
            self.error("expires", f"bản tin đã hết hạn lúc {doc['expires']}: các xã sẽ không phát",
                       "sửa 'expires' thành một thời điểm sắp tới")
        doc["targets"] = self.targets()
        zones = plain(raw.get("zones", []))
        if isinstance(zones, str):
            zones = [zones]
        if not isinstance(zones, list) or not all(isinstance(z, str) and NAME_PATTERN.fullmatch(z) for z in zones):
            self.error("zones", "'zones' phải là danh sách tên vùng loa, ví dụ [thon-dong, thon-tay]")
            zones = []
        doc["zones"] = zones
        if "repeat_every" in raw:
            minutes = self.duration(raw["repeat_every"])
            if minutes is None or minutes < MIN_REPEAT_MINUTES:
                self.error("repeat_every", f"'repeat_every: {raw['repeat_every']}' không hợp lệ",
                           f"ghi số phút hoặc giờ, ít nhất {MIN_REPEAT_MINUTES} phút: 30m, 90 phút, 2h")
            elif level not in (None, "khan-cap"):
                self.error("repeat_every", "chỉ bản tin khẩn cấp mới lặp lại theo 'repeat_every'")
            else:
                doc["repeat_every_minutes"] = minutes
        replaces = raw.get("replaces")
        if replaces is not None and not ID_PATTERN.fullmatch(str(replaces)):
            self.error("replaces", f"'replaces: {replaces}' không phải mã một bản tin")
        doc["replaces"] = str(replaces) if replaces is not None else None
        doc["province"] = ""
        return doc, recording

    def content(self, folder: Path) -> tuple[dict[str, Any], Path | None]:
        raw = self.raw
        given = [k for k in ("text", "template", "recording") if k in raw]
        if len(given) != 1:
            key = given[1] if len(given) > 1 else "title"
            self.error(key, "bản tin cần đúng một trong 'text', 'template' hoặc 'recording'",
                       "ví dụ: text: \"Nội dung bản tin...\"")
            return {"text": "?"}, None
        if "values" in raw and given != ["template"]:
            self.error("values", "'values' chỉ dùng cùng 'template'")
        if given == ["text"]:
            text = raw["text"]
            if not isinstance(text, str) or not text.strip():
                self.error("text", "nội dung 'text' rỗng")
            return {"text": str(text or "").strip()}, None
        if given == ["template"]:
            name, values = str(raw["template"]).strip(), plain(raw.get("values", {}))
            if not re.fullmatch(r"[a-z0-9_]{1,80}", name):
                self.error("template", f"tên mẫu '{name}' không hợp lệ", "tên tệp mẫu trong scripts_vi/, bỏ .j2")
            if not isinstance(values, dict):
                self.error("values", "'values' phải là các dòng 'biến: giá trị'")
                values = {}
            return {"template": name, "values": _jsonable(values)}, None
        file = (folder / str(raw["recording"])).resolve()
        try:
            size = file.stat().st_size
            if not 0 < size <= MAX_RECORDING_BYTES:
                raise ValueError
            digest = _sha256(file)
        except (OSError, ValueError):
            self.error("recording", f"không đọc được tệp ghi âm '{raw['recording']}' (hoặc tệp rỗng, quá 64 MB)",
                       "đường dẫn tính từ thư mục chứa tệp bản tin")
            return {"text": "?"}, None
        name = re.sub(r"[^A-Za-z0-9._-]", "-", file.name)[:100] or "ghi-am"
        return {"recording": {"name": name, "sha256": digest, "bytes": size}}, file

    def moment(self, key: str, default: datetime | None, *, end_of_day: bool = False) -> str | None:
        if key not in self.raw:
            return default.isoformat(timespec="seconds") if default else None
        value = self.raw[key]
        parsed = _parse_moment(value, self.tz, end_of_day=end_of_day)
        if parsed is None:
            self.error(key, f"thời điểm '{key}: {value}' không hợp lệ",
                       "ghi ngày giờ dạng 2026-12-07 14:00 hoặc 07/12/2026 14:00")
            return None
        return parsed.isoformat(timespec="seconds")

    def targets(self) -> dict[str, Any]:
        raw = plain(self.raw.get("targets", "all"))
        if isinstance(raw, str) and ascii_key(raw) in ("all", "tatca", "toanbo"):
            return {"all": True}
        if isinstance(raw, str):
            raw = [raw]
        if isinstance(raw, list) and raw and all(isinstance(c, str) and NAME_PATTERN.fullmatch(c) for c in raw):
            return {"communes": raw}
        if isinstance(raw, dict) and set(raw) == {"tag"} and isinstance(raw["tag"], str) \
                and NAME_PATTERN.fullmatch(raw["tag"]):
            return {"tag": raw["tag"]}
        self.error("targets", "'targets' không hợp lệ",
                   "ghi 'all' (mọi xã), danh sách tên xã [xa-001, xa-002] hoặc {tag: ven-bien}")
        return {"all": True}

    @staticmethod
    def duration(raw: Any) -> int | None:
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        match = _DURATION.fullmatch(ascii_key(raw) if not str(raw).strip().isdigit() else str(raw).strip())
        if not match:
            return None
        unit = (match.group(2) or "m").lower()
        return int(match.group(1)) * (60 if unit in ("h", "g", "gio") else 1)


def _parse_moment(value: Any, tz: tzinfo, *, end_of_day: bool) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, date):
        day = value + timedelta(days=1) if end_of_day else value
        return datetime.combine(day, time(0, 0), tz)
    text = str(value).strip().replace("h", ":") if isinstance(value, str) else ""
    try:
        parsed = datetime.fromisoformat(text)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)
    except ValueError:
        pass
    for fmt in ("%d/%m/%Y %H:%M", "%H:%M %d/%m/%Y", "%d/%m/%Y"):
        try:
            parsed = datetime.strptime(text, fmt).replace(tzinfo=tz)
        except ValueError:
            continue
        return parsed + timedelta(days=1) if fmt == "%d/%m/%Y" and end_of_day else parsed
    return None


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
