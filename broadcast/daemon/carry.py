"""What the core carries over from one run or one cut to the next: crash recovery, resumes, relay rows, `missed` once.

- `recover()`: rows a dead run left 'playing' are closed 'interrupted' at the player's own last
  known position (the gated player writes it every second, `broadcast.play.gate`), else at
  the last heartbeat; the position files are then removed.
- `continuation()`: the play that carries on an interrupted programme by `interrupted_policy`.
- `log_relay()`: a live relay's parts as item rows.
- `missed_once()`: the 'missed' event of a programme (per zone) is written once, however often
  the daemon restarts past it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from broadcast.daemon.settings import PlayoutSettings
from broadcast.log.asrun import AsRunLog
from broadcast.play.jobs import PlayJob
from broadcast.play.relay import RelayResult
from broadcast.play.relay import clock_text as relay_clock

CRASH_NOTE = "máy hoặc chương trình phát dừng đột ngột khi đang phát"


def read_positions(folder: Path | None) -> list[dict[str, Any]]:
    """The position files the players left in `folder` (unreadable ones are skipped)."""
    found = []
    for path in sorted(Path(folder).glob("*.json")) if folder and Path(folder).is_dir() else []:
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            float(record["started_at"]), float(record["aired_s"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        found.append(record)
    return found


def crash_end(row: dict[str, Any], positions: list[dict[str, Any]], last_beat: datetime | None) -> datetime:
    """Where an interrupted row ends: its player's last position, else the last heartbeat, else its start."""
    started = datetime.fromisoformat(row["started_at"] or row["scheduled_at"])
    for record in positions:
        if record.get("programme_id") != row["programme_id"] or record.get("zone") != row.get("zone"):
            continue
        if abs(float(record["started_at"]) - started.timestamp()) > 5.0:
            continue            # an older play of the same programme (before a resume)
        return started + timedelta(seconds=float(record["aired_s"]))
    if last_beat and last_beat > started:
        return last_beat
    return started


def recover(log: AsRunLog, positions_dir: Path | None) -> int:
    """Close the rows a dead run left 'playing' (see the module docstring); how many."""
    last = log.last_event(["heartbeat"])
    last_beat = datetime.fromisoformat(last["at"]) if last else None
    positions = read_positions(positions_dir)
    rows = log.open_programmes()
    for row in rows:
        log.finish(row["id"], "interrupted", crash_end(row, positions, last_beat), CRASH_NOTE)
        relayed = [i for i in log.item_rows(row["id"]) if i["item_kind"] == "tiep-am"]
        if relayed:        # the relay part that was on air is closed with it: say how long it aired
            seconds = sum(i["duration_s"] or 0.0 for i in relayed)
            log.add_aired(row["id"], [], note=f"tiếp âm trực tiếp {relay_clock(seconds)} (ngắt khi máy dừng đột ngột)")
    if positions_dir and Path(positions_dir).is_dir():
        for path in Path(positions_dir).glob("*.json"):
            path.unlink(missing_ok=True)
    return len(rows)


def missed_once(log: AsRunLog, job: PlayJob, at: datetime, message: str) -> bool:
    """Write a 'missed' event for this programme (and zone) unless one was written before; True if written."""
    tag = f"[{job.programme_id}{'@' + job.zone if job.zone else ''}]"
    if any(tag in (e["message"] or "") for e in log.events(job.day, at.date(), ["missed"])):
        return False
    log.event("missed", at, f"{message} {tag}")
    return True


def continuation(log: AsRunLog, settings: PlayoutSettings, job: PlayJob, now: datetime) -> PlayJob | None:
    """The play that carries on an interrupted programme by policy; None when it stays interrupted."""
    policy = settings.interrupted_policy
    if policy == "interrupted" or job.fallback:
        return None
    if policy == "restart":
        return replace(job, offset_s=0.0, cut_at=None, note="phát lại từ đầu sau khi bị ngắt")
    row = log.latest_programme(job.programme_id, job.zone)
    cut_at = datetime.fromisoformat(row["ended_at"]) if row and row.get("ended_at") else now
    items = log.item_rows(row["id"]) if row else []
    planned = {i.get("id"): i for i in (job.entry or {}).get("items") or []}
    relayed = [i for i in items if i["item_kind"] == "tiep-am" and i["item_id"] not in planned]
    items = [i for i in items if i not in relayed]
    for item in items:
        if item["status"] == "played":
            continue
        where = planned.get(item["item_id"])
        if where is None:
            break
        offset = float(where.get("offset_s") or 0.0)
        minute, second = divmod(int(offset), 60)
        return replace(job, offset_s=offset, cut_at=cut_at,
                       note=f"phát tiếp từ mục '{where.get('title') or item['item_id']}' "
                            f"({minute}:{second:02d}) sau khi bị ngắt")
    else:
        if items and job.live and job.duration_s:      # cut during the live relay: carry on with it
            live = dict(job.live)
            first = next((i["started_at"] for i in relayed if i["started_at"]), None)
            if first and live.get("minutes"):
                live["ends_at"] = (datetime.fromisoformat(first)
                                   + timedelta(minutes=float(live["minutes"]))).isoformat()
            return replace(job, offset_s=job.duration_s, cut_at=cut_at, live=live,
                           note="tiếp âm tiếp sau khi bị ngắt")
        if items:
            return None          # every item had aired before the cut: nothing left to play
    return replace(job, offset_s=0.0, cut_at=cut_at, note="phát lại từ đầu sau khi bị ngắt")


def log_relay(log: AsRunLog, row: int, job: PlayJob, result: RelayResult, opened: int | None) -> None:
    """The relay's parts as item rows (what aired, from when, how long) and a note on the programme."""
    rows, said = [], []
    for n, part in enumerate(result.parts):
        aired = part.status in ("played", "interrupted")      # skipped: silence; failed: unreachable
        rows.append({"id": opened if n == 0 and part.kind == "live" else None,
                     "item_id": f"{job.programme_id}-tiep-am-{part.kind}-{n}", "item_kind": "tiep-am",
                     "title": part.title, "source": part.source, "status": part.status, "error": part.error,
                     "started_at": part.started_at if aired else None,
                     "ended_at": part.ended_at if aired else None})
        label = {"live": "tiếp âm trực tiếp", "fallback": "tệp dự phòng", "silence": "im lặng"}[part.kind]
        said.append(f"{label} {relay_clock(part.seconds)}" + (f" ({part.error})" if part.error else "")
                    + (f", {part.note}" if getattr(part, "note", None) and aired else ""))
        if part.error:
            log.event("relay", part.ended_at, f"{job.programme_id}: {part.error}")
    log.add_aired(row, rows, note="; ".join(said))
