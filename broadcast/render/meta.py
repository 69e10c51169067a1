"""Template metadata: the `{#--- ... ---#}` YAML header of a script, checked key by key."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from broadcast.errors import InputError, TemplateError
from broadcast.model import ItemKind, Priority
from broadcast.render.types import (
    VAR_TYPES,
    VarSpec,
    did_you_mean,
    is_blank,
    parse_value,
)
from broadcast.render.yaml_lines import YAMLError, _bounded_load, _yaml_problem
from broadcast.station.bounded_yaml import YamlLimits

META_OPEN, META_CLOSE = "{#---", "---#}"
META_KEYS = ("title", "kind", "tags", "priority", "repeat", "description", "variables")
SPEC_KEYS = ("type", "label", "required", "default", "fields", "labels")
TEMPLATE_KINDS = tuple(k.value for k in ItemKind if k not in (ItemKind.TUNE, ItemKind.RELAY))
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_TAG = re.compile(r"[a-z0-9][a-z0-9-]*")


@dataclass(frozen=True)
class TemplateInfo:
    """What a template declares about itself."""

    name: str
    path: Path
    title: str
    kind: str
    tags: tuple[str, ...]
    priority: Priority
    repeat: int
    variables: Mapping[str, VarSpec]
    description: str = ""
    # Column headings of a records variable, as the page shows them: {"nguoi_nhan": {"ho_ten": "Họ tên"}}.
    field_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


def _parse_metadata(path: Path, source: str, fail: Callable[..., TemplateError],
                    reserved: set[str]) -> TemplateInfo:
    stripped = source.lstrip()
    if not stripped.startswith(META_OPEN):
        raise fail(f"mẫu phải mở đầu bằng phần khai báo {META_OPEN} ... {META_CLOSE} "
                   "(xem docs/formats.md, mục Templates)", 1)
    start = len(source) - len(stripped) + len(META_OPEN)
    end = source.find(META_CLOSE, start)
    if end < 0:
        raise fail(f"phần khai báo chưa có dòng đóng {META_CLOSE}", 1)
    offset = source.count("\n", 0, start) + 1           # 1-based line of the YAML's first line
    try:
        meta = _bounded_load(source[start:end], str(path), YamlLimits(max_nodes=20_000, max_aliases=100))
    except InputError as exc:
        raise fail(f"phần khai báo: {exc.message}", offset + (exc.line or 1) - 1) from None
    except YAMLError as exc:
        message, line = _yaml_problem(exc)
        raise fail(message, None if line is None else offset + line) from None
    if not isinstance(meta, dict):
        raise fail("phần khai báo phải là các dòng 'khóa: giá trị' (title, kind, ...)", offset)

    def line_of(mapping: Any, key: Any, fallback: int | None = None) -> int:
        """Line of `key` in `mapping`; `fallback` (or the metadata's first line) when absent."""
        line = getattr(mapping, "lines", {}).get(key)
        if line is None:
            return fallback if fallback is not None else offset
        return offset + line - 1

    for key in meta:
        if key not in META_KEYS:
            raise fail(f"khóa lạ '{key}' trong phần khai báo", line_of(meta, key),
                       did_you_mean(str(key), META_KEYS) or f"các khóa hợp lệ: {', '.join(META_KEYS)}")
    for key in ("title", "kind"):
        if is_blank(meta.get(key)):
            raise fail(f"phần khai báo thiếu '{key}'", offset)

    title = meta["title"]
    if not isinstance(title, str):
        raise fail("'title' phải là chữ", line_of(meta, "title"))
    kind = str(meta["kind"]).strip()
    if kind not in TEMPLATE_KINDS:
        raise fail(f"kind '{kind}' không hợp lệ", line_of(meta, "kind"),
                   did_you_mean(kind, TEMPLATE_KINDS) or f"chọn một trong: {', '.join(TEMPLATE_KINDS)}")

    try:
        priority = Priority.parse(meta.get("priority") or Priority.THUONG.value)
    except ValueError:
        raise fail(f"priority '{meta['priority']}' không hợp lệ", line_of(meta, "priority"),
                   did_you_mean(str(meta["priority"]), [p.value for p in Priority])
                   or "chọn một trong: thuong, uu-tien, khan-cap") from None

    repeat = meta.get("repeat", 1)
    if isinstance(repeat, bool) or not isinstance(repeat, int) or not 1 <= repeat <= 10:
        raise fail(f"repeat phải là số lần đọc từ 1 đến 10, nhận được {repeat!r}",
                   line_of(meta, "repeat"))

    tags = meta.get("tags") or []
    if isinstance(tags, str):
        tags = [tags]
    if not isinstance(tags, list) or not all(isinstance(t, str) and _TAG.fullmatch(t) for t in tags):
        raise fail("tags phải là danh sách nhãn viết thường, không dấu, ví dụ [yte, tiem-chung]",
                   line_of(meta, "tags"))

    description = meta.get("description") or ""
    if not isinstance(description, str):
        raise fail("'description' phải là chữ", line_of(meta, "description"))

    variables_meta = meta.get("variables") or {}
    if not isinstance(variables_meta, dict):
        raise fail("variables phải là các dòng 'tên_biến: {type: ...}'", line_of(meta, "variables"))
    variables = {}
    field_labels = {}
    for name, raw_spec in variables_meta.items():
        line = line_of(variables_meta, name)
        variables[name] = _parse_spec(name, raw_spec, line, line_of, fail, reserved)
        if isinstance(raw_spec, dict) and raw_spec.get("labels") is not None:
            field_labels[name] = _field_labels(variables[name], raw_spec, line_of(raw_spec, "labels", line), fail)

    return TemplateInfo(name=path.stem, path=path, title=title.strip(), kind=kind,
                        tags=tuple(tags), priority=priority, repeat=repeat,
                        variables=MappingProxyType(variables), description=description.strip(),
                        field_labels=MappingProxyType(field_labels))


def _field_labels(spec: VarSpec, raw_spec: dict, line: int, fail: Callable[..., TemplateError]) -> Mapping[str, str]:
    """`labels: {ho_ten: Họ tên, thon: Thôn}`: a heading for each field of a records variable."""
    labels = raw_spec["labels"]
    if spec.type != "records":
        raise fail(f"'labels' chỉ dùng cho kiểu records, biến '{spec.name}' là {spec.type}", line)
    if not isinstance(labels, dict) or not all(isinstance(v, str) and v.strip() for v in labels.values()):
        raise fail(f"'labels' của biến '{spec.name}' phải là các dòng 'trường: Tên cột', "
                   "ví dụ {ho_ten: Họ tên, thon: Thôn}", line)
    for key in labels:
        if key not in spec.fields:
            raise fail(f"'labels' của biến '{spec.name}' có trường lạ '{key}'", line,
                       did_you_mean(str(key), spec.fields) or f"các trường: {', '.join(spec.fields)}")
    return MappingProxyType({str(k): str(v).strip() for k, v in labels.items()})


def _parse_spec(name: Any, raw_spec: Any, line: int, line_of: Callable[..., int],
                fail: Callable[..., TemplateError], reserved: set[str]) -> VarSpec:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise fail(f"tên biến '{name}' không hợp lệ: dùng chữ thường không dấu, số và '_', "
                   "ví dụ ngay_tiem", line)
    if name in reserved:
        raise fail(f"'{name}' là biến chung của đài, không khai báo lại trong variables", line)
    if isinstance(raw_spec, str):                      # shorthand: `ngay: date`
        raw_spec = {"type": raw_spec}
    if not isinstance(raw_spec, dict):
        raise fail(f"biến '{name}' phải khai báo dạng {{type: ..., label: ...}}", line)
    for key in raw_spec:
        if key not in SPEC_KEYS:
            raise fail(f"khóa lạ '{key}' trong khai báo biến '{name}'", line_of(raw_spec, key),
                       did_you_mean(str(key), SPEC_KEYS) or f"các khóa hợp lệ: {', '.join(SPEC_KEYS)}")
    vtype = raw_spec.get("type")
    if vtype not in VAR_TYPES:
        raise fail(f"biến '{name}' có kiểu lạ '{vtype}'", line_of(raw_spec, "type", line),
                   did_you_mean(str(vtype), VAR_TYPES) or f"các kiểu: {', '.join(VAR_TYPES)}")
    required = raw_spec.get("required", True)
    if not isinstance(required, bool):
        raise fail(f"'required' của biến '{name}' phải là true hoặc false", line_of(raw_spec, "required", line))
    label = raw_spec.get("label") or ""
    fields = raw_spec.get("fields") or []
    if vtype == "records":
        if not isinstance(fields, list) or not fields or not all(
                isinstance(f, str) and _NAME.fullmatch(f) for f in fields):
            raise fail(f"biến '{name}' kiểu records cần 'fields: [ho_ten, thon, ...]' "
                       "(tên trường viết thường, không dấu)", line_of(raw_spec, "fields", line))
        if len(set(fields)) != len(fields):
            raise fail(f"biến '{name}' có tên trường bị lặp", line_of(raw_spec, "fields", line))
    elif fields:
        raise fail(f"'fields' chỉ dùng cho kiểu records, biến '{name}' là {vtype}",
                   line_of(raw_spec, "fields", line))
    default = raw_spec.get("default")
    spec = VarSpec(name=name, type=vtype, label=str(label).strip(), required=required,
                   default=default, fields=tuple(fields), line=line)
    if default is not None:
        try:
            parse_value(spec, default)
        except ValueError as exc:
            raise fail(f"giá trị mặc định sai: {exc}", line_of(raw_spec, "default", line)) from None
    return spec
