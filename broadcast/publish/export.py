"""Announcements of a day as text for the commune website or social page (pure).

What people typed stays text: Markdown gets `plaintext.markdown` (no tag, no link survives a
website's renderer), plain text gets `plaintext.plain` (tags removed).

On a station with zones (`collect_zones`) each entry says where it is heard, by zone title:
"Phát lúc 05:30, 17:00; nghe ở Thôn Đông." (every zone: "mọi vùng"; slots heard by different
zones: "Phát lúc 05:30 (Thôn Đông), 17:00 (mọi vùng)."), and the day ends with the slots a zone
skips in its quiet hours, so a listener there knows not to wait for them. A station without
zones gets the text it always had (`collect`, no `skips`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    heard: tuple[tuple[str, ...] | None, ...] = ()   # per slot: the zone titles hearing it (None: every zone)


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


def collect_zones(per_zone: Mapping[str, Sequence[Programme]], titles: Mapping[str, str],
                  texts: dict[str, str]) -> list[ExportEntry]:
    """`collect` over every zone's programmes: one entry per item, with the zones that hear it at each slot.

    `titles`: zone name -> title, in the zones' order (every zone of the station).
    """
    found: dict[str, tuple[ExportEntry, dict[str, list[str]]]] = {}
    for zone, programmes in per_zone.items():
        for p in programmes:
            for item in p.items:
                if item.kind not in EXPORTED_KINDS:
                    continue
                entry = (ExportEntry(item.title, item.kind, item.priority, texts[item.id], ()), {})
                found.setdefault(item.id, entry)[1].setdefault(f"{p.start:%H:%M}", []).append(zone)
    out = []
    for entry, by_slot in found.values():
        slots = tuple(sorted(by_slot))
        heard = tuple(None if set(by_slot[s]) >= set(titles) else
                      tuple(t for name, t in titles.items() if name in by_slot[s]) for s in slots)
        out.append(ExportEntry(entry.title, entry.kind, entry.priority, entry.text, slots, heard))
    return sorted(out, key=lambda e: (e.priority.rank, e.kind != ItemKind.NOTICE))


def quiet_line(time_text: str, zone_title: str, quiet_hours: str) -> str:
    """What a listener of a zone needs to know of a slot it skips in its quiet hours."""
    return f"Buổi {time_text} không phát ở {zone_title} (giờ yên lặng {quiet_hours})."


def _when(entry: ExportEntry) -> str:
    """'Phát lúc 05:30, 17:00' and, with zones, where it is heard."""
    if not entry.heard:
        return f"Phát lúc {', '.join(entry.slots)}"
    if len(set(entry.heard)) == 1:
        return f"Phát lúc {', '.join(entry.slots)}; nghe ở {_where(entry.heard[0])}"
    return "Phát lúc " + ", ".join(f"{slot} ({_where(z)})" for slot, z in zip(entry.slots, entry.heard))


def _where(titles: tuple[str, ...] | None) -> str:
    return "mọi vùng" if titles is None else ", ".join(" ".join(plain(t).split()) for t in titles)


def export_day(day: date, station_title: str, entries: Sequence[ExportEntry], fmt: str, *,
               zone_title: str | None = None, skips: Sequence[str] = ()) -> str:
    """Markdown or plain text, newest notices first by priority; `zone_title`: one zone's day;
    `skips`: the slots a zone does not air in its quiet hours, said at the end."""
    heading = f"{plain(station_title)}: thông tin phát ngày {day:%d/%m/%Y}"
    if zone_title:
        heading += f", {' '.join(plain(zone_title).split())}"
    if fmt == "md":
        out = [f"# {markdown_line(heading)}", ""]
        for e in entries:
            badge = f" ({e.priority.label.upper()})" if e.priority != Priority.THUONG else ""
            out += [f"## {markdown_line(e.title)}{badge}", "", markdown(e.text).strip(), "",
                    f"*{markdown_line(_when(e))}.*", ""]
    else:
        out = [heading.upper(), "=" * len(heading), ""]
        for e in entries:
            badge = f" [{e.priority.label.upper()}]" if e.priority != Priority.THUONG else ""
            title = " ".join(plain(e.title).split())
            out += [f"{title}{badge}", "-" * len(title), plain(e.text).strip(), f"({_when(e)}.)", ""]
    if not entries:
        out.append("Không có thông báo nào trong ngày." if fmt == "txt" else "_Không có thông báo nào trong ngày._")
    if skips:
        while out and not out[-1]:
            out.pop()
        out += ["", "## Giờ yên lặng" if fmt == "md" else "GIỜ YÊN LẶNG", ""]
        out += [f"- {markdown_line(s)}" if fmt == "md" else f"- {plain(s)}" for s in skips]
    return "\n".join(out).rstrip() + "\n"
