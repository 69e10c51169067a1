"""Plain immutable values shared by the pipeline stages: priorities, items, programmes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any

AUDIENCE_VARIABLE = "vung_nghe"
"""The template variable holding the titles of the zones a targeted notice is for ("thôn Đông và thôn Trung")."""


class Priority(str, Enum):
    """The three bulletin levels of Thông tư 39/2020/TT-BTTTT, most urgent first."""

    KHAN_CAP = "khan-cap"
    UU_TIEN = "uu-tien"
    THUONG = "thuong"

    @property
    def rank(self) -> int:
        """0 for khẩn cấp, 1 for ưu tiên, 2 for thường: sort ascending to air the urgent first."""
        return _PRIORITY_RANK[self]

    @property
    def label(self) -> str:
        return _PRIORITY_LABEL[self]

    @classmethod
    def parse(cls, raw: str) -> Priority:
        """Accept 'khan-cap', 'khẩn cấp', 'KHAN_CAP', 'uu tien' ... ; ValueError otherwise."""
        key = ascii_key(raw)
        for p in cls:
            if key == ascii_key(p.value):
                return p
        raise ValueError(raw)


_PRIORITY_RANK = {Priority.KHAN_CAP: 0, Priority.UU_TIEN: 1, Priority.THUONG: 2}
_PRIORITY_LABEL = {Priority.KHAN_CAP: "khẩn cấp", Priority.UU_TIEN: "ưu tiên",
                   Priority.THUONG: "thường"}


def ascii_key(raw: Any) -> str:
    """'Thứ Hai' → 'thuhai', 'T2' → 't2', 'khẩn cấp' → 'khancap': for matching what people type."""
    import unicodedata
    text = unicodedata.normalize("NFD", str(raw).strip().lower()).replace("đ", "d")
    text = "".join(c for c in text if not unicodedata.combining(c))
    return "".join(c for c in text if c.isalnum())


class ItemKind(str, Enum):
    """What a programme item is; the report counts items by kind (tin, bài, thông báo, chuyên mục)."""

    TUNE = "nhac-hieu"          # signature tune (audio file)
    OPENING = "mo-dau"          # lời mở đầu
    NEWS = "ban-tin"            # bản tin / tin tức của xã
    COLUMN = "chuyen-muc"       # chuyên mục episode (e.g. Cải cách hành chính)
    TRANSITION = "chuyen-tiep"  # "Tiếp theo chương trình ..." / "Sau đây là các thông báo"
    NOTICE = "thong-bao"        # announcements, read `repeat` times
    CLOSING = "loi-ket"         # lời kết
    RELAY = "tiep-am"           # recorded or relayed audio file
    URGENT = "khan-cap"         # urgent announcement put on air at once


@dataclass(frozen=True)
class Item:
    """One thing a programme airs: a template to speak, or an audio file to play."""

    id: str
    kind: ItemKind
    title: str
    template: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    priority: Priority = Priority.THUONG
    repeat: int = 1
    audio_file: Path | None = None
    est_duration_s: float = 0.0
    episode: str | None = None          # column episode id, for rotation and the report
    valid_from: date | None = None
    source: str = "tu-san-xuat"         # tu-san-xuat | vov | tinh | huyen (report group A)
    order: int | None = None            # a notice's `order` within its priority (1 airs first)


@dataclass(frozen=True)
class LiveRelay:
    """A live stream (tiếp âm trực tiếp) aired after a programme's recorded part, for `minutes` or the slot's rest."""

    url: str
    title: str
    source: str = "vov"
    minutes: float | None = None        # None: until the slot's end (start + max_minutes)
    fallback: Path | None = None        # a recorded file for when the stream fails or drops; None: silence
    slot_minutes: float = 0.0           # the slot's max_minutes: without `minutes` it airs until then

    def as_manifest(self, start: datetime) -> dict[str, Any]:
        """The manifest's `live` object (`until`: the slot's end, aware ISO)."""
        until = start + timedelta(minutes=self.slot_minutes)
        return {"url": self.url, "title": self.title, "source": self.source, "minutes": self.minutes,
                "fallback": str(self.fallback) if self.fallback else None, "until": until.isoformat()}


@dataclass(frozen=True)
class Programme:
    """One broadcast slot on one date, with its items in air order."""

    date: date
    slot: str
    title: str
    start: datetime                     # aware, station timezone
    max_duration_s: float
    items: tuple[Item, ...]
    warnings: tuple[str, ...] = ()
    festive: bool = False
    session: str = "sang"               # sang | trua | chieu | dot-xuat (the report counts sessions)
    live: LiveRelay | None = None       # a live relay after the recorded part (published in the manifest)
    zones: tuple[str, ...] = ()         # the zones that air it (broadcast.plan.zones); () before zoning
    variant: str = ""                   # one of several programmes of a slot: the suffix of its id and file
    deferred: tuple[Item, ...] = ()     # notices moved to a later slot (the warning names the first few)

    @property
    def id(self) -> str:
        return f"{self.date.isoformat()}-{self.slot}" + (f"-{self.variant}" if self.variant else "")

    @property
    def file_stem(self) -> str:
        """ASCII slug of the programme's audio file: '0530-sang', '0530-sang-thon-dong' for a zone's own."""
        return f"{self.start:%H%M}-{self.slot}" + (f"-{self.variant}" if self.variant else "")

    @property
    def est_duration_s(self) -> float:
        return sum(i.est_duration_s for i in self.items)
