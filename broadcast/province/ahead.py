"""Speaking ahead in a province build whose engine waits: every commune's texts many at once.

`build_in_process` builds as many communes at a time as the machine has cores, because encoding
is CPU work. An online engine (or the fake engine's delay) spends its time waiting for an answer,
not computing (`Engine.waits`): there, two communes at a time would wait on two texts at once,
and the province would keep most of the waiting the separate builds do. So, while the communes
are built, one thread plans each commune's days in turn and hands every text still to be spoken
to `WAITING_AT_ONCE` threads that fill the province's shared cache. A build asking for a text
being spoken waits for it (`SharedCache`), so nothing is made twice, and the builds find their
speech ready and spend their time encoding, `cores` communes at a time.

Only a station's first engine speaks ahead, and only into the shared cache. Whatever goes wrong
here (an engine unavailable or refusing a text, a schedule that does not load) only stops the
speaking ahead of that engine or commune: its own build meets the same problem, falls back or
fails as `broadcast build` does, and reports it. The speech is the engine's own either way, so
the days stay byte for byte those of separate builds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

from broadcast.build import Toolkit
from broadcast.build.day import plan_day
from broadcast.errors import BroadcastError
from broadcast.speak import SpeechCache
from broadcast.speak.base import Engine
from broadcast.station.config import Station

WAITING_AT_ONCE = 16        # syntheses in flight at once for a waiting engine (one server must not be flooded)


class SpeakAhead:
    """Plans the communes one after another and speaks their texts on a pool sized for waiting."""

    def __init__(self, cache_for: Callable[[Station], SpeechCache | None], *, width: int = WAITING_AT_ONCE) -> None:
        self._cache_for = cache_for     # a station's shared cache, None when it has none
        self._pool = ThreadPoolExecutor(max_workers=width, thread_name_prefix="doc-truoc")
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._asked: set[Path] = set()
        self._engines: dict[str, bool] = {}    # engine (its cache key) -> still speaking ahead
        self._planner: threading.Thread | None = None
        self.synthesized = 0

    def start(self, stations: Sequence[Station], days: Sequence[date], *, force: bool = False) -> None:
        """Begin planning and speaking in the background; `close` stops it."""
        self._planner = threading.Thread(target=self._plan_all, args=(tuple(stations), tuple(days), force),
                                         name="doc-truoc-lich", daemon=True)
        self._planner.start()

    def close(self) -> None:
        """Stop: texts not yet begun are left to the builds; the ones being spoken are finished."""
        self._stop.set()
        if self._planner is not None:
            self._planner.join()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _plan_all(self, stations: tuple[Station, ...], days: tuple[date, ...], force: bool) -> None:
        for station in stations:
            cache = self._cache_for(station)
            if cache is None or self._stop.is_set():
                continue
            try:
                toolkit = Toolkit.from_station(station)
                engine = toolkit.engines[0] if toolkit.engines else None
                if engine is None or not self._speaks(engine):
                    continue
                for day in days:
                    if self._stop.is_set():
                        return
                    for composed, _ in plan_day(toolkit, day, force=force).todo:
                        for text in composed.texts():
                            self._ask(cache, engine, text)
            except (BroadcastError, OSError):
                continue                # the commune's own build reports it

    def _speaks(self, engine: Engine) -> bool:
        """A waiting engine that is available here (asked once per engine and options)."""
        key = repr(engine)
        with self._lock:
            known = self._engines.get(key)
        if known is None:
            known = engine.waits() and engine.availability()[0]
            with self._lock:
                self._engines.setdefault(key, known)
        return known

    def _ask(self, cache: SpeechCache, engine: Engine, text: str) -> None:
        path = cache.path_for(engine, text)
        with self._lock:
            if path in self._asked or self._stop.is_set():
                return
            self._asked.add(path)
        self._pool.submit(self._speak, cache, engine, text)

    def _speak(self, cache: SpeechCache, engine: Engine, text: str) -> None:
        key = repr(engine)
        if self._stop.is_set() or not self._engines.get(key):
            return
        try:
            _, cached = cache.get_or_make(engine, text)
        except (BroadcastError, OSError):
            with self._lock:            # it refused a text: its communes' builds fall back, not us
                self._engines[key] = False
            return
        if not cached:
            with self._lock:
                self.synthesized += 1
