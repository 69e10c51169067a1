"""What the listening page (/nghe-lai) may show: the public part of the published days, and its audio.

Only published days (`audio_out/D/manifest.json`) from today back `[web] listen_days` days are
read; nothing else on disk is. A notice stays off the page, and out of the audio, when

- its announcement says `public: false`, or it cannot be found any more (safe by default);
- its template has a list of citizens (a `records` variable: names, villages, procedures) and
  `[web] listen_with_names` is false (the default);
- it carries a tag of `[web] listen_exclude_tags`.

A programme without such a notice is served as published. One with them is served as a public
cut: the programme file with those items' spans removed (ffmpeg, made once into
`var/web/nghe-lai/` and named by what it was cut from, so a rebuilt day gets a new cut).

On a station with zones, a programme only some zones hear has their titles after its own, on the
page and in the podcast feed ("Chương trình phát thanh buổi sáng (Thôn Đông)"): the same slot has
one programme per group of zones.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from broadcast.publish.day import MANIFEST
from broadcast.publish.plaintext import plain

SHOWN_KINDS = {"thong-bao": "Thông báo", "chuyen-muc": "Chuyên mục", "ban-tin": "Bản tin",
               "khan-cap": "Thông báo khẩn"}
AUDIO_NAME = re.compile(r"^[0-9]{4}-[a-z0-9-]{1,60}\.(mp3|wav)$")
DAY_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CUT_DIR = "var/web/nghe-lai"
_cut_lock = threading.Lock()


@dataclass(frozen=True)
class PublicNotice:
    id: str
    kind: str                   # label: "Thông báo", "Chuyên mục", ...
    title: str
    text: str


@dataclass(frozen=True)
class PublicProgramme:
    day: date
    id: str
    title: str
    start: datetime
    duration_s: float
    file: str                   # the name in the day folder (and in the URL)
    source: Path                # the published file
    hidden: tuple[tuple[float, float], ...]    # (start, end) seconds cut out; () = served as published
    notices: tuple[PublicNotice, ...]
    digest: str                 # names this version (ETag, the cut's name)


@dataclass(frozen=True)
class Policy:
    """The station's choices: from `[web]` and the announcements' `public` flags."""

    with_names: bool
    exclude_tags: frozenset[str]
    private_ids: frozenset[str]         # public: false
    known_ids: frozenset[str]           # every announcement and column episode still in the schedules
    records_templates: frozenset[str]   # templates with a list of citizens
    zone_titles: tuple[tuple[str, str], ...] = ()   # (name, title) of each declared zone; () without zones

    def heard_in(self, zones: Any) -> str | None:
        """'Thôn Đông, Thôn Trung' for a programme some zones only hear; None when every zone hears it."""
        names = set(zones) if isinstance(zones, list) else set()
        if not self.zone_titles or not names or names >= {name for name, _ in self.zone_titles}:
            return None
        return ", ".join(" ".join(plain(title).split()) for name, title in self.zone_titles if name in names)

    def private(self, item: dict[str, Any]) -> bool:
        if item.get("kind") == "thong-bao" and item.get("id") not in self.known_ids:
            return True
        if item.get("id") in self.private_ids:
            return True
        if not self.with_names and item.get("template") in self.records_templates:
            return True
        return bool(self.exclude_tags & set(item.get("tags") or ()))


def policy_for(web: Any, schedule: Any, library: Any) -> Policy:
    """The Policy of a station's `[web]` section, its loaded schedule and its template library."""
    announcements = list(getattr(schedule, "announcements", ()) or ())
    episodes = [e.id for c in getattr(schedule, "columns", ()) or () for e in getattr(c, "episodes", ()) or ()]
    records = set()
    for name in library.names():
        try:
            variables = library.get(name).variables
        except Exception:  # noqa: BLE001 - a broken template cannot be public either; check reports it
            records.add(name)
            continue
        if any(spec.type == "records" for spec in variables.values()):
            records.add(name)
    return Policy(with_names=web.listen_with_names, exclude_tags=frozenset(web.listen_exclude_tags),
                  private_ids=frozenset(a.id for a in announcements if not getattr(a, "public", True)),
                  known_ids=frozenset([a.id for a in announcements] + episodes),
                  records_templates=frozenset(records),
                  zone_titles=tuple((z.name, z.title) for z in getattr(schedule, "zones", ()) or ()))


