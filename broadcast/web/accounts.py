"""Console accounts: names, roles and argon2 password hashes in `var/users.json` (owner-only).

There is no default account: `broadcast users add NAME --role ROLE` makes the first one.
Each account carries an `epoch` that a password change or a role change bumps, so sessions
signed before the change stop working at once; a password change or a removal also deletes the
account's sessions from the server's table (`broadcast.web.sessions`). A disabled account
(`disabled: true`, set from the console's Tài khoản page) cannot sign in, and disabling bumps the
epoch so its open sessions end; it stays listed and can be enabled again.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from broadcast.atomic import write_text_atomic
from broadcast.errors import BroadcastError, InputError
from broadcast.web.sessions import Sessions

ROLES = {"bien-tap": "Biên tập", "duyet": "Duyệt", "quan-tri": "Quản trị"}
USERS_FILE = "users.json"
MIN_PASSWORD = 8
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
_HASHER = PasswordHasher()
_DUMMY: list[str] = []


def _dummy_hash() -> str:
    """Verifying against this keeps the time of "no such user" equal to "wrong password"."""
    if not _DUMMY:
        _DUMMY.append(_HASHER.hash("không-có-tài-khoản-này"))
    return _DUMMY[0]


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    epoch: int = 1
    disabled: bool = False

    @property
    def role_label(self) -> str:
        return ROLES[self.role]


class Accounts:
    """The accounts file of one station (`var/users.json`, mode 0600)."""

    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / USERS_FILE

    # -- reading -----------------------------------------------------------------------------

    def _read(self) -> dict[str, dict]:
        if not self.path.is_file():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise BroadcastError(f"không đọc được tệp tài khoản: {exc}", path=str(self.path),
                                 hint="khôi phục tệp từ bản sao lưu hoặc xóa và tạo lại tài khoản") from None
        users = data.get("users") if isinstance(data, dict) else None
        return users if isinstance(users, dict) else {}

    def list(self) -> list[Account]:
        return [Account(name, u["role"], int(u.get("epoch", 1)), bool(u.get("disabled")))
                for name, u in sorted(self._read().items())]

    def get(self, name: str) -> Account | None:
        u = self._read().get(name)
        return Account(name, u["role"], int(u.get("epoch", 1)), bool(u.get("disabled"))) if u else None

    def verify(self, name: str, password: str) -> Account | None:
        """The account when the password is right, else None (same work either way)."""
        users = self._read()
        record = users.get(name)
        try:
            _HASHER.verify(record["hash"] if record else _dummy_hash(), password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if record is None or record.get("disabled"):
            return None
        if _HASHER.check_needs_rehash(record["hash"]):
            record["hash"] = _HASHER.hash(password)
            self._write(users)
        return Account(name, record["role"], int(record.get("epoch", 1)))

    # -- changing ----------------------------------------------------------------------------

    def add(self, name: str, role: str, password: str) -> Account:
        name = check_name(name)
        check_role(role)
        check_password(password)
        users = self._read()
        if name in users:
            raise InputError(f"tài khoản '{name}' đã có", hint="đổi mật khẩu: broadcast users passwd " + name)
        users[name] = {"role": role, "hash": _HASHER.hash(password), "epoch": 1}
        self._write(users)
        return Account(name, role, 1)

    def set_password(self, name: str, password: str) -> Account:
        check_password(password)
        users = self._read()
        record = self._existing(users, name)
        record["hash"] = _HASHER.hash(password)
        record["epoch"] = int(record.get("epoch", 1)) + 1
        self._write(users)
        Sessions(self.path.parent).close_all(name)
        return Account(name, record["role"], record["epoch"])

    def set_disabled(self, name: str, disabled: bool) -> Account:
        """Disable (sessions end at once) or enable an account; its password is kept."""
        users = self._read()
        record = self._existing(users, name)
        if disabled:
            record["disabled"] = True
        else:
            record.pop("disabled", None)
        record["epoch"] = int(record.get("epoch", 1)) + 1
        self._write(users)
        return Account(name, record["role"], record["epoch"], disabled)

    def remove(self, name: str) -> None:
        users = self._read()
        self._existing(users, name)
        del users[name]
        self._write(users)
        Sessions(self.path.parent).close_all(name)      # a new account of the same name starts clean

    def _existing(self, users: dict, name: str) -> dict:
        if name not in users:
            known = ", ".join(sorted(users)) or "chưa có tài khoản nào"
            raise InputError(f"không có tài khoản '{name}'", hint=f"các tài khoản: {known}")
        return users[name]

    def _write(self, users: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(self.path, json.dumps({"users": users}, ensure_ascii=False, indent=2) + "\n")
        if os.name == "posix":
            os.chmod(self.path, 0o600)


def check_name(name: str) -> str:
    name = name.strip()
    if not _NAME.fullmatch(name):
        raise InputError(f"tên tài khoản '{name}' không hợp lệ",
                         hint="dùng chữ thường không dấu, số, dấu chấm hoặc gạch ngang, 2-32 ký tự, ví dụ can-bo-vh")
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InputError(f"vai trò '{role}' không có", hint="chọn một trong: " + ", ".join(ROLES))
    return role


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InputError(f"mật khẩu quá ngắn (cần ít nhất {MIN_PASSWORD} ký tự)")
    return password
