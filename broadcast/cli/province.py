"""`broadcast province build | serve | keygen`: every commune's day on one Dask cluster, and its delivery."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from broadcast.cli.common import check_days, parse_day
from broadcast.errors import InputError

PROVINCE_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DEFAULT_PORT = 8790          # Dask's own dashboard default is 8787; stay clear of it


@click.group("province")
def command() -> None:
    """Dựng chương trình cho mọi xã của tỉnh trên một cụm máy Dask, và phát cho các xã tải về.

    \b
    Ví dụ:
      broadcast province keygen /srv/tinh/khoa/tinh.key
      broadcast province build --stations /srv/tinh/xa-* --date 2026-12-07 --key /srv/tinh/khoa/tinh.key
      broadcast province serve --stations /srv/tinh/xa-*
    """


@command.command("build")
@click.option("--stations", "folders", multiple=True, metavar="THƯ_MỤC...",
              help="Thư mục các đài xã (có thể ghi nhiều thư mục sau một --stations).")
@click.argument("more", nargs=-1, metavar="")
@click.option("--stations-from", "listing", metavar="TỆP",
              help="Tệp danh sách thư mục đài, mỗi dòng một thư mục (tính từ thư mục chứa tệp).")
@click.option("--date", "day", metavar="NGÀY", help="Ngày đầu (YYYY-MM-DD hoặc DD/MM/YYYY); mặc định ngày mai.")
@click.option("--days", default=1, show_default=True, type=click.IntRange(1, 62), help="Số ngày liên tiếp.")
@click.option("--scheduler", metavar="ĐỊA_CHỈ",
              help="Bộ lập lịch Dask đang chạy (tcp://máy:8786); không ghi thì dựng trên máy này.")
@click.option("--workers", type=click.IntRange(0, 256), help="Số tiến trình của cụm Dask nhúng trên máy này. Mặc định "
              "(và 0): không dựng cụm, dựng ngay trong tiến trình này, mỗi lõi một xã cùng lúc (trên một máy "
              "thì nhanh hơn cụm).")
@click.option("--key", "key_path", metavar="TỆP", help="Khóa ký riêng của tỉnh (mặc định [province] signing_key).")
@click.option("--force", is_flag=True, help="Dựng lại tất cả, kể cả chương trình không đổi.")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
def build(folders, more, listing, day, days, scheduler, workers, key_path, force, as_json) -> None:
    """Dựng chương trình của mọi xã, như 'broadcast build' ở từng xã: trên máy này, hoặc trên một cụm Dask.

    Mặc định dựng ngay trên máy này, mỗi lõi một xã cùng lúc. Có --scheduler thì chia việc cho
    cụm Dask đang chạy (nhiều máy); --workers N dựng một cụm nhúng N tiến trình trên máy này.
    Nội dung chung của tỉnh (chuyên mục, thông báo) và mọi câu đọc giống nhau chỉ được tổng hợp
    giọng một lần cho cả tỉnh. Một xã có lịch phát sai thì chỉ xã đó không được dựng (kèm lý do);
    các xã khác vẫn được công bố.

    \b
    Ví dụ:
      broadcast province build --stations ../xa-hoa-an ../xa-tan-loi --date 2026-12-07
      broadcast province build --stations-from danh-sach-xa.txt --days 7 --json
      broadcast province build --stations-from danh-sach-xa.txt --scheduler tcp://10.0.0.5:8786
    """
    from broadcast.province.stations import station_set

    stations = station_set([*folders, *more], listing)
    today = datetime.now(PROVINCE_TZ).date()
    first = parse_day(day or "ngay-mai", today)
    check_days(first, days)
    wanted = [first + timedelta(days=n) for n in range(days)]

    def show(outcome) -> None:
        if as_json:
            return
        name = outcome.name or Path(outcome.station).name
        if outcome.ok:
            state = "không đổi" if outcome.unchanged else f"dựng {outcome.encoded}, dùng lại {outcome.reused}"
            click.echo(f"{outcome.day:%d/%m/%Y} {name}: {outcome.programmes} chương trình ({state})")
        else:
            click.echo(f"{outcome.day:%d/%m/%Y} {name}: KHÔNG DỰNG ĐƯỢC: {outcome.message}", err=True)

    if not scheduler and not workers:              # one machine: no cluster (province.inline says why)
        from broadcast.province.inline import build_in_process

        result = build_in_process(stations, wanted, signing_key=key_path, force=force, on_outcome=show)
    else:
        from broadcast.province.graph import build_province, connect

        with connect(scheduler, workers or None) as client:
            result = build_province(stations, wanted, client=client, signing_key=key_path, force=force,
                                    on_outcome=show)
    summary = result.summary()
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        click.echo(f"{summary['published']}/{len(result.outcomes)} ngày-xã đã công bố; "
                   f"{summary['speech_items']} đoạn đọc, {summary['distinct_texts']} đoạn khác nhau, "
                   f"tổng hợp mới {summary['synthesized']}; {summary['seconds']:.1f} s trên "
                   f"{summary['workers']} tiến trình.")
    if result.exit_code:
        raise click.exceptions.Exit(result.exit_code)


@command.command("serve")
@click.option("--stations", "folders", multiple=True, metavar="THƯ_MỤC...", help="Thư mục các đài xã.")
@click.argument("more", nargs=-1, metavar="")
@click.option("--stations-from", "listing", metavar="TỆP", help="Tệp danh sách thư mục đài.")
@click.option("--bind", default="127.0.0.1", show_default=True,
              help="Địa chỉ lắng nghe; mở cho mạng nội bộ của tỉnh thì ghi địa chỉ của máy chủ.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(0, 65535))
@click.option("--db", "db_path", envvar="BROADCAST_PROVINCE_DB", metavar="TỆP",
              help="Cơ sở dữ liệu bản tin và báo cáo của tỉnh (tinh.sqlite): có thì phục vụ cả bản tin "
                   "(/api/bulletins) và nhận báo cáo của các xã.")
def serve(folders, more, listing, bind, port, db_path) -> None:
    """Cho các xã tải chương trình đã dựng qua HTTP (chỉ đọc).

    Mỗi xã có địa chỉ http://MÁY:CỔNG/<tên thư mục xã>; ghi địa chỉ đó vào [province] source
    của xã. Chỉ phục vụ tệp có trong manifest của từng ngày; hỗ trợ tải tiếp (Range).

    \b
    Ví dụ:
      broadcast province serve --stations /srv/tinh/xa-*
      broadcast province serve --stations-from danh-sach-xa.txt --bind 10.0.0.5
      broadcast province serve --stations /srv/tinh/xa-* --db /srv/tinh/tinh.sqlite
    """
    from broadcast.province.serve import make_server
    from broadcast.province.stations import station_set
    from broadcast.station.config import load_station

    served: dict[str, Path] = {}
    province = ""
    for folder in station_set([*folders, *more], listing):
        station = load_station(folder)
        province = province or station.station.province
        if folder.name in served:
            raise InputError(f"hai thư mục đài cùng tên '{folder.name}'", path=str(folder),
                             hint="mỗi xã một tên thư mục riêng (tên đó là địa chỉ tải của xã)")
        served[folder.name] = station.path(station.paths.audio_out)
    try:
        if db_path:
            from broadcast.province.bulletins.server import open_link_server
            server = open_link_server(served, Path(db_path), bind, port, province=province)
        else:
            server = make_server(served, bind, port)
    except OSError as exc:
        raise InputError(f"không mở được cổng {bind}:{port}: {exc.strerror}",
                         hint="chọn cổng khác bằng --port") from None
    host, real_port = server.server_address[:2]
    click.echo(f"Đang phục vụ {len(served)} xã tại http://{host}:{real_port}/ (Ctrl+C để dừng)")
    try:
        server.serve_forever()
    finally:
        server.server_close()


@command.command("keygen")
@click.argument("key_file", type=click.Path(dir_okay=False, path_type=Path))
def keygen(key_file: Path) -> None:
    """Tạo cặp khóa ký của tỉnh: khóa riêng vào KEY_FILE, in khóa công khai cho các xã.

    Khóa riêng chỉ để trên máy chủ tỉnh (quyền 0600). Khóa công khai ghi vào broadcast.toml
    của mỗi xã: [province] public_key = "...".

    \b
    Ví dụ:
      broadcast province keygen /srv/tinh/khoa/tinh.key
    """
    from broadcast.province.signing import generate_key

    public = generate_key(key_file)
    click.echo(f"Đã tạo khóa riêng: {key_file}")
    click.echo("Ghi vào broadcast.toml của mỗi xã:")
    click.echo(f'[province]\npublic_key = "{public}"')


from broadcast.cli.bulletin import bulletin, dashboard  # noqa: E402 - the link's commands in their own module
from broadcast.cli.province_console import console, users  # noqa: E402

command.add_command(bulletin)
command.add_command(dashboard)
command.add_command(console)
command.add_command(users)
