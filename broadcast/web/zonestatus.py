"""The status page per zone: each zone's outputs and whether they played its last programme, and its next one.

Read from the as-run log: a zone's latest programme row (`zone` column) and the `output` events
the daemon writes when one output of a zone fails ("Vùng Thôn Đông: <why> (icecast:/thon-dong; <fix>)
[programme id]"). Outputs are named in words (card âm thanh, luồng qua mạng), never by their spec.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from broadcast.log.asrun import STATUS_LABELS, AsRunLog
from broadcast.play.state import state_paths
from broadcast.schedule.model import ZoneSpec

LOOK_BACK_DAYS = 7
_KIND_WORDS = {"device": "Card âm thanh của máy (loa dây)", "icecast": "Luồng phát qua mạng (cụm loa IP)",
               "file": "Ghi ra tệp (chạy thử)", "null": "Không ra loa (chạy thử)"}
_EVENT = re.compile(r"^(?:Vùng (?P<zone>[^:]+): )?(?P<what>.*?) \((?P<label>(?:device|icecast|file|null)[^;()]*); "
                    r".*\[(?P<pid>[^\]]+)\]$")


def output_words(specs: Sequence[str]) -> list[str]:
    """Each output of a zone in words; two of a kind are numbered ('Card âm thanh … số 2')."""
    kinds = [s.partition(":")[0] for s in specs]
    seen: dict[str, int] = {}
    out = []
    for kind in kinds:
        seen[kind] = seen.get(kind, 0) + 1
        words = _KIND_WORDS.get(kind, "Đầu ra khác")
        if kinds.count(kind) > 1:
            words += f" số {seen[kind]}"
        out.append(words)
    return out


def _same_output(spec: str, label: str) -> bool:
    """An event's label names this output (a bare 'device' is played as 'device:<[playout] device>')."""
    return label == spec or (spec == "device" and label.startswith("device"))


def output_failures(events: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    """The `output` events as {zone title, what (Vietnamese), label, programme id}."""
    out = []
    for event in events:
        found = _EVENT.match(str(event.get("message", "")))
        if found:
            out.append({"zone": found.group("zone") or "", "what": found.group("what"),
                        "label": found.group("label"), "pid": found.group("pid"), "at": event.get("at", "")})
    return out


def _last_programme(rows: Sequence[dict[str, Any]], zone: str) -> dict[str, Any] | None:
    mine = [r for r in rows if r.get("kind") == "programme" and r.get("zone") == zone
            and r.get("origin") in ("scheduled", "urgent", "manual")]
    return max(mine, key=lambda r: str(r.get("started_at") or r.get("scheduled_at") or ""), default=None)


def _output_state(spec: str, last: dict[str, Any] | None, failures: list[dict[str, str]]) -> tuple[str, str, str]:
    """(css state, words, why) for one output and its zone's last programme."""
    if last is None:
        return "missing", "chưa phát buổi nào", ""
    failed = next((f for f in failures if f["pid"] == last["programme_id"] and _same_output(spec, f["label"])), None)
    if failed is not None:
        return "stale", "không phát được", failed["what"]
    status = last.get("status")
    if status in ("played", "late"):
        return "built", "đã phát" + (" (muộn)" if status == "late" else ""), ""
    if status == "playing":
        return "built", "đang phát", ""
    return "stale", STATUS_LABELS.get(status, str(status)), _plain(last.get("error"))


def _plain(error: Any) -> str:
    """An as-run error without ffmpeg's words or paths (the log keeps the raw text)."""
    text = str(error or "").split(" (")[0]
    return "" if re.search(r"/|[A-Za-z]+Error|ffmpeg", text) else text


def zone_rows(console: Any, zones: Sequence[ZoneSpec], upcoming: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per zone: outputs with their state for the last programme, that programme, the next one."""
    station = console.station
    now = console.now()
    log_path = state_paths(station)[0]
    rows: list[dict[str, Any]] = []
    failures: list[dict[str, str]] = []
    if log_path.is_file():
        start, end = now.date() - timedelta(days=LOOK_BACK_DAYS), now.date() + timedelta(days=1)
        with AsRunLog(log_path) as log:
            rows = log.rows(start, end)
            failures = output_failures(log.events(start, end, ["output"]))
    out = []
    for zone in zones:
        last = _last_programme(rows, zone.name)
        mine = [f for f in failures if f["zone"] in ("", zone.title)]
        outputs = []
        for spec, words in zip(zone.outputs, output_words(zone.outputs)):
            state, label, why = _output_state(spec, last, mine)
            outputs.append({"words": words, "state": state, "label": label, "why": why})
        when = _moment(last.get("started_at") or last.get("scheduled_at")) if last else None
        out.append({"title": zone.title, "quiet": str(zone.quiet_hours) if zone.quiet_hours else "",
                    "outputs": outputs, "last": last, "last_when": when, "next": upcoming.get(zone.name)})
    return out


def _moment(text: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return None


def next_per_zone(console: Any, zones: Sequence[ZoneSpec]) -> dict[str, Any]:
    """Each zone's next programme within 8 days (its quiet slots skipped), by zone name."""
    from broadcast.web.zoneview import plan_zone_day

    now = console.now()
    days = [now.date() + timedelta(days=offset) for offset in range(8)]
    plans = console.zone_plans.plans(console.toolkit, days, console.store.schedule,
                                     lambda day, schedule: plan_zone_day(console.toolkit, day, schedule))
    found: dict[str, Any] = {}
    for planned in plans:
        for zone in zones:
            if zone.name not in found:
                later = [p for p in planned["programmes"].get(zone.name, []) if p.start > now]
                if later:
                    found[zone.name] = later[0]
    return found


def zone_status(console: Any) -> dict[str, Any]:
    """The status page's additions: a row per declared zone (none for a zone-less station) and the
    clusters' warnings (none without clusters)."""
    from broadcast.web.clusterview import cluster_warnings, zone_titles
    from broadcast.web.zoneview import declared

    zones = declared(console)
    rows = zone_rows(console, zones, next_per_zone(console, zones)) if zones else []
    return {"zone_rows": rows, "cluster_warnings": cluster_warnings(console, zone_titles(console))}
