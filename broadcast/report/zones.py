"""Counting per zone (pure): each zone's airings from the as-run `zone` column, and one commune count per slot.

A station of several zones logs one programme row per zone and slot (`zone` = the zone's name;
NULL in rows written before zones, or for the whole commune). The commune's indicators count a
slot once however many zones aired it (`commune_rows`: one programme row per date, time and
origin, the longest aired; one row per item of it); `zone_rows` counts each zone apart: a notice
heard in three villages is three airings there, one airing for the commune.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from broadcast.report.model import AIRED, CONTENT_KINDS, ZoneRow
from broadcast.report.rows import _duration, _elapsed, _minutes

WHOLE_COMMUNE = ""          # the key of rows without a zone
WHOLE_COMMUNE_LABEL = "Toàn xã (không ghi vùng)"


def _zone(row: Mapping) -> str:
    return str(row.get("zone") or WHOLE_COMMUNE)


def _slot_key(row: Mapping) -> tuple:
    return (str(row.get("date")), str(row.get("scheduled_at") or row.get("slot") or row.get("programme_id")),
            str(row.get("origin") or "scheduled"))


def is_zoned(rows: Sequence[Mapping]) -> bool:
    return any(row.get("zone") for row in rows)


def commune_rows(rows: Sequence[Mapping]) -> list[Mapping]:
    """The rows the commune's indicators count: a slot aired in several zones once (rows unchanged without zones)."""
    if not is_zoned(rows):
        return list(rows)
    programmes = [r for r in rows if r.get("kind") == "programme"]
    chosen: dict[tuple, Mapping] = {}
    for r in programmes:
        key = _slot_key(r)
        best = chosen.get(key)
        if best is None or _rank(r) > _rank(best):
            chosen[key] = r
    keep = {id(r) for r in chosen.values()}
    slot_of = {r.get("id"): _slot_key(r) for r in programmes}
    parent_of = {key: r.get("id") for key, r in chosen.items()}
    out: list[Mapping] = [r for r in rows if r.get("kind") == "programme" and id(r) in keep]
    seen: dict[tuple, int] = {}
    for r in rows:
        if r.get("kind") == "programme":
            continue
        key = slot_of.get(r.get("parent_id"), _slot_key(r))
        item_key = (*key, str(r.get("item_id") or r.get("title")), r.get("item_kind"))
        mine = {**r, "parent_id": parent_of.get(key, r.get("parent_id"))}
        if item_key not in seen:
            seen[item_key] = len(out)
            out.append(mine)
        elif r.get("status") in AIRED and out[seen[item_key]].get("status") not in AIRED:
            out[seen[item_key]] = mine
    return out


def _rank(row: Mapping) -> tuple:
    """Which of a slot's programme rows stands for the commune: aired first, then the longest."""
    return (row.get("status") in AIRED, row.get("status") == "interrupted", _duration(row))


def zone_rows(rows: Sequence[Mapping], titles: Mapping[str, str] | None = None) -> tuple[ZoneRow, ...]:
    """One row per zone that has as-run rows (named zones in `titles`' order, then the rest, then
    rows without a zone); empty when no row names a zone."""
    if not is_zoned(rows):
        return ()
    titles = titles or {}
    acc: dict[str, dict[str, Any]] = defaultdict(lambda: {"slots": set(), "seconds": 0.0, "airings": 0,
                                                          "notices": set(), "urgent": 0, "not_aired": 0})
    for r in rows:
        a = acc[_zone(r)]
        status = r.get("status")
        if r.get("kind") == "programme":
            if status in AIRED or (status == "interrupted" and r.get("started_at")):
                a["slots"].add(_slot_key(r))
                a["seconds"] += _duration(r) if status in AIRED else _elapsed(r)
            elif status in ("missed", "failed"):
                a["not_aired"] += 1
        elif status in AIRED and r.get("item_kind") in CONTENT_KINDS:
            a["airings"] += 1
            a["notices"].add(str(r.get("episode") or r.get("item_id") or r.get("title")))
            if r.get("priority") == "khan-cap" or r.get("item_kind") == "khan-cap":
                a["urgent"] += 1
    order = [z for z in titles if z in acc] + sorted(z for z in acc if z not in titles and z != WHOLE_COMMUNE)
    order += [WHOLE_COMMUNE] if WHOLE_COMMUNE in acc else []
    return tuple(ZoneRow(zone=z, title=titles.get(z) or (WHOLE_COMMUNE_LABEL if z == WHOLE_COMMUNE else z),
                         sessions=len(acc[z]["slots"]), minutes=_minutes(acc[z]["seconds"]),
                         items=len(acc[z]["notices"]), airings=acc[z]["airings"], urgent=acc[z]["urgent"],
                         not_aired=acc[z]["not_aired"]) for z in order)
