"""The approval workflow of an announcement (pure: entries and people in, entries out).

    nháp (draft) ──gửi duyệt──▶ chờ duyệt (pending) ──duyệt──▶ đã duyệt (approved): airs
        ▲                            │  ▲                              │
        └──── sửa ◀── trả lại (returned, with a comment)               │
                                     └────────── any edit ◀────────────┘

Only `approved` airs when the station requires approval. Nobody approves their own
announcement unless `[web] allow_self_approval` says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from broadcast.errors import InputError

STATUS_LABELS = {"draft": "Nháp", "pending": "Chờ duyệt", "approved": "Đã duyệt", "returned": "Trả lại"}
_REVIEW = ("approved_by", "approved_at", "comment")


def _stamp(now: datetime) -> str:
    return now.isoformat(timespec="seconds")


def edited(previous: Mapping[str, Any] | None, content: Mapping[str, Any], *, author: str, submit: bool,
           now: datetime) -> dict[str, Any]:
    """A new or edited announcement: saved as a draft, or sent for approval.

    Editing an approved announcement sends it back to "chờ duyệt": what airs is always what
    the approver read.
    """
    entry = {**(previous or {}), **content}
    entry.setdefault("author", author)
    was_approved = previous is not None and previous.get("status") == "approved"
    for key in _REVIEW:
        entry.pop(key, None)
    if submit or was_approved:
        entry["status"] = "pending"
        entry["submitted_at"] = _stamp(now)
    else:
        entry["status"] = "draft"
    return entry


def approve(entry: Mapping[str, Any], *, approver: str, now: datetime, allow_self: bool) -> dict[str, Any]:
    _check_reviewable(entry, approver, allow_self)
    out = {**entry, "status": "approved", "approved_by": approver, "approved_at": _stamp(now)}
    out.pop("comment", None)
    return out


def send_back(entry: Mapping[str, Any], *, approver: str, now: datetime, comment: str,
              allow_self: bool) -> dict[str, Any]:
    _check_reviewable(entry, approver, allow_self)
    comment = " ".join(comment.split())
    if not comment:
        raise InputError("trả lại cần ghi lý do", hint="ghi điều cần sửa để người viết biết, ví dụ: sai giờ họp")
    out = {**entry, "status": "returned", "comment": comment[:500]}
    for key in ("approved_by", "approved_at"):
        out.pop(key, None)
    return out


def _check_reviewable(entry: Mapping[str, Any], approver: str, allow_self: bool) -> None:
    status = entry.get("status", "draft")
    if status != "pending":
        raise InputError(f"thông báo đang ở trạng thái '{STATUS_LABELS.get(status, status)}', không phải chờ duyệt")
    if entry.get("author") == approver and not allow_self:
        raise InputError("không tự duyệt thông báo của chính mình",
                         hint="nhờ một lãnh đạo khác duyệt")
