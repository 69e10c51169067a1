"""Bounded YAML: cap a file's size before parsing, then a document's expanded nodes, aliases and depth.

PyYAML (SafeLoader and CSafeLoader alike) composes an alias as a second reference to the same
node, so a few hundred bytes of nested aliases ("billion laughs") are a small graph that grows
into billions of values only when it is turned into Python objects. `check_document` walks the
composed graph once (every node once, memoised) and refuses it before anything is built:

- more than `max_nodes` values once every alias is expanded,
- more than `max_aliases` alias uses (references to a list or mapping already seen; an alias of
  a scalar adds one value and is counted only in `max_nodes`),
- nesting deeper than `max_depth`, or an alias inside itself (`&a [*a]`).

`read_capped` reads at most `max_bytes` (+1 to tell) of a file, so a 10 MB file is refused
without being read or parsed. Errors are `YamlLimitError` (a `ScheduleError`, exit 2) naming
the file and, where there is one, the line.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from broadcast.errors import ScheduleError
from broadcast.station import files

# PyYAML's composed nodes are walked by shape, without importing yaml here (this module is
# imported by the configuration, which every command loads): a scalar's `value` is a str, a
# sequence's a list of nodes, a mapping's a list of (key, value) node pairs.
Node = Any

__all__ = ["YamlLimitError", "YamlLimits", "check_document", "file_too_big", "note_reads", "read_capped", "recording_reads"]


@dataclass(frozen=True)
class YamlLimits:
    """How much one YAML file may cost (the station's `[limits]` settings)."""

    max_bytes: int = 1024 * 1024
    max_nodes: int = 200_000
    max_aliases: int = 1_000
    max_depth: int = 50


class YamlLimitError(ScheduleError):
    """A YAML file is larger, wider or deeper than any real schedule or data file."""


def _number(n: int) -> str:
    """12.345: Vietnamese digit grouping."""
    return f"{n:,}".replace(",", ".")


def _size_text(n_bytes: int) -> str:
    if n_bytes >= 1024 * 1024:
        return f"{n_bytes / (1024 * 1024):.1f} MB".replace(".", ",")
    return f"{max(n_bytes // 1024, 1)} KB"


_READS: ContextVar[list[Path] | None] = ContextVar("bounded_yaml_reads", default=None)


@contextlib.contextmanager
def recording_reads() -> Iterator[list[Path]]:
    """Every file `read_capped` opens inside the block, in order (a build's stamp lists them)."""
    reads: list[Path] = []
    token = _READS.set(reads)
    try:
        yield reads
    finally:
        _READS.reset(token)


def note_reads(paths: Iterable[Path]) -> None:
    """Add files read elsewhere (or earlier, and remembered) to the `recording_reads` block around."""
    reads = _READS.get()
    if reads is not None:
        reads.extend(Path(p) for p in paths)


def read_capped(path: Path, max_bytes: int, shown: str, inside: Sequence[Path] = ()) -> bytes:
    """The bytes of `path`, or `YamlLimitError` when it holds more than `max_bytes`.

    Opened through `broadcast.station.files`: a folder, a device (/dev/zero), a FIFO, or a link
    out of `inside` is `StationFileError`, without blocking; at most `max_bytes + 1` bytes are read.
    """
    reads = _READS.get()
    if reads is not None:
        reads.append(Path(path))
    with files.open_file(path, max_bytes=None, inside=inside, shown=shown) as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        try:
            size = Path(path).stat().st_size
        except OSError:
            size = len(data)
        raise file_too_big(max(size, len(data)), max_bytes, shown)
    return data


def file_too_big(size: int, max_bytes: int, shown: str) -> YamlLimitError:
    """The error for a file of `size` bytes over the limit (size unknown past it: 'hơn')."""
    return YamlLimitError(f"Tệp quá lớn ({'hơn ' if size <= max_bytes + 1 else ''}{_size_text(size)}; "
                          f"tối đa {_size_text(max_bytes)}).", path=shown,
                          hint="Sửa: tách thành nhiều tệp nhỏ hơn, hoặc tăng 'schedule_max_kb' trong "
                               "mục [limits] của broadcast.toml nếu tệp này đúng là cần lớn như vậy")


def _children(node: Node) -> list[Node]:
    value = node.value
    if not isinstance(value, list):                # a scalar
        return []
    return [part for entry in value for part in (entry if isinstance(entry, tuple) else (entry,))]


def check_document(root: Node | None, limits: YamlLimits, shown: str) -> None:
    """Refuse a composed document that would expand past `limits`; linear in the graph's size."""
    if root is None:
        return
    expanded: dict[int, int] = {}          # id(collection node) → values it stands for, aliases expanded
    aliases = 0
    on_path: set[int] = set()
    # Iterative post-order walk: (node, children still to visit, depth).
    stack: list[tuple[Node, list[Node], int]] = [(root, _children(root), 1)]
    on_path.add(id(root))
    while stack:
        node, pending, depth = stack[-1]
        if pending:
            child = pending.pop()
            if not isinstance(child.value, list):
                continue                   # a scalar stands for one value; no need to remember it
            key = id(child)
            if key in on_path:
                raise YamlLimitError("Bí danh (*...) trỏ vào chính mục chứa nó, tạo vòng lặp vô tận.",
                                     path=shown, line=child.start_mark.line + 1,
                                     hint="Sửa: bỏ bí danh này, ghi giá trị ra")
            if key in expanded:
                aliases += 1
                if aliases > limits.max_aliases:
                    raise YamlLimitError(f"Tệp dùng quá nhiều bí danh (*...): hơn "
                                         f"{_number(limits.max_aliases)}.", path=shown, line=child.start_mark.line + 1,
                                         hint="Sửa: ghi giá trị ra thay vì dùng '&' và '*'")
                continue
            if depth + 1 > limits.max_depth:
                raise YamlLimitError(f"Các mục lồng nhau quá sâu (hơn {limits.max_depth} tầng).",
                                     path=shown, line=child.start_mark.line + 1,
                                     hint="Sửa: kiểm tra thụt lề; lịch phát chỉ cần vài tầng")
            on_path.add(key)
            stack.append((child, _children(child), depth + 1))
            continue
        stack.pop()
        on_path.discard(id(node))
        total = 1 + sum(expanded[id(c)] if isinstance(c.value, list) else 1 for c in _children(node))
        if total > limits.max_nodes:
            if aliases:
                raise YamlLimitError(f"Tệp tạo ra quá nhiều giá trị (hơn {_number(limits.max_nodes)}) do "
                                     "bí danh (*...) lồng nhau.", path=shown, line=node.start_mark.line + 1,
                                     hint="Sửa: ghi giá trị ra thay vì dùng '&' và '*'")
            raise YamlLimitError(f"Tệp có quá nhiều giá trị (hơn {_number(limits.max_nodes)}).", path=shown,
                                 line=node.start_mark.line + 1,
                                 hint="Sửa: tách thành nhiều tệp nhỏ hơn, hoặc tăng 'yaml_max_nodes' trong "
                                      "mục [limits] của broadcast.toml")
        expanded[id(node)] = total
