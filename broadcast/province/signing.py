"""Ed25519 signatures on published days: the province signs each manifest, every commune checks it.

One key pair per province. The private key (PEM, PKCS#8) stays on the province's servers; the
public key is 32 bytes written in base64, the form a commune puts in its broadcast.toml:

    [province]
    public_key = "q0Gm...="

A day's signature is `manifest.json.sig` beside `manifest.json`: the base64 Ed25519 signature
of the manifest file's exact bytes. The manifest names every programme file with its SHA-256
and size, so one signature covers the whole day, its `generated_at` included: `fetch` orders two
builds of a day by it and refuses the older (no rollback).
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from broadcast.atomic import write_text_atomic
from broadcast.errors import ConfigError, DeliveryError, InputError
from broadcast.publish.day import MANIFEST, SIGNATURE
from broadcast.publish.staging import current_umask


class SignatureError(DeliveryError):
    """A day whose signature does not match the province's public key: it is never installed."""


def generate_key(private_path: Path) -> str:
    """Write a new private key to `private_path` (mode 0600, refused if it exists); return the public key."""
    private_path = Path(private_path)
    if private_path.exists():
        raise InputError(f"tệp khóa '{private_path}' đã có", path=str(private_path),
                         hint="giữ khóa cũ (các xã đang dùng khóa công khai của nó) hoặc chọn tên khác")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    private_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return public_key_text(key.public_key())


def public_key_text(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    except OSError as exc:
        raise ConfigError(f"không đọc được tệp khóa ký: {exc.strerror}", path=str(path),
                          hint="tạo khóa bằng 'broadcast province keygen TỆP'") from None
    except (ValueError, TypeError):
        raise ConfigError("tệp khóa ký không phải khóa Ed25519", path=str(path),
                          hint="tạo khóa bằng 'broadcast province keygen TỆP'") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError("tệp khóa ký không phải khóa Ed25519", path=str(path))
    return key


def load_public_key(text: str) -> Ed25519PublicKey:
    """The public key from broadcast.toml's [province] public_key."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError):
        raise ConfigError("[province] public_key không phải khóa công khai Ed25519 (base64, 32 byte)",
                          hint="chép đúng dòng khóa công khai do tỉnh cấp") from None


def sign(manifest_bytes: bytes, key: Ed25519PrivateKey) -> str:
    return base64.b64encode(key.sign(manifest_bytes)).decode("ascii")


def verify(manifest_bytes: bytes, signature_text: str, public_key: Ed25519PublicKey, *, where: str) -> None:
    """SignatureError unless `signature_text` is the province's signature of exactly these bytes."""
    try:
        signature = base64.b64decode(signature_text.strip(), validate=True)
        public_key.verify(signature, manifest_bytes)
    except (binascii.Error, ValueError, InvalidSignature):
        raise SignatureError("chữ ký của ngày chương trình không đúng với khóa công khai của tỉnh: "
                             "không nhận ngày này, giữ nguyên chương trình đang có", path=where,
                             hint="báo cho trung tâm của tỉnh; có thể tệp đã bị sửa trên đường truyền") from None


def sign_day(directory: Path, key_path: Path) -> None:
    """Write `manifest.json.sig` for the manifest in `directory` (a staging folder before its swap)."""
    key = load_private_key(key_path)
    manifest = (Path(directory) / MANIFEST).read_bytes()
    write_text_atomic(Path(directory) / SIGNATURE, sign(manifest, key) + "\n")


def ensure_signed(directory: Path, key_path: Path) -> bool:
    """Sign a published day in place unless its signature already matches; True when it wrote one."""
    key = load_private_key(key_path)
    manifest = (Path(directory) / MANIFEST).read_bytes()
    try:
        verify(manifest, (Path(directory) / SIGNATURE).read_text(encoding="ascii"), key.public_key(),
               where=str(directory))
        return False
    except (OSError, SignatureError):
        write_text_atomic(Path(directory) / SIGNATURE, sign(manifest, key) + "\n")
        if os.name == "posix":                      # in a published day: readable as its other files are
            os.chmod(Path(directory) / SIGNATURE, 0o666 & ~current_umask())
        return True
