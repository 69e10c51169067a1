"""Per-cluster lines of the report (pure): what each loudspeaker cluster aired against what its zone planned.

Each cluster's receiver sends its as-run rows (programmes, and urgent announcements with the delay
from the officer's confirmation to first audio); the planned side is the zone's published days.
"""

from __future__ import annotations

import statistics
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

AIRED = ("played", "late")
CAPTION = "Phân theo cụm loa (máy thu tự báo về)"


@dataclass(frozen=True)
class ClusterRow:
    name: str
    zone: str
    aired: int                  # programmes aired (played, late, or interrupted after starting)
    planned: int                # programmes in the zone's published days
    minutes_aired: float
    minutes_planned: float
    urgent: int                 # urgent announcements played
    urgent_delay_s: float | None    # median confirmation -> first audio
    faults: int                 # failed plays, silence on the horns
    revoked: bool = False       # taken out of service (`broadcast clusters revoke`): listed, not counted


def operating(lines: Sequence[ClusterRow]) -> tuple[int, int] | None:
    """(clusters that aired something in the period, clusters in service); None without clusters."""
    serving = [c for c in lines if not c.revoked]
    if not serving:
        return None
    return sum(1 for c in serving if c.aired or c.urgent), len(serving)


def _seconds(row: Mapping) -> float:
    try:
        return max(0.0, (datetime.fromisoformat(str(row["ended_at"])) -
                         datetime.fromisoformat(str(row["started_at"]))).total_seconds())
    except (KeyError, ValueError, TypeError):
        return 0.0


def cluster_rows(clusters: Sequence[tuple[str, str]], rows: Mapping[str, Sequence[Mapping]],
                 planned: Mapping[str, tuple[int, float]], revoked: Collection[str] = ()) -> tuple[ClusterRow, ...]:
    """One line per (cluster, zone); `rows` by cluster name, `planned` by zone: (programmes, seconds);
    `revoked`: the names of clusters out of service."""
    lines = []
    for name, zone in clusters:
        mine = rows.get(name, [])
        programmes = [r for r in mine if r.get("kind") != "khan-cap"]
        urgent = [r for r in mine if r.get("kind") == "khan-cap" and r.get("status") in AIRED]
        aired = [r for r in programmes if r.get("status") in AIRED or
                 (r.get("status") == "interrupted" and r.get("started_at"))]
        delays = [float(r["delay_s"]) for r in urgent if isinstance(r.get("delay_s"), (int, float))]
        count, seconds = planned.get(zone, (0, 0.0))
        lines.append(ClusterRow(name, zone, len(aired), count, round(sum(map(_seconds, aired)) / 60, 1),
                                round(seconds / 60, 1), len(urgent),
                                round(statistics.median(delays), 2) if delays else None,
                                sum(1 for r in mine if r.get("fault") or r.get("status") == "failed"),
                                name in revoked))
    return tuple(lines)


def markdown_lines(lines: Sequence[ClusterRow]) -> list[str]:
    table = ["| STT | Cụm loa | Vùng | Chương trình phát / kế hoạch | Phút phát / kế hoạch | Lượt khẩn cấp | "
             "Độ trễ khẩn cấp (giây, trung vị) | Sự cố |", "|---|---|---|---|---|---|---|---|"]
    table += [f"| {n} | {c.name} | {c.zone} | {c.aired} / {c.planned} | {c.minutes_aired:g} / {c.minutes_planned:g} | "
              f"{c.urgent} | {'–' if c.urgent_delay_s is None else f'{c.urgent_delay_s:g}'} | {c.faults} |"
              for n, c in enumerate(lines, start=1)]
    return table
