"""'Khởi động trình phát': `systemctl start` of the one unit named in `[web] player_unit`, nothing else.

The command is a fixed argument list (no shell), its only variable part the unit name from the
station's own settings, checked against systemd's unit-name characters; nothing a user types
reaches it. The console's account needs the right to start that unit (a polkit rule, see
docs/huong-dan/sua-lich-tren-trang.md and deploy/50-broadcast-player.rules); without it systemctl refuses and the page says who can start it.
"""

from __future__ import annotations

import re
import shutil
import subprocess

UNIT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9@._:-]{0,120}\.service$")
TIMEOUT_S = 30


def unit_ok(unit: str) -> bool:
    return bool(UNIT_NAME.fullmatch(unit or ""))


def start_player(unit: str) -> tuple[bool, str]:
    """Ask systemd to start `unit`; (started, a sentence for the page, in Vietnamese)."""
    if not unit_ok(unit):
        return False, ("Tên dịch vụ trình phát trong cài đặt không hợp lệ; người quản trị máy của đài cần sửa "
                       "mục player_unit (ví dụ broadcast.service).")
    systemctl = shutil.which("systemctl")
    if systemctl is None:
        return False, ("Máy này không có systemd nên bảng điều khiển không khởi động được trình phát; nhờ người "
                       "quản trị máy của đài bật lại trình phát.")
    try:
        done = subprocess.run([systemctl, "start", "--no-ask-password", "--", unit], capture_output=True,
                              text=True, timeout=TIMEOUT_S, check=False, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return False, "Trình phát chưa khởi động xong sau 30 giây; xem lại trang Trạng thái sau ít phút."
    except OSError:
        return False, "Không gọi được systemd; nhờ người quản trị máy của đài bật lại trình phát."
    if done.returncode == 0:
        return True, "Đã khởi động trình phát. Trang Trạng thái sẽ báo 'đang chạy' khi trình phát gửi nhịp đầu tiên."
    if "denied" in (done.stderr or "").lower() or "authentication" in (done.stderr or "").lower():
        return False, ("Máy của đài chưa cho bảng điều khiển quyền khởi động trình phát; nhờ người quản trị máy "
                       "cấp quyền (xem hướng dẫn “Sửa lịch, ghi âm trên trang”) hoặc khởi động lại máy.")
    return False, ("Trình phát không khởi động được; nhờ người quản trị máy của đài xem nhật ký dịch vụ "
                   "hoặc khởi động lại máy.")
