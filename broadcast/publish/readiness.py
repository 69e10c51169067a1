"""Which published programmes will air in the fallback voice, and until when the preferred engine may still replace them.

A build never leaves a slot empty: when the preferred engine (the first of `[speech] engines`)
fails, the programme is built in the next engine's voice and its manifest entry says
`"fallback": true`. Until `preferred_deadline_h` hours before the slot the daemon builds again
with backoff; a build whose preferred engine works replaces the programme (build_day never
reuses a fallback programme). Pure functions: the caller passes the manifest and `now`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

FIRST_RETRY = timedelta(minutes=5)
LONGEST_RETRY = timedelta(minutes=60)


def fallback_entries(manifest: Mapping[str, Any] | None) -> list[dict]:
    """The programmes of a manifest built in a voice other than the preferred one."""
    return [p for p in (manifest or {}).get("programmes", []) if p.get("fallback")]


def deadline(entry: Mapping[str, Any], hours: float) -> datetime:
    """The last moment the preferred engine may replace this programme: `hours` before its start."""
    return datetime.fromisoformat(entry["start"]) - timedelta(hours=hours)


def retry_delay(attempt: int) -> timedelta:
    """5, 10, 20, 40, 60, 60 ... minutes after the attempt-th failed build (attempt from 0)."""
    return min(FIRST_RETRY * 2 ** min(attempt, 10), LONGEST_RETRY)


def next_retry(manifest: Mapping[str, Any] | None, now: datetime, hours: float, attempt: int) -> datetime | None:
    """When to build again for the fallback programmes still open to replacement; None when none is."""
    open_until = [deadline(p, hours) for p in fallback_entries(manifest) if deadline(p, hours) > now]
    if not open_until:
        return None
    return min(now + retry_delay(attempt), min(open_until))


def fallback_lines(manifest: Mapping[str, Any] | None, now: datetime, hours: float) -> list[str]:
    """One plain Vietnamese line per fallback programme, for `broadcast plan`, build and the daemon log."""
    lines = []
    for p in fallback_entries(manifest):
        start = datetime.fromisoformat(p["start"])
        preferred = p.get("preferred_engine") or "máy đọc ưu tiên"
        why = _reason(p.get("engine_notes") or [], preferred)
        until = deadline(p, hours)
        if until > now:
            tail = f"sẽ thử lại {preferred} đến {until:%H:%M %d/%m}"
        else:
            tail = f"đã quá hạn thử lại ({until:%H:%M %d/%m})"
        lines.append(f"{start:%H:%M %d/%m} {p['title']} [{p['id']}] sẽ phát bằng giọng dự phòng "
                     f"({p['engine']}): {why}; {tail}")
    return lines


def _reason(notes: Sequence[str], preferred: str) -> str:
    for note in notes:
        if note.startswith(f"{preferred}:"):
            return f"{preferred} lỗi ({note[len(preferred) + 1:].strip()})"
    return f"{preferred} không đọc được"
