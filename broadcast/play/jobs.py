"""What the player plays: `PlayJob` (one file with what the as-run log needs), from a manifest or an announcement.

`jobs_from_manifest` (a published day, one job per zone an entry names), `job_from_announcement`
(the spool's meta), `session_of`, and `log_start` / `log_not_aired` (a job's rows in the as-run log).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from broadcast.log.asrun import AsRunLog
from broadcast.model import ItemKind, Priority

URGENT_SESSION = "dot-xuat"
SESSIONS = ("sang", "trua", "chieu")


@dataclass(frozen=True, eq=False)
class PlayJob:
    """One file to put on air, described the way the as-run log records it (compared by identity)."""

    programme_id: str                    # '2026-12-01-sang', '2026-12-01-dot-xuat-143005-ab12'
    day: date                            # local date of the slot
    slot: str
    session: str                         # sang | trua | chieu | dot-xuat
    scheduled_at: datetime               # when it should start (aware)
    title: str
    path: Path
    duration_s: float | None = None
    entry: Mapping[str, Any] | None = None   # manifest programme entry (its items are logged)
    priority: str | None = None
    tags: tuple[str, ...] = ()
    source: str | None = None
    urgent: bool = False                 # khẩn cấp: interrupts whatever is on air
    fallback: bool = False               # the station's fallback file standing in for a broken one
    origin: str = "scheduled"            # as-run origin: scheduled | urgent | manual | rehearsal
    offset_s: float = 0.0                # a resumed play starts this far into the file
    note: str | None = None              # why this row exists ('phát tiếp từ mục ...'), shown in the log
    cut_at: datetime | None = None       # a resumed play: when it was cut (the grace counts from here)
    live: Mapping[str, Any] | None = None  # the manifest's live relay, aired after the file (play/relay.py)
    zone: str | None = None              # the zone (group of loudspeakers) it airs in; None: the whole commune

    @property
    def remaining_s(self) -> float | None:
        """Seconds this play lasts: the file's length less the resume offset."""
        return None if self.duration_s is None else max(0.0, self.duration_s - self.offset_s)


def session_of(slot: str, start: datetime) -> str:
    """The session a slot belongs to: its name when it is one ('sang'), else by the hour.

    >>> session_of("sang", datetime(2026, 12, 1, 5, 30))
    'sang'
    >>> session_of("bao-chi", datetime(2026, 12, 1, 11, 0))
    'trua'
    """
    if slot in SESSIONS:
        return slot
    clock = start.time()
    if clock < time(10, 30):
        return "sang"
    if clock < time(13, 30):
        return "trua"
    return "chieu"


def jobs_from_manifest(manifest: Mapping[str, Any], day_dir: Path,
                       zones: Sequence[str] | None = None) -> list[PlayJob]:
    """The day's programmes, in air order, as jobs (times are the manifest's aware ISO times).

    With `zones` (the station's zone names), one job per zone an entry names (`"zones"`; an
    entry without it, an older day, airs in every zone); zones not in `zones` are left out.
    """
    jobs = []
    day = date.fromisoformat(manifest["date"])
    for entry in manifest.get("programmes") or []:
        start = datetime.fromisoformat(entry["start"])
        if start.tzinfo is None:
            raise ValueError(f"manifest {day}: start '{entry['start']}' has no timezone")
        tags = sorted({t for item in entry.get("items") or [] for t in item.get("tags") or []})
        job = PlayJob(
            programme_id=entry["id"], day=day, slot=entry["slot"],
            session=entry.get("session") or session_of(entry["slot"], start), scheduled_at=start,
            title=entry.get("title") or entry["id"], path=Path(day_dir) / entry["file"],
            duration_s=entry.get("duration_s"), entry=entry, tags=tuple(tags), live=entry.get("live"))
        if zones is None:
            jobs.append(job)
            continue
        named = entry.get("zones")
        jobs += [replace(job, zone=zone) for zone in zones if named is None or zone in named]
    return sorted(jobs, key=lambda j: j.scheduled_at)


def job_from_announcement(audio: Path, meta: Mapping[str, Any], *, tz: Any, now: datetime | None = None) -> PlayJob:
    """An announcement (spool meta: title, priority, template, values, tags, repeat, duration_s) as a job.

    `id` and `submitted_at` come from the meta, or from `now` when it has none (a direct play).
    """
    if "id" not in meta or "submitted_at" not in meta:
        from broadcast.play.spool import announcement_id

        now = (now or datetime.now(tz)).astimezone(tz)
        meta = {"id": announcement_id(now), "submitted_at": now.isoformat(timespec="seconds"), **meta}
    submitted = datetime.fromisoformat(meta["submitted_at"]).astimezone(tz)
    priority = meta.get("priority") or Priority.KHAN_CAP.value
    urgent = priority == Priority.KHAN_CAP.value
    item = {"id": meta.get("item_id") or meta.get("template") or "thong-bao",
            "kind": ItemKind.URGENT.value if urgent else ItemKind.NOTICE.value,
            "template": meta.get("template"), "title": meta.get("title") or "Thông báo",
            "tags": list(meta.get("tags") or []), "priority": priority, "repeat": meta.get("repeat"),
            "episode": None, "source": meta.get("source") or "tu-san-xuat", "values": meta.get("values"),
            "offset_s": 0.0, "duration_s": meta.get("duration_s")}
    return PlayJob(
        programme_id=meta["id"], day=submitted.date(), slot=URGENT_SESSION, session=URGENT_SESSION,
        scheduled_at=submitted, title=meta.get("title") or "Thông báo", path=Path(audio),
        duration_s=meta.get("duration_s"), entry={"items": [item]}, priority=priority,
        tags=tuple(meta.get("tags") or ()), source=item["source"], urgent=urgent, origin="urgent")


def log_start(log: AsRunLog, job: PlayJob, started_at: datetime, output: str, *,
              programme_id: str | None = None, origin: str | None = None, note: str | None = None) -> int:
    """Write the 'playing' rows (programme and items) for a job about to go on air (`note`: added to the job's)."""
    return log.programme_started(
        programme_id=programme_id or job.programme_id, day=job.day, slot=job.slot, session=job.session,
        scheduled_at=job.scheduled_at, title=job.title, started_at=started_at, status="playing",
        entry=None if job.fallback else job.entry, tags=job.tags, priority=job.priority,
        duration_s=job.remaining_s, output=output, file=str(job.path),
        source="du-phong" if job.fallback else job.source, origin=origin or job.origin,
        offset_s=job.offset_s, note="; ".join(n for n in (job.note, note) if n) or None, zone=job.zone)


def log_not_aired(log: AsRunLog, job: PlayJob, status: str, at: datetime, error: str | None,
                  output: str | None = None, origin: str | None = None) -> int:
    """A programme row for a job that never went on air ('missed', 'failed'), without items."""
    return log.programme_started(
        programme_id=job.programme_id, day=job.day, slot=job.slot, session=job.session,
        scheduled_at=job.scheduled_at, title=job.title, started_at=None, status=status, ended_at=at,
        error=error, tags=job.tags, priority=job.priority, duration_s=job.remaining_s, output=output,
        file=str(job.path), source=job.source, origin=origin or job.origin, note=job.note, zone=job.zone)


