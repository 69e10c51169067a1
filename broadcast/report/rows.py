"""Reading one as-run row for the report: its date, duration, origin, tags, in forgiving types."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any


def _row_date(row: Mapping, warnings: list[str]) -> date | None:
    raw = row.get("date")
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        warnings.append(f"Dòng nhật ký có ngày không hợp lệ '{raw}': bỏ qua.")
        return None


def _duration(row: Mapping) -> float:
    raw = row.get("duration_s")
    if raw is not None:
        try:
            return max(0.0, float(raw))
        except (TypeError, ValueError):
            pass
    start, end = row.get("started_at"), row.get("ended_at")
    if start and end:
        try:
            return max(0.0, (datetime.fromisoformat(str(end)) - datetime.fromisoformat(str(start)))
                       .total_seconds())
        except (TypeError, ValueError):
            return 0.0
    return 0.0


def _origin(row: Mapping) -> str:
    """As-run origin; logs written before the column existed hold only scheduled playout."""
    return str(row.get("origin") or "scheduled")


def _elapsed(row: Mapping) -> float:
    """Seconds between a row's start and end (0 when either is missing): what a cut programme aired."""
    try:
        return max(0.0, (datetime.fromisoformat(str(row["ended_at"]))
                         - datetime.fromisoformat(str(row["started_at"]))).total_seconds())
    except (KeyError, TypeError, ValueError):
        return 0.0


def _repeat(row: Mapping) -> int:
    return max(1, _int(row.get("repeat"), 1))


def _int(raw: Any, default: int = 0) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return default


def _tags(row: Mapping) -> tuple[str, ...]:
    raw = row.get("tags") or ()
    if isinstance(raw, str):
        raw = _maybe_json_list(raw)
        if isinstance(raw, str):
            raw = raw.split(",")
    return tuple(dict.fromkeys(t.strip() for t in raw if isinstance(t, str) and t.strip()))


def _content_key(row: Mapping) -> str:
    if row.get("item_kind") == "chuyen-muc" and row.get("episode"):
        return str(row["episode"])
    return str(row.get("item_id") or row.get("title") or row.get("id"))


def _hhmm(raw: Any) -> str:
    try:
        return f"{datetime.fromisoformat(str(raw)):%H:%M}"
    except (TypeError, ValueError):
        return ""


def _minutes(seconds: float) -> float:
    return round(seconds / 60.0, 1)


def _nfc(text: Any) -> str:
    return unicodedata.normalize("NFC", str(text)) if text is not None else ""


def _clean(text: str) -> str:
    return " ".join(_nfc(text).split())


def _fold(text: str) -> str:
    return _clean(text).casefold()


def _maybe_json_list(value: Any) -> Any:
    """Values are stored as strings: a list may arrive JSON-encoded ("[...]")."""
    if isinstance(value, str) and value.lstrip().startswith("["):
        try:
            decoded = json.loads(value)
        except ValueError:
            return value
        return decoded if isinstance(decoded, list) else value
    return value
