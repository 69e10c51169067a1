"""YAML with line numbers: values files and template headers, read safely and bounded.

YAML 1.2-style scalars (what the officer typed stays what they meant), each mapping key's line
kept for messages, and the bounded-YAML caps applied before any value is built.
"""

from __future__ import annotations

import json
import re
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

import yaml

from broadcast.errors import InputError
from broadcast.station.bounded_yaml import YamlLimits, check_document, read_capped


class _LinedDict(dict):
    """A YAML mapping that remembers the 1-based line of each key (relative to the document)."""

    lines: dict[Any, int]


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2-style scalars: what the officer typed stays what they meant.

    YAML 1.1 reads `7:30` as 450, `2.500` (two thousand five hundred đồng) as 2.5, `no` as
    False and `0234567` as an octal number. Here only plain decimal integers, true/false,
    null and ISO dates are resolved; everything else stays a string for parse_value.
    """


_INT, _FLOAT, _BOOL = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
                       "tag:yaml.org,2002:bool")
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_INT, _FLOAT, _BOOL)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))
_Loader.add_implicit_resolver(_INT, re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"),
                              list("-+0123456789"))


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> _LinedDict:
    loader.flatten_mapping(node)
    result = _LinedDict()
    result.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, Hashable):
            raise yaml.constructor.ConstructorError(
                None, None, "khóa không hợp lệ", key_node.start_mark)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"khóa '{key}' bị lặp lại", key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def _fast_loader() -> type | None:
    """The same loader on libyaml's parser where PyYAML has it (five times faster on headers)."""
    base = getattr(yaml, "CSafeLoader", None)
    if base is None:
        return None
    fast = type("_FastLoader", (base,), {"yaml_implicit_resolvers": _Loader.yaml_implicit_resolvers})
    fast.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
    return fast


_FAST = _fast_loader()

YAMLError = yaml.YAMLError      # what `_bounded_load` raises on bad YAML (PyYAML is imported here only)


def _yaml_problem(exc: yaml.YAMLError) -> tuple[str, int | None]:
    """('lỗi cú pháp YAML: ...', 0-based line) from a PyYAML error."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if not problem.startswith("khóa "):                 # ours (_construct_mapping) read as is
        problem = f"lỗi cú pháp YAML: {problem}"
    return problem, (mark.line if mark is not None else None)


def _bounded_load(text: str, shown: str, limits: YamlLimits) -> Any:
    """`yaml.load` with `_Loader`, refusing alias bombs and deep nesting before any value is built.

    libyaml parses when it is there; a document it refuses is parsed again by the pure-Python
    parser, whose messages (and lines) are the ones the officer is shown.
    """
    if _FAST is not None:
        try:
            return _load_with(_FAST, text, shown, limits)
        except yaml.YAMLError:
            pass
    return _load_with(_Loader, text, shown, limits)


def _load_with(loader_class: type, text: str, shown: str, limits: YamlLimits) -> Any:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        check_document(node, limits, shown)
        return None if node is None else loader.construct_document(node)
    except RecursionError:                              # the pure-Python composer nests by recursion
        raise InputError("các mục lồng nhau quá sâu", path=shown) from None
    finally:
        loader.dispose()


def load_values_file(path: Path, limits: YamlLimits | None = None, *, inside: Sequence[Path] = (),
                     shown: str | None = None) -> dict:
    """Read a data file of variable values (YAML, or JSON by suffix); InputError names file:line.

    `limits` (default `YamlLimits()`) caps the file's size before it is read and a YAML
    document's expanded size before any value is built. Only a regular file is read
    (`broadcast.station.files`), and with `inside` only one within those folders.
    """
    path = Path(path)
    shown = shown or str(path)
    limits = limits or YamlLimits()
    try:
        text = read_capped(path, limits.max_bytes, shown, inside).decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError("không tìm thấy tệp dữ liệu", path=shown) from None
    except UnicodeDecodeError:
        raise InputError("tệp dữ liệu phải được lưu bằng mã UTF-8", path=shown) from None
    except OSError as exc:
        raise InputError(f"không đọc được tệp dữ liệu ({exc.strerror})", path=shown) from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text) if text.strip() else {}
        except json.JSONDecodeError as exc:
            raise InputError(f"lỗi cú pháp JSON: {exc.msg}", path=shown, line=exc.lineno) from None
    else:
        try:
            data = _bounded_load(text, shown, limits)
        except yaml.YAMLError as exc:
            message, line = _yaml_problem(exc)
            raise InputError(message, path=shown,
                             line=None if line is None else line + 1) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError("tệp dữ liệu phải là một bảng 'tên_biến: giá trị'", path=shown, line=1)
    for key in data:
        if not isinstance(key, str):
            line = getattr(data, "lines", {}).get(key)
            raise InputError(f"tên biến '{key}' phải là chữ", path=shown, line=line)
    return dict(data)
