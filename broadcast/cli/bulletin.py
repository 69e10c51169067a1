"""`broadcast province bulletin add | cancel | list | from-cap` and `province dashboard`: the province link."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from broadcast.errors import InputError

PROVINCE_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
LEVEL_NAMES = {"khan-cap": "khẩn cấp", "uu-tien": "ưu tiên", "thong-thuong": "thông thường"}

db_option = click.option("--db", "db_path", envvar="BROADCAST_PROVINCE_DB", default="tinh.sqlite",
                         show_default=True, metavar="TỆP", help="Cơ sở dữ liệu bản tin của tỉnh.")
key_option = click.option("--key", "key_path", envvar="BROADCAST_PROVINCE_KEY", metavar="TỆP",
                          help="Khóa ký riêng của tỉnh (tạo bằng 'broadcast province keygen').")


def load_key(key_path: str | None):
    from broadcast.province.signing import load_private_key

    if not key_path:
        raise InputError("cần khóa ký của tỉnh để gửi bản tin",
                         hint="ghi --key TỆP hoặc đặt biến BROADCAST_PROVINCE_KEY")
    return load_private_key(Path(key_path))


@click.group("bulletin")
def bulletin() -> None:
    """Bản tin của tỉnh gửi các xã (thông thường, ưu tiên, khẩn cấp), có ký số.

    \b
    Ví dụ:
      broadcast province bulletin add bao-so-9.yaml --key tinh.key
      broadcast province bulletin cancel bao-so-9 --key tinh.key
      broadcast province bulletin list
      broadcast province bulletin from-cap canh-bao.xml --geocode ISO3166-2=VN-25 -o bao.yaml
    """


@bulletin.command("add")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@db_option
@key_option
@click.option("--province", default="", help="Tên tỉnh ghi trong bản tin.")
@click.option("--check", is_flag=True, help="Chỉ kiểm tra tệp, không ký và không gửi.")
def add(file: Path, db_path: str, key_path: str | None, province: str, check: bool) -> None:
    """Kiểm tra, ký và gửi một bản tin viết bằng YAML (FILE): các xã nhận ngay.

    Lỗi trong tệp được báo kèm số dòng; bản tin sai không được ký.

    \b
    Ví dụ:
      broadcast province bulletin add bao-so-9.yaml --key tinh.key --db tinh.sqlite
      broadcast province bulletin add lich-tiem-chung.yaml --check
    """
    from broadcast.province.bulletins.registry import Registry
    from broadcast.province.bulletins.yamlfile import read_bulletin

    now = datetime.now(PROVINCE_TZ)
    document, recording = read_bulletin(file, tz=PROVINCE_TZ, now=now)
    if check:
        click.echo(f"Tệp {file} hợp lệ: bản tin {LEVEL_NAMES[document['level']]} '{document['id']}'.")
        return
    key = load_key(key_path)
    with Registry(Path(db_path)) as registry:
        signed = registry.add(document, key, now=now, province=province, recording=recording)
    click.echo(f"Đã ký và gửi bản tin số {signed['seq']}: {signed['id']} ({LEVEL_NAMES[signed['level']]}), "
               f"hiệu lực đến {datetime.fromisoformat(signed['expires']):%H:%M %d/%m/%Y}.")


@bulletin.command("cancel")
@click.argument("bulletin_id", metavar="MÃ")
@db_option
@key_option
@click.option("--reason", default="", help="Lý do hủy (ghi vào nhật ký của các xã).")
def cancel(bulletin_id: str, db_path: str, key_path: str | None, reason: str) -> None:
    """Hủy một bản tin đã gửi: các xã thôi phát và thôi lặp lại.

    \b
    Ví dụ:
      broadcast province bulletin cancel bao-so-9 --key tinh.key --reason "Bão đã tan"
    """
    from broadcast.province.bulletins.registry import Registry

    key = load_key(key_path)
    with Registry(Path(db_path)) as registry:
        signed = registry.cancel(bulletin_id, key, now=datetime.now(PROVINCE_TZ), reason=reason)
    click.echo(f"Đã ký và gửi lệnh hủy số {signed['seq']} cho bản tin {bulletin_id}.")


@bulletin.command("from-cap")
@click.argument("source", metavar="TỆP|URL")
@click.option("--geocode", "geocodes", multiple=True, metavar="TÊN=MÃ",
              help="Mã vùng của tỉnh trong cảnh báo, ví dụ ISO3166-2=VN-25 (ghi nhiều lần được).")
@click.option("--polygon", "polygons", multiple=True, metavar="'VĨ,KINH ...'",
              help="Đa giác ranh giới tỉnh: các cặp vĩ độ,kinh độ cách nhau dấu cách, cặp cuối trùng cặp đầu.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Ghi bản nháp ra tệp YAML (mặc định in ra màn hình).")
def from_cap(source: str, geocodes: tuple[str, ...], polygons: tuple[str, ...], output: Path | None) -> None:
    """Soạn bản nháp bản tin (khẩn cấp hoặc ưu tiên) từ một cảnh báo CAP 1.2.

    Cảnh báo sai cấu trúc, có DTD/thực thể XML, không phải cảnh báo thật (Test, Exercise) hoặc
    không liên quan đến vùng của tỉnh (--geocode, --polygon) thì bị từ chối kèm lý do. Bản nháp
    không tự gửi: người có thẩm quyền đọc lại rồi gửi bằng 'bulletin add'.

    \b
    Ví dụ:
      broadcast province bulletin from-cap canh-bao.xml --geocode ISO3166-2=VN-25 -o bao.yaml
      broadcast province bulletin from-cap canh-bao.xml --polygon "17.2,106.5 17.2,107.4 16.1,107.4 16.1,106.5 17.2,106.5"
    """
    from broadcast.atomic import write_text_atomic
    from broadcast.province.bulletins.cap import MAX_BYTES, parse_alert
    from broadcast.province.bulletins.cap_draft import draft

    area = province_area(geocodes, polygons)
    data = _read_source(source, MAX_BYTES)
    text = draft(parse_alert(data, where=source), tz=PROVINCE_TZ, area=area, source=source)
    if not area.configured:
        click.echo("Chú ý: chưa ghi vùng của tỉnh (--geocode, --polygon): không kiểm tra cảnh báo có liên quan.",
                   err=True)
    if output:
        write_text_atomic(output, text)
        click.echo(f"Đã ghi bản nháp {output}: đọc lại rồi gửi bằng 'broadcast province bulletin add {output}'.")
    else:
        click.echo(text, nl=False)


def province_area(geocodes: tuple[str, ...], polygons: tuple[str, ...]):
    """The province as CAP alerts name it, from --geocode TÊN=MÃ and --polygon options."""
    from broadcast.province.bulletins.cap import ProvinceArea, parse_polygon

    codes = set()
    for item in geocodes:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise InputError(f"--geocode '{item}' không đúng dạng TÊN=MÃ", hint="ví dụ --geocode ISO3166-2=VN-25")
        codes.add((name.strip(), value.strip()))
    return ProvinceArea(frozenset(codes), tuple(parse_polygon(p, "--polygon") for p in polygons))


def _read_source(source: str, limit: int) -> bytes:
    """A CAP file's bytes (at most `limit` + 1, to tell it is too big), from a path or an http(s) URL."""
    if source.startswith(("http://", "https://")):
        import urllib.request

        try:
            with urllib.request.urlopen(source, timeout=30) as response:    # noqa: S310 - scheme checked
                return response.read(limit + 1)
        except OSError as exc:
            raise InputError(f"không tải được cảnh báo CAP: {getattr(exc, 'reason', exc)}", path=source) from None
    try:
        with open(source, "rb") as handle:
            return handle.read(limit + 1)
    except OSError as exc:
        raise InputError(f"không đọc được tệp cảnh báo: {exc.strerror}", path=source) from None


