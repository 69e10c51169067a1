"""`broadcast run`: the playout daemon."""

from __future__ import annotations

import click

from broadcast.cli.common import pass_app
from broadcast.daemon import daemon_for_station


@click.command("run")
@pass_app
def command(app) -> None:
    """Chạy trình phát: phát từng chương trình đúng giờ, dựng sẵn ngày mai, nhận thông báo khẩn.

    Lịch lấy từ schedules/ (đọc lại khi tệp thay đổi hoặc khi nhận SIGHUP); nhật ký ghi vào
    var/asrun.sqlite. Khởi động lại không bao giờ phát một buổi hai lần. SIGTERM/Ctrl-C dừng gọn.

    \b
    Ví dụ:
      broadcast run
      systemctl start broadcast      (xem deploy/broadcast.service)
    """
    raise click.exceptions.Exit(daemon_for_station(app.station).run())
