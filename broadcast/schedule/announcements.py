"""Validate announcements: template or recorded `file:`, review and status, one per file in `schedules/thong-bao/`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from broadcast.model import Priority
from broadcast.schedule.fields import _BAD, FieldReader, _cap, _read_document
from broadcast.schedule.files import YMap
from broadcast.schedule.model import AnnouncementSpec
from broadcast.schedule.vocabulary import (
    _ANNOUNCEMENT_KEYS,
    _REVIEW_KEYS,
    _STATUS_ALIASES,
    ALL_DAYS,
    RECORDING_MAX_BYTES,
    RECORDING_REPEAT,
    STATUSES,
    _did_you_mean,
    ascii_key,
)
from broadcast.schedule.zones import ZoneReader


class AnnouncementReader(ZoneReader):
    """Reads `announcements:` entries (template or recorded file)."""

    def read_announcement(self, m: Any, path: str, line: int,
                          slot_names: tuple[str, ...]) -> AnnouncementSpec | None:
        if not isinstance(m, dict):
            self.error(path, line, "Mỗi thông báo trong 'announcements' phải là một nhóm khóa "
                                   "(id, template, from, ...).")
            return None
        what = f"thông báo '{m.get('id', '?')}'"
        recorded = m.get("file") is not None
        self.check_keys(m, path, _ANNOUNCEMENT_KEYS + _REVIEW_KEYS,
                        ("id", "from", "title") if recorded else ("id", "from"), what)
        ann_id = self.text(m, "id", path, what)
        template = self.text(m, "template", path, what)
        title = self.text(m, "title", path, what)
        if recorded:
            file = self.read_recording(m, path, what)
            values, values_path, values_line = {}, path, m.line
            if template is not None:
                self.error(path, m.at("template"), f"{_cap(what)} có cả 'file' (bản ghi âm) và 'template'.",
                           "Sửa: giữ một trong hai")
                template = _BAD
            for key in ("values", "data"):
                if key in m:
                    self.error(path, m.at(key), f"{_cap(what)} là bản ghi âm ('file') nên không dùng '{key}'.",
                               f"Sửa: xóa dòng '{key}'")
                    values = _BAD
        else:
            file = None
            if template is None:
                self.error(path, m.line, f"Thiếu khóa 'template' (hoặc 'file' cho bản ghi âm) trong {what}.",
                           "Sửa: thêm dòng 'template: ...', hoặc 'file: recordings/TEN.m4a' và 'title: ...'")
                template = _BAD
            values, values_path, values_line = self.values_of(m, path, what)
        valid_from = self.date_of(m, "from", path, what)
        valid_until = self.date_of(m, "until", path, what)
        if valid_from not in (None, _BAD) and valid_until not in (None, _BAD) and valid_until < valid_from:
            self.error(path, m.at("until"), f"{_cap(what)} hết hạn ({valid_until:%d/%m/%Y}) trước ngày bắt đầu "
                                            f"({valid_from:%d/%m/%Y}).",
                       "Sửa: 'until' phải bằng hoặc sau 'from'; kiểm tra lại ngày, tháng, năm")
            valid_until = _BAD
        chosen = self.slot_refs(m, "slots", path, what, slot_names)
        days = self.days_of(m, "days", path, what, ALL_DAYS)
        priority = None
        if m.get("priority") is not None:
            try:
                priority = Priority.parse(str(m["priority"]))
            except ValueError:
                self.error(path, m.at("priority"), f"Mức ưu tiên '{m['priority']}' của {what} không hợp lệ.",
                           _did_you_mean(m["priority"], [p.value for p in Priority]))
                priority = _BAD
        repeat = self.number(m, "repeat", path, what, integer=True, minimum=1, maximum=10)
        order = self.number(m, "order", path, what, integer=True, minimum=1, maximum=999)
        status = self.read_status(m, path, what)
        tags = self.str_list(m, "tags", path, what)
        review = self.read_review(m, path, what)
        zones = self.zone_refs(m, path, what)
        public = m.get("public", True)
        if not isinstance(public, bool):          # `public: false` keeps it off the listening page
            self.error(path, m.at("public"), f"'public' của {what} phải là true hoặc false.",
                       "Sửa: public: false để không đăng lên trang nghe lại; bỏ dòng này để đăng")
            public = _BAD
        if template not in (None, _BAD):
            self.check_template(template, values, path, m.at("template"), values_path, values_line)
        fields_ = (ann_id, template, values, valid_from, valid_until, chosen, days, priority, repeat,
                   status, title, tags, review, file, zones, public, order)
        if any(v is _BAD for v in fields_) or None in (ann_id, valid_from) or (template is None and file is None):
            return None
        if not self.claim_id(ann_id, path, m.line, what):
            return None
        return AnnouncementSpec(
            id=ann_id, template=template, values=values, valid_from=valid_from, valid_until=valid_until,
            slots=chosen if chosen is not None else slot_names, days=days, priority=priority,
            repeat=repeat if repeat is not None or file is None else RECORDING_REPEAT, status=status,
            path=path, line=m.line, title=title, tags=tags, review=review, file=file,
            zones=zones, public=public, order=order)

    def read_recording(self, m: YMap, path: str, what: str) -> Any:
        """`file:` of a recorded notice: a path inside the station folder to a file that exists.

        Whether it really is audio ffmpeg can decode is checked by content at `broadcast check`
        and at build time (`broadcast.audio.clips`), not here and not by its extension.
        """
        rel = self.text(m, "file", path, what)
        if rel in (None, _BAD):
            return _BAD
        hint = "Sửa: chép bản ghi âm vào thư mục recordings/ của đài và ghi 'file: recordings/TEN.m4a'"
        file = self.confine(rel, path, m.at("file"))
        if file is _BAD:
            return _BAD
        if not self.usable(file, path, m.at("file"), f"Không tìm thấy tệp ghi âm '{rel}' của {what}.", hint):
            return _BAD
        if file.stat().st_size > RECORDING_MAX_BYTES:
            self.error(path, m.at("file"), f"Tệp ghi âm '{rel}' của {what} quá lớn "
                                           f"(tối đa {RECORDING_MAX_BYTES >> 20} MB).",
                       "Sửa: cắt bớt hoặc lưu lại với chất lượng thấp hơn (m4a, mp3 64 kbps là đủ)")
            return _BAD
        self.relay_files.append(file)    # its size and time go into the schedule's fingerprint
        return file

    def read_review(self, m: YMap, path: str, what: str) -> Any:
        """The console's bookkeeping keys: names and comment as text, times ISO 8601, version >= 1."""
        review: dict[str, Any] = {}
        bad = False
        for key in ("author", "approved_by", "comment"):
            value = self.text(m, key, path, what)
            bad = bad or value is _BAD
            if value not in (None, _BAD):
                review[key] = value
        for key in ("submitted_at", "approved_at"):
            raw = m.get(key)
            if raw is None:
                continue
            try:
                review[key] = (raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))).isoformat()
            except ValueError:
                self.error(path, m.at(key), f"'{key}' của {what} phải là thời điểm dạng "
                                            f"YYYY-MM-DDTHH:MM:SS+07:00, nhận được '{raw}'.")
                bad = True
        version = self.number(m, "version", path, what, integer=True, minimum=1, maximum=999_999)
        bad = bad or version is _BAD
        if version not in (None, _BAD):
            review["version"] = version
        return _BAD if bad else review

    def read_status(self, m: YMap, path: str, what: str) -> Any:
        raw = m.get("status")
        if raw is None:
            return "draft"
        if isinstance(raw, str):
            key = raw.strip()
            if key in STATUSES:
                return key
            if ascii_key(key) in _STATUS_ALIASES:
                return _STATUS_ALIASES[ascii_key(key)]
        self.error(path, m.at("status"), f"Trạng thái '{raw}' của {what} không hợp lệ.",
                   _did_you_mean(raw, STATUSES))
        return _BAD