def window(today: date, days: int) -> list[date]:
    """Today and the `days` days before it, newest first."""
    return [today - timedelta(days=n) for n in range(days + 1)]


def read_day(audio_out: Path, day: date) -> dict[str, Any] | None:
    """A published day's manifest, or None (missing, unreadable, or not a manifest)."""
    path = audio_out / day.isoformat() / MANIFEST
    try:
        if not path.is_file() or path.stat().st_size > 8 << 20:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("programmes"), list) else None


def public_programmes(audio_out: Path, day: date, policy: Policy) -> list[PublicProgramme]:
    """The public programmes of one published day, in air order."""
    manifest = read_day(audio_out, day)
    if manifest is None:
        return []
    out = []
    for p in manifest["programmes"]:
        try:
            name, start = str(p["file"]), datetime.fromisoformat(str(p["start"]))
            duration = float(p["duration_s"])
        except (KeyError, TypeError, ValueError):
            continue
        source = audio_out / day.isoformat() / name
        if not AUDIO_NAME.fullmatch(name) or not source.is_file():
            continue
        items = [i for i in p.get("items") or [] if isinstance(i, dict)]
        hidden = tuple((float(i.get("offset_s") or 0), float(i.get("offset_s") or 0) + float(i.get("duration_s") or 0))
                       for i in items if i.get("kind") in SHOWN_KINDS and policy.private(i))
        notices = tuple(PublicNotice(str(i.get("id")), SHOWN_KINDS[i["kind"]], " ".join(plain(i.get("title")).split()),
                                     plain(i.get("text")).strip())
                        for i in items if i.get("kind") in SHOWN_KINDS and not policy.private(i))
        stamp = hashlib.sha256(json.dumps([p.get("inputs_hash"), name, duration, hidden, source.stat().st_size,
                                           source.stat().st_mtime_ns]).encode()).hexdigest()[:20]
        title, heard = " ".join(plain(p.get("title")).split()), policy.heard_in(p.get("zones"))
        out.append(PublicProgramme(day=day, id=str(p.get("id") or name), title=f"{title} ({heard})" if heard else title,
                                   start=start, duration_s=max(0.0, duration - sum(b - a for a, b in hidden)),
                                   file=name, source=source, hidden=hidden, notices=notices, digest=stamp))
    return sorted(out, key=lambda x: x.start)


def served_path(programme: PublicProgramme, station_root: Path) -> Path:
    """Where the served audio is (the public cut may not be made yet)."""
    if not programme.hidden:
        return programme.source
    return station_root / CUT_DIR / programme.day.isoformat() / f"{Path(programme.file).stem}-{programme.digest}.mp3"


def audio_path(programme: PublicProgramme, station_root: Path, bitrate: str) -> Path:
    """The file to serve: the published one, or its public cut (made on first use, then kept)."""
    target = served_path(programme, station_root)
    if not programme.hidden:
        return target
    folder = target.parent
    with _cut_lock:
        if not target.is_file():
            folder.mkdir(parents=True, exist_ok=True)
            for old in folder.glob(f"{Path(programme.file).stem}-*.mp3"):
                old.unlink(missing_ok=True)          # an older cut of a rebuilt day
            _cut(programme.source, programme.hidden, target, bitrate)
    return target


def _cut(source: Path, hidden: tuple[tuple[float, float], ...], target: Path, bitrate: str) -> None:
    """`source` without the `hidden` spans, as MP3, written through a temporary file and a rename."""
    from broadcast.audio.ffmpeg import _run

    keep, at = [], 0.0
    for start, end in sorted(hidden):
        if start > at:
            keep.append((at, start))
        at = max(at, end)
    keep.append((at, None))
    parts = [f"[0:a]atrim=start={a:.3f}" + (f":end={b:.3f}" if b is not None else "") +
             f",asetpts=PTS-STARTPTS[k{n}]" for n, (a, b) in enumerate(keep)]
    graph = ";".join(parts) + ";" + "".join(f"[k{n}]" for n in range(len(keep))) + \
        f"concat=n={len(keep)}:v=0:a=1[out]"
    partial = target.with_name(f".{target.name}.part")
    try:
        _run(["-y", "-i", str(source), "-filter_complex", graph, "-map", "[out]", "-ac", "1",
              "-c:a", "libmp3lame", "-b:a", bitrate, "-f", "mp3", str(partial)], doing="cắt bản nghe lại",
             path=source)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
