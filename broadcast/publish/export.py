"""Announcements of a day as text for the commune website or social page (pure).

What people typed stays text: Markdown gets `plaintext.markdown` (no tag, no link survives a
website's renderer), plain text gets `plaintext.plain` (tags removed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from broadcast.model import ItemKind, Priority, Programme
from broadcast.publish.plaintext import markdown, markdown_line, plain

EXPORTED_KINDS = (ItemKind.URGENT, ItemKind.NOTICE, ItemKind.COLUMN, ItemKind.NEWS)
FORMATS = ("md", "txt")


@dataclass(frozen=True)
class ExportEntry:
    title: str
    kind: ItemKind
    priority: Priority
    text: str
    slots: tuple[str, ...]


def collect(programmes: Sequence[Programme], texts: dict[str, str]) -> list[ExportEntry]:
    """One entry per distinct item (a notice read in two slots is published once)."""
    found: dict[str, ExportEntry] = {}
    for p in programmes:
        for item in p.items:
            if item.kind not in EXPORTED_KINDS:
                continue
            slot = f"{p.start:%H:%M}"
            if item.id in found:
                old = found[item.id]
                found[item.id] = ExportEntry(old.title, old.kind, old.priority, old.text, old.slots + (slot,))
            else:
                found[item.id] = ExportEntry(item.title, item.kind, item.priority, texts[item.id], (slot,))
    return sorted(found.values(), key=lambda e: (e.priority.rank, e.kind != ItemKind.NOTICE))


def export_day(day: date, station_title: str, entries: Sequence[ExportEntry], fmt: str) -> str:
    """Markdown or plain text, newest notices first by priority."""
    heading = f"{plain(station_title)}: thông tin phát ngày {day:%d/%m/%Y}"
    if fmt == "md":
        out = [f"# {markdown_line(heading)}", ""]
        for e in entries:
            badge = f" ({e.priority.label.upper()})" if e.priority != Priority.THUONG else ""
            out += [f"## {markdown_line(e.title)}{badge}", "", markdown(e.text).strip(), "",
                    f"*Phát lúc {', '.join(e.slots)}.*", ""]
    else:
        out = [heading.upper(), "=" * len(heading), ""]
        for e in entries:
            badge = f" [{e.priority.label.upper()}]" if e.priority != Priority.THUONG else ""
            title = " ".join(plain(e.title).split())
            out += [f"{title}{badge}", "-" * len(title), plain(e.text).strip(), f"(Phát lúc {', '.join(e.slots)}.)", ""]
    if not entries:
        out.append("Không có thông báo nào trong ngày." if fmt == "txt" else "_Không có thông báo nào trong ngày._")
    return "\n".join(out).rstrip() + "\n"
