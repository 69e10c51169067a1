"""Minimal text edits of a schedule YAML file: change, add or remove one value, keep every comment and other key.

The file is composed with PyYAML (which keeps each node's character offsets) and only the
characters of the edited value are replaced: the officer's comments, key order, quoting and
blank lines elsewhere stay byte for byte. Values are written in flow style on one line
(`days: [thu-hai, thu-tu]`), the way the sample schedules write them. A path names a node:
`("slots", 0, "start")`. The caller checks the result with `load_schedule` before writing it.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
Path_ = Sequence[str | int]
_CLOCK = re.compile(r"\d{1,2}:\d{2}")


def version_of(data: bytes) -> str:
    """The version token a page keeps: a digest of the file's bytes (a concurrent edit changes it)."""
    return hashlib.sha256(data).hexdigest()[:16]


def flow(value: Any) -> str:
    """One value as YAML on one line: `'05:30'`, `[thu-hai, thu-tu]`, `false`, `2026-12-24`."""
    if isinstance(value, str) and _CLOCK.fullmatch(value):
        return f'"{value}"'                     # as the sample files write times
    text = yaml.safe_dump(_plain(value), allow_unicode=True, default_flow_style=True, width=1_000_000,
                          sort_keys=False).strip()
    return text[:-3].strip() if text.endswith("\n...") else text


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _compose(text: str) -> Node | None:
    return yaml.compose(text, Loader=_LOADER)


def _child(node: Node, step: str | int) -> tuple[Node | None, Node | None]:
    """(key node, value node) of a mapping step, or (None, item) of a sequence step."""
    if isinstance(step, int):
        if not isinstance(node, SequenceNode) or not 0 <= step < len(node.value):
            raise KeyError(step)
        return None, node.value[step]
    if not isinstance(node, MappingNode):
        raise KeyError(step)
    for key, value in node.value:
        if isinstance(key, ScalarNode) and key.value == step:
            return key, value
    return None, None


def _find(root: Node, path: Path_) -> tuple[Node | None, Node | None, Node]:
    """(key, value, parent) of the last step of `path`; value None when the key is absent."""
    node, key, parent = root, None, root
    for step in path:
        parent = node
        key, node = _child(node, step)
        if node is None:
            if step != path[-1]:
                raise KeyError(step)
            return None, None, parent
    return key, node, parent


def _end(node: Node) -> int:
    """Where a node's own text ends (a block collection: its last item's end, not the comments after)."""
    if isinstance(node, ScalarNode) or getattr(node, "flow_style", False) or not node.value:
        return node.end_mark.index
    last = node.value[-1]
    return _end(last[1] if isinstance(node, MappingNode) else last)


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _line_end(text: str, index: int) -> int:
    """The index just after the newline ending the line of `index` (the text's end if none)."""
    found = text.find("\n", index)
    return len(text) if found < 0 else found + 1


def block_item(value: Mapping[str, Any], indent: int, newline: str = "\n") -> str:
    """A new sequence item as block lines: `- key: value` then the other keys under it."""
    pad = " " * indent
    lines = []
    for i, (key, item) in enumerate(value.items()):
        lines.append(f"{pad}{'- ' if i == 0 else '  '}{key}: {flow(item)}")
    return newline.join(lines) + newline


def _newline(text: str) -> str:
    """The file's own line ending (a file saved on Windows keeps CRLF)."""
    return "\r\n" if "\r\n" in text else "\n"


def set_value(text: str, path: Path_, value: Any) -> str:
    """`path`'s value replaced by `value` (or the key added to its mapping when absent)."""
    root = _compose(text)
    if root is None:
        raise KeyError(path[0])
    key, node, parent = _find(root, path)
    if node is None:
        return _add_key(text, parent, str(path[-1]), value)
    if isinstance(node, ScalarNode) or getattr(node, "flow_style", False):
        return text[:node.start_mark.index] + flow(value) + text[node.end_mark.index:]
    # a block list or mapping: from just after 'key:' to its last item, now one flow line
    if key is None:
        raise KeyError(path[-1])
    colon = text.index(":", key.end_mark.index)
    return text[:colon + 1] + " " + flow(value) + text[_end(node):]


def _add_key(text: str, mapping: Node, key: str, value: Any) -> str:
    if not isinstance(mapping, MappingNode):
        raise KeyError(key)
    if getattr(mapping, "flow_style", False) or not mapping.value:
        raise KeyError(key)              # the console's files write these mappings in block style
    first_key = mapping.value[0][0]
    indent = first_key.start_mark.column
    at = _line_end(text, _end(mapping))
    prefix = "" if at == 0 or text[at - 1] == "\n" else "\n"
    nl = _newline(text)
    return text[:at] + (nl if prefix else "") + " " * indent + f"{key}: {flow(value)}{nl}" + text[at:]


