"""Validate a slot's `relay:`: a recorded file inside the station folder or a live `url` stream."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from broadcast.schedule.fields import _BAD
from broadcast.schedule.files import YMap
from broadcast.schedule.model import RelaySpec
from broadcast.schedule.vocabulary import _RELAY_KEYS, LIVE_SCHEMES, SOURCES
from broadcast.schedule.zones import ZoneReader
from broadcast.station.files import AUDIO_MAX_BYTES


class RelayReader(ZoneReader):
    """Reads `relay:` mappings (file or live url)."""

    def read_relay(self, m: YMap, path: str, what: str) -> Any:
        raw = m.get("relay")
        if raw is None:
            return None
        if isinstance(raw, str):
            raw_map = YMap({"file": raw})
            raw_map.line, raw_map.key_lines, raw_map.duplicates = m.at("relay"), {}, []
            raw_map.value_lines = {"file": m.at("relay")}
            raw = raw_map
        if not isinstance(raw, dict):
            self.error(path, m.at("relay"), f"'relay' của {what} phải có dạng {{file: ..., title: ...}}.")
            return _BAD
        self.check_keys(raw, path, _RELAY_KEYS, (), f"'relay' của {what}")
        title = self.text(raw, "title", path, what, default="Tiếp âm")
        source = self.choice(raw, "source", path, what, SOURCES, "vov")
        zones = self.zone_refs(raw, path, f"'relay' của {what}")
        if zones is _BAD:
            return _BAD
        if "url" in raw or "file" not in raw:
            live = self.read_live_relay(raw, path, what, title, source)
            return live if live is _BAD else replace(live, zones=zones)
        rel = self.text(raw, "file", path, what)
        if rel is None or rel is _BAD or title is _BAD or source is _BAD:
            return _BAD
        file = self.confine(rel, path, raw.at("file"))
        if file is _BAD:
            return _BAD
        if not self.usable(file, path, raw.at("file"), f"Không tìm thấy tệp âm thanh '{rel}' (tiếp âm của {what}).",
                           f"Sửa: chép tệp vào {self.display(file)} hoặc sửa đường dẫn (tính từ thư mục đài)",
                           max_bytes=AUDIO_MAX_BYTES):
            return _BAD
        self.relay_files.append(file)
        return RelaySpec(file=file, title=title, source=source, line=raw.line, zones=zones)

    def read_live_relay(self, raw: YMap, path: str, what: str, title: Any, source: Any) -> Any:
        """`relay: {url: http://..., minutes: 30, fallback: audio/tiep_am.mp3}`: a live stream."""
        url = self.text(raw, "url", path, what)
        if url is None or "file" in raw:
            self.error(path, raw.line, f"'relay' của {what} cần đúng một trong 'file' (tệp ghi sẵn) hoặc "
                                       "'url' (tiếp âm trực tiếp).",
                       "Sửa: ví dụ 'relay: {url: http://127.0.0.1:8000/vov1.mp3, title: Tiếp âm VOV}'")
            return _BAD
        minutes = self.number(raw, "minutes", path, what, integer=False, minimum=1, maximum=600)
        fallback_rel = self.text(raw, "fallback", path, what)
        if url is _BAD or title is _BAD or source is _BAD or minutes is _BAD or fallback_rel is _BAD:
            return _BAD
        parts = urlsplit(url)
        if parts.scheme.lower() not in LIVE_SCHEMES or not parts.hostname:
            self.error(path, raw.at("url"), f"Địa chỉ tiếp âm '{url}' của {what} không hợp lệ: phải bắt đầu "
                                            f"bằng {', '.join(s + '://' for s in LIVE_SCHEMES)} và có tên máy.",
                       "Sửa: ví dụ 'url: http://127.0.0.1:8000/vov1.mp3' hoặc 'url: rtsp://10.0.0.5/tinh'")
            return _BAD
        if parts.username or parts.password:
            self.error(path, raw.at("url"), f"Địa chỉ tiếp âm của {what} có tài khoản hoặc mật khẩu.",
                       "Sửa: dùng một luồng nghe công khai; không ghi mật khẩu trong lịch phát")
            return _BAD
        fallback = None
        if fallback_rel is not None:
            fallback = self.confine(fallback_rel, path, raw.at("fallback"))
            if fallback is _BAD:
                return _BAD
            if not self.usable(fallback, path, raw.at("fallback"),
                               f"Không tìm thấy tệp dự phòng '{fallback_rel}' (tiếp âm của {what}).",
                               f"Sửa: chép tệp vào {self.display(fallback)} hoặc sửa đường dẫn (tính từ thư mục đài)",
                               max_bytes=AUDIO_MAX_BYTES):
                return _BAD
            self.relay_files.append(fallback)
        return RelaySpec(file=None, title=title, source=source, line=raw.line, url=url,
                         minutes=None if minutes is None else float(minutes), fallback=fallback)
