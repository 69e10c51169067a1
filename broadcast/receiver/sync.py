"""Bring the zone's days from the station ahead of time, signed and hashed, and keep only a few.

The same checks as `broadcast fetch` (one implementation: `province.fetch.fetch_signed_day`): the
station's signature on the zone's manifest, every file's SHA-256 and size, downloads resumed, a
day swapped in whole or not at all, an older build of a day refused. A day already here whose
manifest has the SHA-256 the station's listing gives is not asked for again (every 10 minutes, the
manifests and signatures were most of a receiver's bytes on the 4G link).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

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
    listing = link.get("/ngay/")
    available = set(listing.get("days", []))
    hashes = listing.get("sha256") if isinstance(listing.get("sha256"), dict) else {}
    fetched, failed = [], []
    for offset in range(ahead):
        day = today + timedelta(days=offset)
        if day.isoformat() not in available:
            continue
        held = held_day(config, day, hashes.get(day.isoformat()))
        if held is not None:               # the same day is here: no manifest or signature on the 4G link
            fetched.append(held)
            continue
        try:
            fetched.append(fetch_signed_day(source, day, config.audio_out, title=config.station))
        except DeliveryError as exc:
            failed.append((day, str(exc)))
    return SyncResult(tuple(fetched), tuple(failed), tuple(prune(config, today)))


def held_day(config: ReceiverConfig, day: date, listed: Any) -> FetchResult | None:
    """The day already here when its manifest (checked when it was fetched) has the SHA-256 the station lists."""
    folder = config.audio_out / day.isoformat()
    try:
        data = (folder / "manifest.json").read_bytes()
    except OSError:
        return None
    if not isinstance(listed, str) or hashlib.sha256(data).hexdigest() != listed:
        return None
    try:
        files = len(json.loads(data).get("programmes", []))
    except (ValueError, AttributeError):
        return None
    return FetchResult(day, folder, files, 0, 0, 0, True)


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
