"""The province's dashboard figures, from the stored reports: each commune's state, bulletins' delays, a month.

- `communes`: every commune with its last contact and state: **mất kết nối** (no report for
  `offline_after_s`, 15 minutes by default: three missed reports), **đang phát** (a programme or
  bulletin 'playing' in its last report), **im lặng** (in contact, nothing on air); programmes
  aired today against planned (from the day's manifest the commune reported).
- `deliveries`: for each bulletin and commune, when it arrived and first aired, and the delay
  from the later of its issue and start times to its first airing.
- `month`: per commune, minutes aired against planned, bulletins aired, khẩn cấp delay p50/max,
  loudspeaker clusters online (the month's last report that counted them).
- `days`: per commune and day, the build the province published (its manifest's `generated_at`,
  read by the caller) against the build the commune reported fetching, and when it fetched it.

Pure reads: `now` is passed in; the CLI table, the web page and the XLSX all start here.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from broadcast.province.bulletins.reportstore import ReportStore

STATE_OFFLINE, STATE_PLAYING, STATE_SILENT = "mất kết nối", "đang phát", "im lặng"
AIRED = ("played", "late")
OFFLINE_AFTER_S = 900
FETCH_LATEST, FETCH_OLD, FETCH_NONE = "đã nhận bản mới nhất", "đang dùng bản cũ", "chưa tải"


@dataclass(frozen=True)
class CommuneStatus:
    name: str
    last_contact: datetime | None
    state: str
    aired_today: int
    planned_today: int | None
    heartbeat: str | None
    disk_free_mb: int | None
    engines: list[str]


def communes(store: ReportStore, now: datetime, *, names: list[str] | None = None,
             offline_after_s: float = OFFLINE_AFTER_S) -> list[CommuneStatus]:
    """Every commune that reported (and every one in `names`, reported or not), by name."""
    rows = {r["name"]: r for r in store.query("SELECT * FROM communes")}
    today = now.date().isoformat()
    out = []
    for name in sorted(set(rows) | set(names or ())):
        row = rows.get(name) or {}
        contact = datetime.fromisoformat(row["last_contact"]) if row.get("last_contact") else None
        playing = store.query("SELECT 1 FROM airings WHERE commune = ? AND status = 'playing' "
                              "AND kind = 'programme' LIMIT 1", (name,))
        aired = store.query("SELECT count(*) AS n FROM airings WHERE commune = ? AND date = ? AND kind = 'programme' "
                            f"AND status IN {AIRED} AND origin = 'scheduled'", (name, today))[0]["n"]
        planned = store.query("SELECT programmes FROM planned WHERE commune = ? AND date = ?", (name, today))
        if contact is None or (now - contact).total_seconds() > offline_after_s:
            state = STATE_OFFLINE
        else:
            state = STATE_PLAYING if playing else STATE_SILENT
        out.append(CommuneStatus(name, contact, state, aired, planned[0]["programmes"] if planned else None,
                                 row.get("heartbeat"), row.get("disk_free_mb"), json.loads(row.get("engines") or "[]")))
    return out


def deliveries(store: ReportStore, bulletin: str | None = None) -> list[dict[str, Any]]:
    """(bulletin, commune) rows: level, state, received, first aired, delay in seconds."""
    sql = "SELECT * FROM deliveries"
    args: tuple[Any, ...] = ()
    if bulletin:
        sql, args = sql + " WHERE bulletin = ?", (bulletin,)
    return store.query(sql + " ORDER BY seq, commune", args)


def month(store: ReportStore, year: int, month_number: int) -> list[dict[str, Any]]:
    """One row per commune for the month: minutes aired/planned, bulletins aired, khẩn cấp delays."""
    first = date(year, month_number, 1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    span = (first.isoformat(), last.isoformat())
    names = [r["name"] for r in store.query("SELECT name FROM communes ORDER BY name")]
    out = []
    for name in names:
        aired = store.query("SELECT coalesce(sum(duration_s), 0) AS s FROM airings WHERE commune = ? AND "
                            f"kind = 'programme' AND status IN {AIRED} AND origin = 'scheduled' "
                            "AND date BETWEEN ? AND ?", (name, *span))[0]["s"]
        planned = store.query("SELECT coalesce(sum(minutes), 0) AS m, count(*) AS d FROM planned "
                              "WHERE commune = ? AND date BETWEEN ? AND ?", (name, *span))[0]
        bulletins = store.query("SELECT level, delay_s FROM deliveries WHERE commune = ? AND first_aired_at "
                                "IS NOT NULL AND substr(first_aired_at, 1, 10) BETWEEN ? AND ?", (name, *span))
        delays = sorted(b["delay_s"] for b in bulletins if b["level"] == "khan-cap" and b["delay_s"] is not None)
        clusters = store.query("SELECT clusters_online, clusters_total FROM reports WHERE commune = ? AND "
                               "clusters_total IS NOT NULL AND substr(made_at, 1, 10) BETWEEN ? AND ? "
                               "ORDER BY seq DESC LIMIT 1", (name, *span))
        out.append({"commune": name, "minutes_aired": round(aired / 60, 1),
                    "minutes_planned": round(planned["m"], 1), "days_planned": planned["d"],
                    "bulletins_aired": len(bulletins), "urgent": len(delays),
                    "urgent_delay_p50_s": round(statistics.median(delays), 1) if delays else None,
                    "urgent_delay_max_s": round(delays[-1], 1) if delays else None,
                    "clusters_online": clusters[0]["clusters_online"] if clusters else None,
                    "clusters_total": clusters[0]["clusters_total"] if clusters else None})
    return out


def days(store: ReportStore, published: dict[str, dict[str, str | None]],
         names: list[str] | None = None) -> list[dict[str, Any]]:
    """(commune, date) rows for the days the province published or a commune fetched: `built_at`
    (the province's build, from `published[commune][date]`), `fetched_build` and `fetched_at` (what
    the commune reported), and `state`: 'đã nhận bản mới nhất', 'đang dùng bản cũ', 'chưa tải'."""
    fetched: dict[tuple[str, str], dict[str, Any]] = {
        (r["commune"], r["date"]): r for r in store.query("SELECT * FROM fetched")}
    keys = {(c, d) for c, by_day in published.items() for d in by_day} | set(fetched)
    if names is not None:
        keys = {k for k in keys if k[0] in set(names)}
    out = []
    for commune, day in sorted(keys, key=lambda k: (k[0], k[1])):
        built = published.get(commune, {}).get(day)
        got = fetched.get((commune, day)) or {}
        if not got:
            state = FETCH_NONE
        elif built is None or got.get("built_at") == built:
            state = FETCH_LATEST
        else:
            state = FETCH_OLD
        out.append({"commune": commune, "date": day, "built_at": built, "fetched_build": got.get("built_at"),
                    "fetched_at": got.get("fetched_at"), "state": state})
    return out


def status_document(store: ReportStore, now: datetime, names: list[str] | None = None,
                    published: dict[str, dict[str, str | None]] | None = None) -> dict[str, Any]:
    """The dashboard as JSON (docs/schemas/status.schema.json): what `/api/dashboard` answers."""
    return {"days": days(store, published or {}, names), "type": "status", "time": now.isoformat(timespec="seconds"),
            "communes": [{"name": c.name, "state": c.state,
                          "last_contact": c.last_contact.isoformat() if c.last_contact else None,
                          "aired_today": c.aired_today, "planned_today": c.planned_today,
                          "heartbeat": c.heartbeat, "disk_free_mb": c.disk_free_mb, "engines": c.engines}
                         for c in communes(store, now, names=names)],
            "deliveries": [{k: d[k] for k in ("bulletin", "commune", "level", "state", "received_at",
                                              "first_aired_at", "delay_s", "airings")} for d in deliveries(store)]}


def ago(moment: datetime | None, now: datetime) -> str:
    """'3 phút trước', 'chưa liên lạc': in the words the commune's Cụm loa page uses."""
    from broadcast.clusters.health import age_words

    return "chưa liên lạc" if moment is None else age_words((now - moment).total_seconds())
