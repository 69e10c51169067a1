"""The province build on this machine without a cluster (the default): communes' `build_day` side by side, one shared cache.

On one machine the Dask graph does not pay: worker processes start and import the pipeline,
every task is pickled, and the graph speaks a programme's texts before encoding it, where
`build_day` encodes each programme while it is still being spoken. Here each commune is built
by `build_day` itself (the pipelined path of `broadcast build`, so its day is the one its own
build publishes), as many communes at a time as the machine has cores (at least two, so one
commune's speech overlaps another's encoding), all in this process with the province's shared
speech cache (`[province] cache`): a text two communes need at the same moment is spoken once
(the second waits for the first), and the clips' levels are measured once. The engines are
safe across threads (espeak serializes its calls behind its own lock). A key signs the days
as the graph does; a commune that fails fails alone; one station's days are built in order.
When the communes' engine waits rather than computes (an online voice), their texts are spoken
ahead, many at once, while the builds run (`broadcast.province.ahead`). Each commune's build runs
on a core of its own, its encoders with it (`broadcast.province.cores`).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

from broadcast.build import Toolkit, build_day
from broadcast.errors import BroadcastError
from broadcast.province.ahead import SpeakAhead
from broadcast.province.cores import Cores
from broadcast.province.signing import ensure_signed
from broadcast.province.stations import Outcome, ProvinceResult, loaded_stations, signing_key_for
from broadcast.speak import SpeechCache
from broadcast.station.config import Station


class SharedCache(SpeechCache):
    """The province's speech cache for threads: a text asked for twice at once is synthesized once."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self._locks: dict[Path, threading.Lock] = {}
        self._guard = threading.Lock()

    def get_or_make(self, engine, text: str) -> tuple[Path, bool]:
        path = self.path_for(engine, text)
        with self._guard:
            lock = self._locks.setdefault(path, threading.Lock())
        with lock:                  # the second asker finds the first one's file: cached, not made again
            return super().get_or_make(engine, text)


def side_by_side(jobs: int) -> int:
    """How many communes to build at once: one a core, at least two, never more than there are."""
    return max(1, min(jobs, max(2, os.cpu_count() or 1)))


def build_in_process(stations: Sequence[str | os.PathLike], days: Sequence[date], *,
                     signing_key: str | os.PathLike | None = None, force: bool = False,
                     on_outcome: Callable[[Outcome], None] | None = None, width: int | None = None,
                     pin: bool = True) -> ProvinceResult:
    """Build and publish every station's `days` in this process, `width` communes at a time,
    each on a core of its own unless `pin` is False (`broadcast.province.cores`)."""
    started = time.perf_counter()
    result = ProvinceResult(workers=1, scheduler="trong tiến trình")
    lock = threading.Lock()
    caches: dict[Path, SharedCache] = {}

    def record(outcome: Outcome, synthesized: int = 0, items: int = 0) -> None:
        with lock:
            result.outcomes.append(outcome)
            result.synthesized += synthesized
            result.speech_items += items
            if on_outcome:
                on_outcome(outcome)

    def shared_cache(root: Path) -> SharedCache:
        with lock:
            return caches.setdefault(root.resolve(), SharedCache(root))

    def cache_of(station: Station) -> SharedCache | None:
        return shared_cache(station.path(station.province.cache)) if station.province.cache else None

    def build_station(folder: str, station: Station) -> None:
        with cores.commune():           # its encoders and their ffmpeg on the same core (`province.cores`)
            build_days(folder, station)

    def build_days(folder: str, station: Station) -> None:
        try:
            toolkit = Toolkit.from_station(station)
        except BroadcastError as exc:
            for day in days:
                record(Outcome(folder, station.station.name, day, False, str(exc), exc.exit_code))
            return
        toolkit.cache = cache_of(station) or toolkit.cache
        key_path = signing_key_for(station, signing_key)
        for day in days:
            try:
                built = build_day(station, day, toolkit=toolkit, force=force)
                if key_path:
                    ensure_signed(built.directory, Path(key_path))
            except BroadcastError as exc:
                record(Outcome(folder, station.station.name, day, False, str(exc), exc.exit_code))
                continue
            items = sum(1 for p in built.programmes for i in p.get("items", ()) if i.get("spoken"))
            record(Outcome(folder, station.station.name, day, True, programmes=len(built.programmes),
                           encoded=built.encoded, reused=built.reused, unchanged=built.unchanged),
                   synthesized=built.engine_calls, items=items)

    jobs = list(loaded_stations(stations, days, record))
    cores = Cores(len(jobs), None if pin else ())
    ahead = SpeakAhead(cache_of)
    ahead.start([station for _, station in jobs], days, force=force)
    pool = ThreadPoolExecutor(max_workers=width or side_by_side(len(jobs)), thread_name_prefix="xa")
    try:
        for done in [pool.submit(build_station, folder, station) for folder, station in jobs]:
            done.result()
    finally:                        # Ctrl+C or an unexpected error: start no other commune
        pool.shutdown(wait=True, cancel_futures=True)
        ahead.close()
    result.synthesized += ahead.synthesized
    result.distinct_texts = result.synthesized
    result.seconds = time.perf_counter() - started
    return result
