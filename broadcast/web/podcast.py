"""The listening page's podcast feed: RSS 2.0 with iTunes tags, one item per public programme.

Every item has an `<enclosure>` (absolute URL, length in bytes, type), a `guid` that changes only
when the programme's audio does, a `pubDate` (the programme's start) and `itunes:duration`.
Text is `plaintext.plain` and ElementTree escapes it. The length of a public cut not made yet is
estimated from its duration at the station's bitrate (apps read it as a hint; the cut is made on
the first request for it and the next feed carries its exact size).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path

from broadcast.publish.plaintext import plain
from broadcast.web.replay import PublicProgramme

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
ATOM = "http://www.w3.org/2005/Atom"
ET.register_namespace("itunes", ITUNES)
ET.register_namespace("atom", ATOM)
TYPES = {".mp3": "audio/mpeg", ".wav": "audio/wav"}


def audio_url(base: str, programme: PublicProgramme) -> str:
    return f"{base}/nghe-lai/audio/{programme.day.isoformat()}/{programme.file}"


def enclosure_length(programme: PublicProgramme, served: Path | None, bitrate: str) -> int:
    """The served file's size, or (a cut not made yet) its size at `bitrate` for its duration."""
    if served is not None and served.is_file():
        return served.stat().st_size
    kbps = int("".join(c for c in bitrate if c.isdigit()) or 64)
    return int(programme.duration_s * kbps * 1000 / 8)


def feed_xml(*, base: str, station_title: str, programmes: Iterable[tuple[PublicProgramme, int]],
             built: datetime) -> bytes:
    """The RSS document; `programmes` pairs each programme with its enclosure length."""
    title = plain(station_title)
    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")
    _text(channel, "title", f"{title} - Nghe lại")
    _text(channel, "link", f"{base}/nghe-lai")
    ET.SubElement(channel, f"{{{ATOM}}}link", {"href": f"{base}/nghe-lai/podcast.xml", "rel": "self",
                                                "type": "application/rss+xml"})
    _text(channel, "description", f"Các chương trình của {title} trong những ngày gần đây, để bà con "
                                  "nghe lại khi không nghe được trên loa.")
    _text(channel, "language", "vi")
    _text(channel, "lastBuildDate", format_datetime(built))
    _text(channel, "generator", "broadcast")
    _text(channel, f"{{{ITUNES}}}author", title)
    _text(channel, f"{{{ITUNES}}}summary", f"Chương trình phát thanh của {title}.")
    _text(channel, f"{{{ITUNES}}}explicit", "false")
    _text(channel, f"{{{ITUNES}}}type", "episodic")
    ET.SubElement(channel, f"{{{ITUNES}}}category", {"text": "Government"})
    owner = ET.SubElement(channel, f"{{{ITUNES}}}owner")
    _text(owner, f"{{{ITUNES}}}name", title)
    for programme, length in programmes:
        item = ET.SubElement(channel, "item")
        name = f"{programme.title} ({programme.start:%H:%M} ngày {programme.start:%d/%m/%Y})"
        _text(item, "title", name)
        _text(item, "description", _summary(programme))
        _text(item, "link", f"{base}/nghe-lai#{programme.day.isoformat()}-{Path(programme.file).stem}")
        ET.SubElement(item, "enclosure", {"url": audio_url(base, programme), "length": str(length),
                                          "type": TYPES.get(Path(programme.file).suffix, "audio/mpeg")})
        guid = ET.SubElement(item, "guid", {"isPermaLink": "false"})
        guid.text = f"{programme.day.isoformat()}-{Path(programme.file).stem}-{programme.digest}"
        _text(item, "pubDate", format_datetime(programme.start))
        _text(item, f"{{{ITUNES}}}duration", str(int(round(programme.duration_s))))
        _text(item, f"{{{ITUNES}}}explicit", "false")
        _text(item, f"{{{ITUNES}}}episodeType", "full")
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True)


def _summary(programme: PublicProgramme) -> str:
    if not programme.notices:
        return f"{programme.title}, ngày {programme.start:%d/%m/%Y}."
    return "\n\n".join(f"{n.kind}: {n.title}\n{n.text}" for n in programme.notices)


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = plain(text)
    return element
