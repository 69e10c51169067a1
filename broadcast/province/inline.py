"""The province build without a cluster (`province build --workers 0`): each commune's `build_day`, one shared cache.

For a few communes the Dask graph does not pay: worker processes start and import the pipeline,
tasks are pickled, and the graph speaks every text before assembling, where `build_day` encodes
each programme while it is still being spoken. Here every commune is built by `build_day` itself
(the pipelined path of `broadcast build`), one after another, each with the province's shared
speech cache (`[province] cache`): the first commune speaks the province's common texts, the
next ones find them in the cache. The days are the ones `broadcast build` publishes; a key signs
them as the graph does; a commune that fails fails alone.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from broadcast.errors import BroadcastError


def build_in_process(stations: Sequence[str | os.PathLike], days: Sequence[date], *,
                     signing_key: str | os.PathLike | None = None, force: bool = False,
                     on_outcome: Callable[[Any], None] | None = None) -> Any:
    """Build and publish every station's `days` here; a `graph.ProvinceResult`."""
    from broadcast.build import Toolkit, build_day
    from broadcast.province.graph import Outcome, ProvinceResult, _signing_key
    from broadcast.province.signing import ensure_signed
    from broadcast.speak import SpeechCache
    from broadcast.station.config import load_station

    started = time.perf_counter()
    result = ProvinceResult(workers=1, scheduler="trong tiến trình")

    def record(outcome: Outcome) -> None:
        result.outcomes.append(outcome)
        if on_outcome:
            on_outcome(outcome)

    for folder in map(str, stations):
        try:
            station = load_station(folder)
            toolkit = Toolkit.from_station(station)
        except BroadcastError as exc:
            for day in days:
                record(Outcome(folder, "", day, False, str(exc), exc.exit_code))
            continue
        if station.province.cache:
            toolkit.cache = SpeechCache(station.path(station.province.cache))
        key_path = _signing_key(station, signing_key)
        for day in days:
            try:
                built = build_day(station, day, toolkit=toolkit, force=force)
                if key_path:
                    ensure_signed(built.directory, Path(key_path))
            except BroadcastError as exc:
                record(Outcome(folder, station.station.name, day, False, str(exc), exc.exit_code))
                continue
            result.synthesized += built.engine_calls
            result.speech_items += sum(1 for p in built.programmes for i in p.get("items", ()) if i.get("spoken"))
            record(Outcome(folder, station.station.name, day, True, programmes=len(built.programmes),
                           encoded=built.encoded, reused=built.reused, unchanged=built.unchanged))
    result.distinct_texts = result.synthesized
    result.seconds = time.perf_counter() - started
    return result
