"""Forms generated from a template's typed variables, and the form data parsed back into values.

Each variable becomes one field (a list: a text area, one item per line; records: repeatable
rows with one box per field). Values are parsed by `broadcast.render.parse_value`, the same
function the CLI and the schedule loader use, so the message beside a field is the CLI's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from broadcast.render import VarSpec, parse_value

MAX_ROWS = 60              # records rows one form may carry
PLACEHOLDERS = {
    "date": "DD/MM/YYYY, ví dụ 05/12/2026", "time": "ví dụ 7h30", "time_range": "ví dụ 7h30-11h00",
    "date_range": "ví dụ 14/12/2026 đến 18/12/2026", "money": "ví dụ 2.500.000", "phone": "ví dụ 0912 345 678",
    "integer": "một số, ví dụ 3", "text_list": "mỗi dòng một mục",
}
INPUT_MODES = {"integer": "numeric", "money": "numeric", "phone": "tel"}


@dataclass
class Field:
    """One variable as the page shows it."""

    spec: VarSpec
    value: str = ""                                  # text-like fields; text_list: lines
    rows: list[dict[str, str]] = field(default_factory=list)      # records
    error: str = ""
    column_labels: Mapping[str, str] = field(default_factory=dict)   # records: the template's `labels`

    @property
    def columns(self) -> list[tuple[str, str]]:
        """(field, heading) of a records variable: the template's label, else the field name spelled out."""
        return [(f, self.column_labels.get(f) or f.replace("_", " ").capitalize()) for f in self.spec.fields]

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def label(self) -> str:
        return self.spec.label or self.spec.name.replace("_", " ").capitalize()

    @property
    def short_label(self) -> str:
        """'Danh sách công dân' of 'Danh sách công dân: họ tên, thôn, ...' (for messages)."""
        return self.label.split(":")[0].strip()

    @property
    def kind(self) -> str:
        return self.spec.type

    @property
    def placeholder(self) -> str:
        if self.spec.default not in (None, ""):
            return f"để trống: {self.spec.default}"
        return PLACEHOLDERS.get(self.kind, "")

    @property
    def inputmode(self) -> str:
        return INPUT_MODES.get(self.kind, "text")

    @property
    def optional(self) -> bool:
        return not self.spec.required or self.spec.default not in (None, "")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "\n".join(_text(v) for v in value)
    return str(value)


def _row(item: Any, fields: tuple[str, ...]) -> dict[str, str]:
    if isinstance(item, Mapping):
        return {f: _text(item.get(f)) for f in fields}
    parts = [p.strip() for p in str(item).split("|")]
    return {f: parts[i] if i < len(parts) else "" for i, f in enumerate(fields)}


def page_words(item: Field, message: str) -> str:
    """The parser's message in the page's words: the field's label, not the variable's name.

    'thiếu giá trị cho biến 'nguoi_nhan' (...)' → 'Chưa điền danh sách công dân'.
    """
    if message.startswith("thiếu giá trị"):
        short = item.short_label
        return f"Chưa điền {short[:1].lower() + short[1:]}"
    text = message.replace(f"biến '{item.spec.name}'", item.short_label)
    for name, heading in item.columns:
        text = re.sub(rf"\b{re.escape(name)}\b", heading.lower(), text)
    return text[:1].upper() + text[1:]


def fields_for(variables: Mapping[str, VarSpec], values: Mapping[str, Any] | None = None,
               *, extra_rows: int = 1, labels: Mapping[str, Mapping[str, str]] | None = None) -> list[Field]:
    """Fields filled from saved values (an entry being edited), plus empty rows to add to."""
    values = values or {}
    labels = labels or {}
    out = []
    for spec in variables.values():
        raw = values.get(spec.name)
        if spec.type == "records":
            items = raw if isinstance(raw, list) else ([] if raw in (None, "") else [raw])
            rows = [_row(item, spec.fields) for item in items]
            rows += [{f: "" for f in spec.fields} for _ in range(extra_rows)]
            out.append(Field(spec, rows=rows[:MAX_ROWS], column_labels=labels.get(spec.name, {})))
        else:
            out.append(Field(spec, value=_text(raw)))
    return out


def read_form(variables: Mapping[str, VarSpec], form: Mapping[str, str],
              labels: Mapping[str, Mapping[str, str]] | None = None) -> tuple[dict[str, Any], list[Field]]:
    """Values for the template (blank ones left out, so defaults apply) and the fields with errors.

    Form names: `v.NAME` for a variable, `v.NAME.ROW.FIELD` for one cell of a records row. An
    `action` of `remove-row:NAME:ROW` leaves that row out (the page's "Xóa dòng").
    """
    labels = labels or {}
    removed = str(form.get("action", ""))
    values: dict[str, Any] = {}
    shown: list[Field] = []
    for spec in variables.values():
        if spec.type == "records":
            rows = []
            for i in range(MAX_ROWS):
                if removed == f"remove-row:{spec.name}:{i}":
                    continue
                cells = {f: " ".join(str(form.get(f"v.{spec.name}.{i}.{f}", "")).split()) for f in spec.fields}
                if any(cells.values()):
                    rows.append(cells)
            item = Field(spec, rows=rows + [{f: "" for f in spec.fields}], column_labels=labels.get(spec.name, {}))
            raw: Any = rows
        elif spec.type == "text_list":
            lines = [" ".join(line.split()) for line in str(form.get(f"v.{spec.name}", "")).splitlines()]
            raw = [line for line in lines if line]
            item = Field(spec, value="\n".join(raw))
        else:
            raw = " ".join(str(form.get(f"v.{spec.name}", "")).split())
            item = Field(spec, value=raw)
        if raw not in ("", []):
            values[spec.name] = raw
        try:
            parse_value(spec, values.get(spec.name))
        except ValueError as exc:
            item.error = page_words(item, str(exc))
        shown.append(item)
    return values, shown
