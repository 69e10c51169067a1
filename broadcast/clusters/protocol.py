"""The words station and receivers both speak: signed requests, signed documents, pairing codes.

A receiver signs every request with its own Ed25519 key: the signature covers the method, the
path with its query, the time, a random nonce and the SHA-256 of the body, so a request cannot be
replayed (the station keeps the nonces it saw for `MAX_SKEW_S` either side) or altered in transit.
The station signs what it serves (each zone's day manifest, every push) with its own key, which
the receiver pinned when it paired: nobody else on the 4G network can put audio on the village's
loudspeakers.

Standard library and `cryptography` only: the receiver imports this on a small computer.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

HEADER_CLUSTER = "X-Broadcast-Cluster"
HEADER_TIME = "X-Broadcast-Time"
HEADER_NONCE = "X-Broadcast-Nonce"
HEADER_SIGNATURE = "X-Broadcast-Signature"
MAX_SKEW_S = 300                   # a request older or newer than this is refused (replay window)
PAIRING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"   # no 0/O, 1/I: read over the phone
PAIRING_LENGTH = 10


def new_pairing_code() -> str:
    """A one-time pairing code, grouped for reading aloud: 'K7QF-M2PX-9C'."""
    raw = "".join(secrets.choice(PAIRING_ALPHABET) for _ in range(PAIRING_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def normal_code(code: str) -> str:
    """A code as typed (lower case, spaces, dashes) in the form it is stored."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def code_digest(code: str) -> str:
    return hashlib.sha256(normal_code(code).encode("ascii", "replace")).hexdigest()


def public_text(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def load_public(text: str) -> Ed25519PublicKey:
    """ValueError when `text` is not a base64 Ed25519 public key."""
    raw = base64.b64decode(text.strip(), validate=True)
    return Ed25519PublicKey.from_public_bytes(raw)


def private_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def load_private(pem: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("not an Ed25519 key")
    return key


def request_message(method: str, path: str, stamp: str, nonce: str, body: bytes) -> bytes:
    """What a receiver signs for one request."""
    return "\n".join([method.upper(), path, stamp, nonce, hashlib.sha256(body).hexdigest()]).encode("utf-8")


def signed_headers(name: str, key: Ed25519PrivateKey, method: str, path: str, body: bytes = b"",
                   now: float | None = None) -> dict[str, str]:
    """The headers that authenticate one request of the cluster `name` (path with its query)."""
    stamp = str(int(time.time() if now is None else now))
    nonce = secrets.token_hex(16)
    signature = key.sign(request_message(method, path, stamp, nonce, body))
    return {HEADER_CLUSTER: name, HEADER_TIME: stamp, HEADER_NONCE: nonce,
            HEADER_SIGNATURE: base64.b64encode(signature).decode("ascii")}


def check_request(headers: Mapping[str, str], public_key: Ed25519PublicKey, method: str, path: str,
                  body: bytes, now: float) -> str | None:
    """None when the request is signed by `public_key` within the time window; else why not (Vietnamese)."""
    try:
        stamp = int(headers.get(HEADER_TIME, ""))
    except ValueError:
        return "thiếu thời điểm ký"
    if abs(now - stamp) > MAX_SKEW_S:
        return f"thời điểm ký lệch {int(now - stamp)} giây so với đài (đồng hồ của cụm loa sai, hoặc yêu cầu bị gửi lại)"
    nonce = headers.get(HEADER_NONCE, "")
    if not 8 <= len(nonce) <= 64:
        return "thiếu mã dùng một lần"
    try:
        signature = base64.b64decode(headers.get(HEADER_SIGNATURE, ""), validate=True)
        public_key.verify(signature, request_message(method, path, str(stamp), nonce, body))
    except (ValueError, InvalidSignature):
        return "chữ ký không đúng với khóa của cụm loa"
    return None


def canonical(document: Mapping[str, Any]) -> bytes:
    """The exact bytes a document is signed and sent as."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def sign_bytes(data: bytes, key: Ed25519PrivateKey) -> str:
    return base64.b64encode(key.sign(data)).decode("ascii")


def verify_bytes(data: bytes, signature: str, key: Ed25519PublicKey) -> bool:
    try:
        key.verify(base64.b64decode(signature.strip(), validate=True), data)
    except (ValueError, InvalidSignature):
        return False
    return True