@bulletin.command("list")
@db_option
def listing(db_path: str) -> None:
    """Liệt kê các bản tin đã gửi.

    \b
    Ví dụ:
      broadcast province bulletin list --db tinh.sqlite
    """
    from broadcast.province.bulletins.registry import Registry

    if not Path(db_path).is_file():
        raise InputError(f"chưa có cơ sở dữ liệu bản tin '{db_path}'", hint="gửi bản tin đầu tiên bằng "
                         "'broadcast province bulletin add TỆP' hoặc ghi đúng --db")
    with Registry(Path(db_path)) as registry:
        rows = registry.listing()
    if not rows:
        click.echo("Chưa gửi bản tin nào.")
    for row in rows:
        expires = datetime.fromisoformat(row["expires"]).astimezone(PROVINCE_TZ)
        click.echo(f"{row['seq']:>4}  {row['id']:<28} {LEVEL_NAMES[row['level']]:<13} đến {expires:%H:%M %d/%m}"
                   f"  {row['ended']:<8} {row['title']}")


@click.command("dashboard")
@db_option
@click.option("--month", "month_text", metavar="YYYY-MM", help="Bảng tháng theo từng xã (mặc định: chỉ tình hình hiện tại).")
@click.option("--xlsx", "xlsx_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Ghi bảng tháng ra tệp XLSX (cùng --month).")
@click.option("--docx", "docx_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Ghi bảng tháng ra tệp DOCX gửi Sở, khổ A4, có quốc hiệu (cùng --month).")
@click.option("--province", default="", metavar="TÊN", help="Tên tỉnh ghi ở đầu bảng DOCX, ví dụ \"Quảng Trị\".")
@click.option("--json", "as_json", is_flag=True, help="In dạng JSON (tình hình hiện tại).")
def dashboard(db_path: str, month_text: str | None, xlsx_path: Path | None, docx_path: Path | None,
              province: str, as_json: bool) -> None:
    """Tình hình các xã theo báo cáo gửi lên: liên lạc, trạng thái, chương trình, bản tin và độ trễ.

    Trạng thái: đang phát, im lặng (có liên lạc, không phát), mất kết nối (quá 15 phút không
    báo cáo). Trang web cùng nội dung: http://MÁY:CỔNG/bang-dieu-khien của 'province serve --db'.

    \b
    Ví dụ:
      broadcast province dashboard --db tinh.sqlite
      broadcast province dashboard --db tinh.sqlite --month 2026-12 --xlsx thang-12.xlsx
      broadcast province dashboard --db tinh.sqlite --month 2026-12 --docx thang-12.docx --province "Quảng Trị"
    """
    import json
    import re

    from broadcast.atomic import write_bytes_atomic
    from broadcast.province.bulletins.dashboard import ago, communes, days, deliveries, month, status_document
    from broadcast.province.bulletins.reportstore import ReportStore

    if not Path(db_path).is_file():
        raise InputError(f"chưa có cơ sở dữ liệu của tỉnh '{db_path}'", hint="ghi đúng --db (tệp của 'province serve --db')")
    now = datetime.now(PROVINCE_TZ)
    store = ReportStore(Path(db_path))
    try:
        if month_text:
            found = re.fullmatch(r"(\d{4})-(\d{2})", month_text)
            if not found or not 1 <= int(found.group(2)) <= 12:
                raise InputError(f"tháng '{month_text}' không hợp lệ", hint="ghi dạng 2026-12")
            year, number = int(found.group(1)), int(found.group(2))
            if xlsx_path or docx_path:
                from broadcast.province.bulletins.dashboard_page import month_docx_bytes, month_xlsx
                for path, make in ((xlsx_path, lambda: month_xlsx(store, year, number)),
                                   (docx_path, lambda: month_docx_bytes(store, year, number, province=province,
                                                                        made_on=now.date()))):
                    if path:
                        write_bytes_atomic(path, make())
                        click.echo(f"Đã ghi {path}")
                return
            for row in month(store, year, number):
                p50 = "" if row["urgent_delay_p50_s"] is None else f"{row['urgent_delay_p50_s']:.0f}"
                worst = "" if row["urgent_delay_max_s"] is None else f"{row['urgent_delay_max_s']:.0f}"
                click.echo(f"{row['commune']:<16} phát {row['minutes_aired']:>7.1f}/{row['minutes_planned']:<7.1f} phút  "
                           f"bản tin {row['bulletins_aired']:>3}  khẩn {row['urgent']:>2} trễ p50 {p50:>4} s, max {worst:>4} s")
            return
        if xlsx_path or docx_path:
            raise InputError(f"--{'xlsx' if xlsx_path else 'docx'} cần --month",
                             hint="ví dụ: --month 2026-12 --xlsx thang-12.xlsx")
        if as_json:
            click.echo(json.dumps(status_document(store, now), ensure_ascii=False, indent=2))
            return
        rows = communes(store, now)
        if not rows:
            click.echo("Chưa xã nào gửi báo cáo.")
        for c in rows:
            planned = "?" if c.planned_today is None else c.planned_today
            click.echo(f"{c.name:<16} {c.state:<13} {ago(c.last_contact, now):<16} hôm nay {c.aired_today}/{planned}")
        for f in days(store, {}):
            click.echo(f"  ngày {f['date']} {f['commune']:<16} bản dựng {f['fetched_build'] or '?'}, "
                       f"xã tải lúc {f['fetched_at']}")
        for d in deliveries(store):
            delay = "chưa phát" if d["delay_s"] is None else f"trễ {d['delay_s']:.0f} s"
            click.echo(f"  bản tin {d['bulletin']:<24} {d['commune']:<16} {d['state'] or '':<14} {delay}")
    finally:
        store.close()
