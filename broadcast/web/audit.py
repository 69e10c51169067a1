"""Who did what in the console, and when: an append-only SQLite table in `var/web.sqlite`."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

AUDIT_DB = "web.sqlite"
ACTION_LABELS = {
    "login": "Đăng nhập", "login-failed": "Đăng nhập sai", "logout": "Đăng xuất",
    "save-draft": "Lưu nháp", "submit": "Gửi duyệt", "approve": "Duyệt", "return": "Trả lại",
    "upload": "Tải lên ghi âm", "urgent": "Phát khẩn cấp", "report": "Lập báo cáo",
    "urgent-direct": "Phát khẩn cấp trực tiếp (trình phát không chạy)", "delete": "Xóa nháp",
    "withdraw": "Rút thông báo", "rebuild": "Dựng lại", "user-add": "Thêm tài khoản",
    "user-disable": "Khóa tài khoản", "user-enable": "Mở khóa tài khoản", "user-reset": "Đặt lại mật khẩu",
    "schedule-edit": "Sửa lịch phát", "player-start": "Khởi động trình phát",
    "recording-delete": "Xóa bản ghi", "tune-replace": "Thay nhạc hiệu",
    # the province console (broadcast.province.console)
    "bulletin-draft": "Lưu nháp bản tin", "bulletin-draft-delete": "Xóa nháp bản tin",
    "bulletin-send": "Gửi bản tin", "bulletin-cancel": "Hủy bản tin", "cap-draft": "Nháp từ cảnh báo CAP",
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS audit_target ON audit(target);
"""


class AuditLog:
    """One connection per call: the console's handlers run in a thread pool."""

    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / AUDIT_DB
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10)
        db.row_factory = sqlite3.Row
        return db

    def record(self, at: datetime, user: str, action: str, target: str = "", detail: str = "") -> None:
        with self._connect() as db:
            db.execute("INSERT INTO audit (at, user, action, target, detail) VALUES (?, ?, ?, ?, ?)",
                       (at.isoformat(timespec="seconds"), user, action, target, detail[:500]))
        db.close()

    def recent(self, *, target: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        query = "SELECT at, user, action, target, detail FROM audit"
        args: tuple = ()
        if target is not None:
            query += " WHERE target = ?"
            args = (target,)
        with self._connect() as db:
            rows = [dict(r) for r in db.execute(query + " ORDER BY id DESC LIMIT ?", (*args, limit))]
        db.close()
        for r in rows:
            r["label"] = ACTION_LABELS.get(r["action"], r["action"])
        return rows