def delete_key(text: str, path: Path_) -> str:
    """Remove `path`'s key and its value (whole lines) from a block mapping; unchanged if absent."""
    root = _compose(text)
    if root is None:
        return text
    key, node, _ = _find(root, path)
    if node is None or key is None:
        return text
    start = _line_start(text, key.start_mark.index)
    if text[start:key.start_mark.index].strip():        # '- key:' starts an item: keep the item
        raise KeyError(path[-1])
    return text[:start] + text[_line_end(text, _end(node)):]


def append_item(text: str, path: Path_, item: Mapping[str, Any]) -> str:
    """Add `item` at the end of the block list at `path`, creating `key:` when there is none.

    `path` of length 1 names a top-level key; a missing top-level key is appended at the end
    of the file, a missing nested key is added to its mapping.
    """
    root = _compose(text)
    if root is None:
        nl = _newline(text)
        return text.rstrip("\r\n") + (nl if text.strip() else "") + f"{path[0]}:{nl}" + block_item(item, 2, nl)
    key, node, parent = _find(root, path)
    if node is None or (isinstance(node, ScalarNode) and node.value in ("", "~", "null")):
        if node is not None:                            # 'exceptions:' with nothing after it
            at = _line_end(text, key.end_mark.index)
            indent = key.start_mark.column + 2
            prefix = "" if text[at - 1] == "\n" else _newline(text)
            return text[:at] + prefix + block_item(item, indent, _newline(text)) + text[at:]
        if not isinstance(parent, MappingNode):
            raise KeyError(path[-1])
        indent = parent.value[0][0].start_mark.column if parent.value else 0
        at = _line_end(text, _end(parent)) if parent.value else len(text)
        nl = _newline(text)
        prefix = "" if at == 0 or text[at - 1] == "\n" else nl
        return (text[:at] + prefix + " " * indent + f"{path[-1]}:{nl}" + block_item(item, indent + 2, nl)
                + text[at:])
    if not isinstance(node, SequenceNode):
        raise KeyError(path[-1])
    if getattr(node, "flow_style", False) or not node.value:
        items = [yaml.safe_load(_subtext(text, v)) for v in node.value] + [dict(item)]
        return set_value(text, path, items) if items else text
    first = node.value[0]
    indent = _line_prefix_width(text, first.start_mark.index)
    at = _line_end(text, _end(node))
    prefix = "" if at == 0 or text[at - 1] == "\n" else _newline(text)   # a last line with no line end
    return text[:at] + prefix + block_item(item, indent, _newline(text)) + text[at:]


def _subtext(text: str, node: Node) -> str:
    return text[node.start_mark.index:node.end_mark.index]


def _line_prefix_width(text: str, index: int) -> int:
    """The column of the '- ' marker of the item whose content starts at `index`."""
    start = _line_start(text, index)
    prefix = text[start:index]
    return len(prefix) - len(prefix.lstrip(" ")) if prefix.strip().startswith("-") else len(prefix)


def remove_item(text: str, path: Path_, index: int) -> str:
    """Remove item `index` of the block list at `path` (its whole lines)."""
    root = _compose(text)
    if root is None:
        raise KeyError(index)
    _, node, _ = _find(root, path)
    if not isinstance(node, SequenceNode) or not 0 <= index < len(node.value):
        raise KeyError(index)
    if getattr(node, "flow_style", False):
        kept = [yaml.safe_load(_subtext(text, v)) for i, v in enumerate(node.value) if i != index]
        return set_value(text, path, kept)
    item = node.value[index]
    start = _line_start(text, item.start_mark.index)
    if index + 1 < len(node.value):
        end = _line_start(text, node.value[index + 1].start_mark.index)
        # keep the comment lines that introduce the next item
        block = text[start:end].split("\n")
        while len(block) > 1 and block[-2].lstrip().startswith("#"):
            block.pop(-2)
        end = start + len("\n".join(block))
    else:
        end = _line_end(text, _end(item))
    return text[:start] + text[end:]


def find_item(text: str, path: Path_, key: str, value: Any) -> int | None:
    """Index of the item of the list at `path` whose `key` equals `value` (compared as text)."""
    data = yaml.load(text, Loader=_LOADER) or {}
    for step in path:
        try:
            data = data[step]
        except (KeyError, IndexError, TypeError):
            return None
    if not isinstance(data, list):
        return None
    for i, item in enumerate(data):
        if isinstance(item, dict) and _same(item.get(key), value):
            return i
    return None


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, _dt.date) or isinstance(b, _dt.date):
        return str(a) == str(b)
    return a == b if type(a) is type(b) else str(a) == str(b)
