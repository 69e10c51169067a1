"""The province build as a Dask graph: stations planned, shared speech synthesized once, days published.

The only module importing Dask (`distributed`). The graph, per station and day:

    prepare-<station>-<day>       render + normalize (`plan_day`)          one per station and day
    speak-<cache hash>            one synthesis per distinct text          shared by every station
    assemble-<station>-<day>-<id> encode one programme                     waits for its speak keys
    publish-<station>-<day>       atomic swap of audio_out/<day>/ (+ sign) waits for its programmes

Speech keys are the speech cache's content hash, so two communes reading the same provincial
notice with the same engine and options wait for one task, and Dask computes it once. Every
other key carries a per-run token so a long-lived scheduler never mixes two builds. A station
whose schedule is wrong fails at `prepare` with its own message; its keys error and nothing of it
is published, while the others carry on. A worker lost mid-run: the scheduler runs its tasks
again on another worker; publication is the same staged swap as `broadcast build`, so no
station is ever half-published.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import time
import uuid
import warnings
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from distributed import Client, LocalCluster, as_completed

from broadcast.errors import BroadcastError
from broadcast.province import tasks
from broadcast.province.stations import Outcome, ProvinceResult, loaded_stations, signing_key_for

CONNECT_TIMEOUT = "20s"


@contextmanager
def connect(scheduler: str | None = None, workers: int | None = None):
    """A Dask client: to `scheduler` (tcp://host:8786) or to an embedded LocalCluster on loopback.

    Embedded workers are processes with one thread each (libespeak-ng is not thread-safe).
    No cluster at all (`--workers 0`) is `province.inline.build_in_process`, not a client.
    """
    if scheduler:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            raise BroadcastError(f"không kết nối được bộ lập lịch Dask {scheduler}: {exc}",
                                 hint="kiểm tra địa chỉ (ví dụ tcp://10.0.0.5:8786) và dask scheduler đang chạy") from None
        try:
            yield client
        finally:
            client.close()
        return
    n = workers or os.cpu_count() or 1
    with warnings.catch_warnings():
        # The scheduler's health endpoint tries 8787 on loopback and takes a free port when a
        # dashboard already holds it; that is expected here, not worth a warning.
        warnings.filterwarnings("ignore", message="Port .* is already in use")
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None, silence_logs=logging.ERROR)
    with cluster, Client(cluster) as client:
        yield client


def build_province(stations: Sequence[str | os.PathLike], days: Sequence[date], *,
                   client: Client, signing_key: str | os.PathLike | None = None, force: bool = False,
                   on_outcome: Callable[[Outcome], None] | None = None) -> ProvinceResult:
    """Build and publish every station's `days` on the cluster behind `client`."""
    started = time.perf_counter()
    token = uuid.uuid4().hex[:12]
    result = ProvinceResult(scheduler=str(client.scheduler.address))
    jobs: dict[Any, tuple[str, Any, date]] = {}      # prepare future -> (folder, station, day)

    def record(outcome: Outcome) -> None:
        result.outcomes.append(outcome)
        if on_outcome:
            on_outcome(outcome)

    for folder, station in loaded_stations(stations, days, record):
        for day in days:
            key = f"prepare-{token}-{_slug(folder)}-{day.isoformat()}"
            future = client.submit(tasks.prepare, str(station.root), day.isoformat(), token, force,
                                   key=key, pure=False)
            jobs[future] = (folder, station, day)

    speak: dict[str, Any] = {}                        # speech key -> its one future
    final: dict[Any, tuple[str, Any, date, Any]] = {}    # publish/sign future -> (folder, station, day, prepared)
    waiting = as_completed(list(jobs))
    for future in waiting:
        if future in jobs:
            folder, station, day = jobs.pop(future)
            try:
                prepared: tasks.PreparedDay = future.result()
            except Exception as exc:                  # noqa: BLE001 - one station's failure is its own
                record(_failed(folder, station, day, exc))
                continue
            key_path = signing_key_for(station, signing_key)
            result.speech_items += prepared.speech_items
            base = f"{token}-{_slug(folder)}-{day.isoformat()}"
            if prepared.plan.unchanged:
                done = (client.submit(tasks.sign_unchanged, future, key_path, key=f"sign-{base}", pure=False)
                        if key_path else future)
                final[done] = (folder, station, day, prepared)
                waiting.add(done)
                continue
            for item in prepared.texts:
                if item.key not in speak:
                    speak[item.key] = client.submit(tasks.speak, item, key=item.key, pure=False)
            built = [client.submit(tasks.assemble, future, token, pid, *(speak[k] for k in keys),
                                   key=f"assemble-{base}-{pid}", pure=False)
                     for pid, keys in prepared.speech.items()]
            done = client.submit(tasks.publish, future, token, key_path, *built, key=f"publish-{base}", pure=False)
            final[done] = (folder, station, day, prepared)
            waiting.add(done)
        else:
            folder, station, day, prepared = final.pop(future)
            try:
                answer = future.result()
            except Exception as exc:                  # noqa: BLE001
                record(_failed(folder, station, day, exc))
                continue
            if prepared.plan.unchanged:
                count = len(prepared.plan.composed)
                record(Outcome(folder, station.station.name, day, True, programmes=count, reused=count,
                               unchanged=True))
            else:
                _remove_work(station, day)
                record(Outcome(folder, station.station.name, day, True, programmes=answer["programmes"],
                               encoded=answer["encoded"], reused=answer["reused"]))
                result.synthesized += answer["fallback_calls"]
    result.distinct_texts = len(speak)
    result.synthesized += sum(1 for made in client.gather(list(speak.values()), errors="skip") if made == 1)
    result.workers = len(client.nthreads())           # the workers still there at the end, not those at the start
    result.seconds = time.perf_counter() - started
    return result


def _failed(folder: str, station: Any, day: date, exc: BaseException) -> Outcome:
    """An outcome for a failed station; its unpublished work is removed."""
    _remove_work(station, day)
    if isinstance(exc, tasks.StationFailed):
        return Outcome(folder, station.station.name, day, False, exc.message, exc.exit_code)
    return Outcome(folder, station.station.name, day, False, f"{type(exc).__name__}: {exc}", 1)


def _remove_work(station: Any, day: date) -> None:
    shutil.rmtree(station.path(station.paths.audio_out) / f"{tasks.WORK_PREFIX}{day.isoformat()}",
                  ignore_errors=True)


def _slug(folder: str) -> str:
    """A key-safe name for a station folder (its path, so two folders never share keys)."""
    path = Path(folder).resolve()
    return f"{path.name}-{hashlib.sha256(str(path).encode()).hexdigest()[:6]}"
