"""Bring the zone's days from the station ahead of time, signed and hashed, and keep only a few.

The same checks as `broadcast fetch` (one implementation: `province.fetch.fetch_signed_day`): the
station's signature on the zone's manifest, every file's SHA-256 and size, downloads resumed, a
day swapped in whole or not at all, an older build of a day refused.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import date, timedelta

from broadcast.clusters import protocol
from broadcast.errors import DeliveryError
from broadcast.province.fetch import FetchResult, SignedSource, fetch_signed_day
from broadcast.receiver.config import ReceiverConfig
from broadcast.receiver.link import StationLink

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class SyncResult:
    fetched: tuple[FetchResult, ...]
    failed: tuple[tuple[date, str], ...]
    removed: tuple[str, ...]


def sync_days(config: ReceiverConfig, today: date, *, ahead: int = 2, link: StationLink | None = None) -> SyncResult:
    """Fetch `today` and the `ahead - 1` next days the station has for this zone; drop days past `keep_days`."""
    link = link or StationLink(config)
    source = SignedSource(config.station_url.rstrip("/") + "/ngay", protocol.load_public(config.station_public_key),
                          config.station, link.timeout, headers=link.headers)
    available = set(link.get("/ngay/").get("days", []))
    fetched, failed = [], []
    for offset in range(ahead):
        day = today + timedelta(days=offset)
        if day.isoformat() not in available:
            continue
        try:
            fetched.append(fetch_signed_day(source, day, config.audio_out, title=config.station))
        except DeliveryError as exc:
            failed.append((day, str(exc)))
    return SyncResult(tuple(fetched), tuple(failed), tuple(prune(config, today)))


def prune(config: ReceiverConfig, today: date) -> list[str]:
    """Delete days older than `keep_days` before today; the names removed."""
    oldest = today - timedelta(days=config.keep_days - 1)
    removed = []
    if config.audio_out.is_dir():
        for folder in sorted(config.audio_out.iterdir()):
            if _DAY.fullmatch(folder.name) and date.fromisoformat(folder.name) < oldest:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder.name)
    return removed
