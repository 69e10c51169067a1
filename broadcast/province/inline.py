"""The province graph run in this process, without a cluster: for a few communes the graph does not pay.

`InlineClient` offers the part of `distributed.Client` that `graph.build_province` uses
(`submit`, `gather`, `as_completed`, `run`, `run_on_scheduler`, `scheduler_info`,
`scheduler.address`) and runs each task
at once, in this process, when it is submitted. A task given a failed future fails with the same
error, as a Dask dependent does. Speech keys are still submitted once per distinct text, so
communes share their common speech exactly as on a cluster; what is saved is the cluster's
start-up (worker processes importing the pipeline), task transfers and pickling.
`broadcast province build --workers 0` chooses it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from types import SimpleNamespace
from typing import Any


class InlineFuture:
    """A finished task: its value or its error."""

    def __init__(self, value: Any = None, error: BaseException | None = None) -> None:
        self.value, self.error = value, error

    def result(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.value


class _Completed:
    """`as_completed` over futures that are all finished: in order, `add` appends."""

    def __init__(self, futures: Iterable[InlineFuture]) -> None:
        self.queue = deque(futures)

    def add(self, future: InlineFuture) -> None:
        self.queue.append(future)

    def __iter__(self) -> Iterator[InlineFuture]:
        while self.queue:
            yield self.queue.popleft()


class InlineClient:
    """Runs submitted tasks at once, in this process."""

    scheduler = SimpleNamespace(address="trong tiến trình")

    def __init__(self) -> None:
        self.tasks = 0

    def scheduler_info(self) -> dict[str, Any]:
        return {"workers": {"inline": {}}}

    def submit(self, fn: Callable[..., Any], *args: Any, key: str | None = None, pure: bool = False) -> InlineFuture:
        self.tasks += 1
        try:
            resolved = [a.result() if isinstance(a, InlineFuture) else a for a in args]
            return InlineFuture(fn(*resolved))
        except Exception as exc:  # noqa: BLE001 - a task's failure is its future's, as on a cluster
            return InlineFuture(error=exc)

    def gather(self, futures: Iterable[InlineFuture], errors: str = "raise") -> list[Any]:
        out = []
        for future in futures:
            if future.error is None:
                out.append(future.value)
            elif errors != "skip":
                raise future.error
        return out

    def as_completed(self, futures: Iterable[InlineFuture]) -> _Completed:
        return _Completed(futures)

    def run(self, fn: Callable[[], Any]) -> dict[str, Any]:
        """`Client.run`: `fn` on every worker, here the one process."""
        return {"inline": fn()}

    def run_on_scheduler(self, fn: Callable[[], Any]) -> Any:
        return fn()

    def close(self) -> None:
        pass