def _read_announcement_files(loader: FieldReader, folder: Path,
                             replacing: Mapping[str, bytes | None]) -> list[tuple[Path, str, YMap]]:
    """`schedules/thong-bao/*.yaml`: one announcement mapping per file (the web console writes them).

    `replacing` maps a file name to the content it would have after a save (None: deleted), so a
    change is checked by this same loader before it is written.
    """
    contents: dict[Path, bytes | None] = {}
    if folder.is_dir():
        contents = {p: None for p in folder.glob("*.yaml")}     # a folder, FIFO... is refused when read
    for name, content in replacing.items():
        contents[folder / name] = content
    out: list[tuple[Path, str, YMap]] = []
    for file in sorted(p for p in contents if p.name.endswith(".yaml")):
        if file.name in replacing and replacing[file.name] is None:
            continue
        shown = loader.display(file)
        doc = _read_document(loader, file, shown, "announcement", contents[file])
        if doc is _BAD:
            continue
        if not isinstance(doc, YMap):
            loader.error(shown, 1, "Tệp trong thư mục thong-bao/ phải là một thông báo (các khóa id, "
                                   "template, from, ...), không phải danh sách.",
                         "Sửa: bỏ dấu '- ' ở đầu và khóa 'announcements:'")
            continue
        out.append((file, shown, doc))
    return out
