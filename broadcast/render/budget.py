"""Work budget of one render: loop iterations, calls, filters and `range()` items, counted in the sandbox.

Jinja's sandbox limits what a template may touch, not how long it runs: three nested
`range(10000)` loops that print nothing never end. A render here runs under a `WorkBudget`
(`render_max_steps` in `[limits]`): every loop iteration costs 1, every call 1 plus the size of
what it returns, every filter 1 plus the size of its result, every `range()` its length. Past
the budget the render stops with `OverBudget`, at the template line doing the work. The count is
deterministic (no clock), so the same template and values always pass or always fail.

How loops are counted: `count_loops(ast)` wraps each `{% for %}`'s iterable in a call of
`environment.counted_iter`, which charges a step per item.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from jinja2 import nodes
from jinja2.exceptions import SecurityError

__all__ = ["OverBudget", "WorkBudget", "charge", "count_loops", "counted_iter", "size_of", "work_budget"]


class OverBudget(SecurityError):
    """A render did more work than any announcement needs (a loop far too big, or endless)."""


class WorkBudget:
    """Steps left for one render."""

    __slots__ = ("limit", "used")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def charge(self, steps: int = 1) -> None:
        self.used += steps
        if self.used > self.limit:
            limit = f"{self.limit:,}".replace(",", ".")
            raise OverBudget(f"mẫu làm quá nhiều bước khi điền (hơn {limit} bước: vòng lặp, "
                             "lời gọi, phần tử range), có vòng lặp lồng nhau quá lớn?")


_CURRENT: ContextVar[WorkBudget | None] = ContextVar("broadcast_render_budget", default=None)


@contextmanager
def work_budget(limit: int) -> Iterator[WorkBudget]:
    """Run the body (one render) under a fresh budget of `limit` steps (per thread and task)."""
    budget = WorkBudget(limit)
    token = _CURRENT.set(budget)
    try:
        yield budget
    finally:
        _CURRENT.reset(token)


def charge(steps: int = 1) -> None:
    """Spend `steps` of the current render's budget (nothing outside a render)."""
    budget = _CURRENT.get()
    if budget is not None:
        budget.charge(steps)


def size_of(value: Any) -> int:
    """What building `value` cost, roughly: its length when it has one (a `range` is charged when made)."""
    if isinstance(value, (str, list, tuple, dict, set, frozenset)):
        return len(value)
    return 0


class _Counted:
    """An iterable that charges one step per item; `len()` still works where the inner one has it."""

    __slots__ = ("_inner",)

    def __init__(self, inner: Iterable[Any]) -> None:
        self._inner = inner

    def __len__(self) -> int:
        return len(self._inner)          # TypeError for generators, as Jinja's LoopContext expects

    def __iter__(self) -> Iterator[Any]:
        for item in self._inner:
            charge()
            yield item


def counted_iter(iterable: Any) -> Any:
    """What a compiled `{% for %}` loops over: the template's iterable, counted."""
    if iterable is None or isinstance(iterable, (int, float, bool)):
        return iterable                  # let Jinja raise its own "not iterable" error
    return _Counted(iterable)


def count_loops(ast: nodes.Template) -> None:
    """Wrap the iterable of every `{% for %}` in `ast` (in place) in `environment.counted_iter(...)`.

    Jinja allows no custom node types, so the wrapper is an ordinary call of an environment
    attribute; the sandbox must define `counted_iter` (it charges the call itself, one step).
    """
    for loop in list(ast.find_all(nodes.For)):
        wrapper = nodes.EnvironmentAttribute("counted_iter", lineno=loop.iter.lineno)
        loop.iter = nodes.Call(wrapper, [loop.iter], [], None, None, lineno=loop.iter.lineno)
