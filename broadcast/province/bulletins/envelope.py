"""A document signed with the province key: `{"document": "<exact JSON text>", "signature": "<base64>"}`.

The signature (Ed25519, through `broadcast.province.signing`, the one module importing
cryptography) covers the exact UTF-8 bytes of the `document` string, so no party has to
re-serialize JSON the same way to check it. `open_envelope` refuses, with a reason the inbox
records: a missing or malformed envelope, an oversized one, a signature that is not the
province's (unsigned, tampered, or signed with another key), and a document of the wrong shape.
Replay and order (`seq`) are the inbox's business: it knows what it has seen.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from broadcast.errors import DeliveryError
from broadcast.province.bulletins.document import MAX_DOCUMENT_BYTES, problems, to_json


class BulletinRefused(DeliveryError):
    """A document the commune does not accept; `reason` is a short code for the refusals table."""

    def __init__(self, message: str, *, reason: str, seq: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.seq = seq


def seal(document: Mapping[str, Any], private_key: Any) -> dict[str, str]:
    """The signed envelope of `document` (already carrying its `seq`)."""
    from broadcast.province.signing import sign

    text = to_json(document)
    return {"document": text, "signature": sign(text.encode("utf-8"), private_key)}


def open_envelope(envelope: Any, public_key: Any) -> dict[str, Any]:
    """The document inside `envelope` once its signature and shape are checked; BulletinRefused otherwise."""
    from broadcast.province.signing import SignatureError, verify

    if not isinstance(envelope, dict) or not isinstance(envelope.get("document"), str):
        raise BulletinRefused("bản tin không có phần tài liệu", reason="malformed")
    text = envelope["document"]
    if len(text.encode("utf-8")) > MAX_DOCUMENT_BYTES:
        raise BulletinRefused("bản tin quá lớn", reason="too-big")
    seq = _peek_seq(text)
    if not isinstance(envelope.get("signature"), str) or not envelope["signature"].strip():
        raise BulletinRefused("bản tin không có chữ ký của tỉnh: không nhận", reason="unsigned", seq=seq)
    try:
        verify(text.encode("utf-8"), envelope["signature"], public_key, where="bản tin")
    except SignatureError:
        raise BulletinRefused("chữ ký bản tin không đúng khóa công khai của tỉnh (bị sửa hoặc ký bằng khóa "
                              "khác): không nhận", reason="bad-signature", seq=seq) from None
    try:
        document = json.loads(text)
    except ValueError:
        raise BulletinRefused("tài liệu bản tin không phải JSON", reason="malformed", seq=seq) from None
    found = problems(document)
    if found:
        raise BulletinRefused(f"bản tin sai cấu trúc: {found[0]}", reason="malformed", seq=seq)
    return document


def _peek_seq(text: str) -> int | None:
    """The sequence number an unchecked document claims (for the refusal record only)."""
    try:
        value = json.loads(text).get("seq")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, int) else None
