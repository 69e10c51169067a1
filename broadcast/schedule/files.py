"""Schedule YAML read with line numbers: `YMap`, `YList`, `read_yaml`, `plain`.

PyYAML is imported when a file is first read: a command served from the kept schedules
(`broadcast.schedule.kept`) never needs it.
"""

from __future__ import annotations

from typing import Any

from broadcast.errors import ScheduleError
from broadcast.station.bounded_yaml import YamlLimits, check_document

# ---------------------------------------------------------------------------------------------
# YAML with line numbers

class YMap(dict):
    """A YAML mapping that remembers where it, its keys and its values start (1-based lines)."""

    line: int
    key_lines: dict
    value_lines: dict
    duplicates: list

    def at(self, key: Any) -> int:
        return self.value_lines.get(key, self.key_lines.get(key, self.line))


class YList(list):
    """A YAML sequence that remembers where it and each item start."""

    line: int
    item_lines: list


_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"


def _from_node(node: Any, constructor: Any, kinds: tuple[type, type, type]) -> Any:
    ScalarNode, SequenceNode, MappingNode = kinds      # noqa: N806 - PyYAML's classes, imported late
    if isinstance(node, ScalarNode):
        # YAML 1.1 reads 17:00 as the sexagesimal integer 1020: keep such scalars as written.
        if node.tag in (_INT_TAG, _FLOAT_TAG) and ":" in node.value:
            return node.value
        try:
            return constructor.construct_object(node, deep=True)
        except ValueError:      # 2026-12-32 looks like a date but is none: let the field say so
            return node.value
    if isinstance(node, SequenceNode):
        items = YList()
        items.line = node.start_mark.line + 1
        items.item_lines = []
        for child in node.value:
            items.append(_from_node(child, constructor, kinds))
            items.item_lines.append(child.start_mark.line + 1)
        return items
    if isinstance(node, MappingNode):
        mapping = YMap()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines, mapping.value_lines, mapping.duplicates = {}, {}, []
        for key_node, value_node in node.value:
            key = _from_node(key_node, constructor, kinds)
            if isinstance(key, (list, dict)):
                key = str(key)
            key_line = key_node.start_mark.line + 1
            if key in mapping:
                mapping.duplicates.append((key, key_line))
            mapping[key] = _from_node(value_node, constructor, kinds)
            mapping.key_lines[key] = key_line
            mapping.value_lines[key] = value_node.start_mark.line + 1
        return mapping
    raise TypeError(node)   # pragma: no cover - the composer makes only these three kinds


def read_yaml(text: str, path: str, limits: YamlLimits | None = None) -> Any:
    """Parse one YAML document into plain values whose mappings/lists carry line numbers.

    The composed document is checked against `limits` (aliases expanded, depth) before any
    value is built, so a "billion laughs" file fails in milliseconds.
    """
    import yaml
    from yaml.constructor import SafeConstructor
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode

    try:
        # libyaml's composer keeps the same marks and is about 10× faster than the pure-Python one.
        node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        if node is None:
            return None
        check_document(node, limits or YamlLimits(), path)
        return _from_node(node, SafeConstructor(), (ScalarNode, SequenceNode, MappingNode))
    except yaml.reader.ReaderError as exc:     # NUL and other control characters in the file
        line = text.count("\n", 0, exc.position) + 1 if isinstance(exc.position, int) else None
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character or "?")[:1])
        raise ScheduleError(f"Tệp có ký tự điều khiển U+{code:04X} không được phép.", path=path, line=line,
                            hint="Sửa: xóa ký tự này (thường lẫn vào khi chép từ Word, PDF hay bảng "
                                 "tính), rồi lưu lại tệp") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScheduleError(f"Tệp YAML sai cú pháp: {problem}.", path=path, line=line,
                            hint="Sửa: kiểm tra thụt lề (dùng dấu cách, không dùng Tab), dấu ':' "
                                 "sau mỗi khóa và dấu ngoặc kép quanh giá trị có ':' hoặc '#'") from None


def plain(value: Any) -> Any:
    """Drop the line bookkeeping: YMap → dict, YList → list (recursively)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
