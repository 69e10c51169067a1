"""The console's view of the loudspeaker clusters: state by heartbeat age, the card of each, the status warnings.

Read from the cluster registry (`broadcast.clusters.registry`) only when the station has one: a
station without clusters never gets a `cum-loa/` folder from a page view. Everything is said in
Vietnamese words: a state in words beside its colour, faults without paths or exception names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from broadcast.clusters.health import STATE_WORDS, age_words, state_of
from broadcast.clusters.registry import ACTIVE, ClusterRegistry
from broadcast.errors import BroadcastError

CLOCK_OFF_S = 5.0        # a receiver clock further off than this is flagged
GRACE = timedelta(minutes=10)   # after a programme's end, before its missing row is a warning
_PATH = re.compile(r"(?:[A-Za-z]:)?/[^\s,;:)]+")
_EXCEPTION = re.compile(r"\b[A-Za-z]*(?:Error|Exception)\b:?\s*")
_ERRNO = re.compile(r"\[Errno \d+\]\s*")
_VIETNAMESE = re.compile(r"[^\x00-\x7f]")         # a letter with a diacritic: the sentence is Vietnamese
FAILED_STATUSES = ("failed", "missed", "interrupted")


@contextmanager
def open_registry(station: Any) -> Iterator[ClusterRegistry | None]:
    """The station's registry, or None when no cluster was ever added (no folder is made)."""
    folder = station.path(station.paths.state) / "cum-loa"
    if not (folder / "clusters.sqlite").is_file():
        yield None
        return
    registry = ClusterRegistry(folder)
    try:
        yield registry
    finally:
        registry.close()


def plain_fault(text: Any) -> str:
    """A receiver's fault as the officer reads it: no paths, no exception names; English alone is not shown."""
    raw = str(text or "").strip()
    if not raw:
        return ""
    shown = " ".join(_ERRNO.sub("", _EXCEPTION.sub("", _PATH.sub("", raw))).split()).strip(" :;,'\"()")
    if not _VIETNAMESE.search(shown):
        return "lỗi kỹ thuật trên máy của cụm loa (người quản trị xem nhật ký của máy)"
    return shown[:1].upper() + shown[1:]


def cluster_card(cluster: Any, control: dict[str, Any], titles: dict[str, str], now: datetime) -> dict[str, Any]:
    """One cluster as its card shows it."""
    state, age = state_of(cluster, now)
    beat = cluster.heartbeat or {}
    offset = beat.get("clock_offset_s")
    offset_words = ""
    if isinstance(offset, (int, float)):
        offset_words = f"{offset:+.1f} giây".replace(".", ",")
        if abs(offset) > CLOCK_OFF_S:
            offset_words += " (lệch nhiều: kiểm tra đồng hồ của máy)"
    seen = datetime.fromisoformat(cluster.last_seen).astimezone(now.tzinfo) if cluster.last_seen else None
    playing = beat.get("playing")
    applied = beat.get("control")         # the settings the receiver says it runs with
    waiting = bool(control) and cluster.state == ACTIVE and (
        not isinstance(applied, dict) or any(applied.get(k) != v for k, v in control.items()))
    return {"name": cluster.name, "zone": titles.get(cluster.zone, "vùng đã bỏ khỏi lịch phát"),
            "state": state, "state_words": STATE_WORDS[state], "seen": seen, "age": age_words(age),
            "offset": offset_words, "playing": str(playing).replace("[khẩn] ", "Khẩn: ") if playing else "",
            "fault": plain_fault(beat.get("last_fault")), "version": str(beat.get("version") or ""),
            "volume": int(control.get("volume", 100)), "mute": bool(control.get("mute", False)),
            "hours": control.get("hours") or "", "active": cluster.state == ACTIVE, "waiting": waiting}


def cluster_cards(console: Any, titles: dict[str, str]) -> list[dict[str, Any]]:
    """Every cluster of the station (paired first), as cards; [] without a registry."""
    now = console.now()
    with open_registry(console.station) as registry:
        if registry is None:
            return []
        cards = [cluster_card(c, registry.control(c.name), titles, now) for c in registry.all()]
    order = {"online": 2, "late": 1, "offline": 0, "never": 3, "pending": 4, "revoked": 5}
    return sorted(cards, key=lambda c: (order[c["state"]], c["zone"], c["name"]))


def _hhmm(text: Any) -> str:
    try:
        return datetime.fromisoformat(str(text)).strftime("%H:%M %d/%m")
    except ValueError:
        return ""


def cluster_warnings(console: Any, titles: dict[str, str]) -> list[str]:
    """The status page's warnings: a cluster that missed a programme, went silent on air, or lost contact."""
    from broadcast.play.state import read_day
    from broadcast.receiver.levels import FAULT_SILENT

    now = console.now()
    today, yesterday = now.date(), now.date() - timedelta(days=1)
    audio_out = console.station.path(console.station.paths.audio_out)
    manifest = read_day(audio_out, today) or {}
    out: list[str] = []
    with open_registry(console.station) as registry:
        if registry is None:
            return []
        for c in registry.all():
            if c.state != ACTIVE:
                continue
            rows = [r for r in registry.rows(c.name) if str(r.get("date", "")) >= yesterday.isoformat()]
            where = f"Cụm loa {c.name} ({titles.get(c.zone, c.zone)})"
            for r in rows:
                when, title = _hhmm(r.get("scheduled_at") or r.get("started_at")), r.get("title", "")
                if r.get("fault") == FAULT_SILENT:
                    out.append(f"{where}: im lặng trên loa khi phát “{title}” lúc {when}.")
                elif r.get("status") in FAILED_STATUSES and r.get("kind") != "khan-cap":
                    why = plain_fault(r.get("error"))
                    out.append(f"{where} không phát trọn “{title}” lúc {when}" + (f": {why}." if why else "."))
            aired = {str(r.get("programme_id")) for r in rows if str(r.get("date")) == today.isoformat()}
            paired = datetime.fromisoformat(c.paired_at) if c.paired_at else None
            for entry in manifest.get("programmes", []):
                zones = entry.get("zones")
                if (zones and c.zone not in zones) or str(entry.get("id")) in aired:
                    continue
                start = datetime.fromisoformat(str(entry.get("start")))
                end = start + timedelta(seconds=float(entry.get("duration_s") or 0)) + GRACE
                if end < now and (paired is None or paired < start):
                    out.append(f"{where} chưa báo đã phát “{entry.get('title', '')}” lúc {start:%H:%M}: "
                               "có thể đã lỡ buổi này hoặc mất kết nối.")
            state, age = state_of(c, now)
            if state == "offline":
                out.append(f"{where} mất kết nối từ {age_words(age)}.")
    return out


def zone_titles(console: Any) -> dict[str, str]:
    """Zone titles by name, the implicit 'Toàn xã' included."""
    from broadcast.daemon.zones import effective_zones

    try:
        schedule = console.store.schedule()
    except BroadcastError:           # a broken schedule still shows the clusters; `check` says why
        schedule = None
    return {z.name: z.title for z in effective_zones(schedule, console.station)}

