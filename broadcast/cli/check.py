"""`broadcast check`: validate the configuration, every template and every schedule file."""

from __future__ import annotations

import click

from broadcast.build import Toolkit
from broadcast.build.checks import check_station
from broadcast.cli.common import pass_app, station_today
from broadcast.cli.zones import probe_device
from broadcast.errors import MultiError, ScheduleError


@click.command("check")
@pass_app
def command(app) -> None:
    """Kiểm tra broadcast.toml, các mẫu trong scripts_vi/ và lịch trong schedules/.

    In mọi lỗi tìm được (tệp, dòng, cách sửa) và các cảnh báo (tệp lịch trống, mẫu chưa có
    ví dụ, thông báo chưa duyệt sẽ phát trong 7 ngày tới, buổi bị bỏ ở vùng đang giờ yên lặng,
    card âm thanh của một vùng không có trên máy này); thoát với mã 2 nếu có lỗi.
    """
    report = check_station(Toolkit.from_station(app.station), today=station_today(app.station))
    for zone in report.zones:                    # a sound card missing here: the zone would be silent
        for spec in zone.outputs:
            if spec.partition(":")[0] == "device":
                ok, why = probe_device(spec.partition(":")[2] or app.station.playout.device)
                if not ok:
                    report.warnings.append(f"Vùng {zone.title} ({zone.name}): đầu ra '{spec}' không dùng được "
                                           f"trên máy này: {why}.")
    for warning in report.warnings:
        app.warn(warning)
    if report.problems:
        raise MultiError([ScheduleError(p) for p in report.problems], summary="Có lỗi cần sửa:")
    click.echo("Cấu hình, mẫu kịch bản và lịch phát đều hợp lệ.")
