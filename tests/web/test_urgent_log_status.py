"""Phát khẩn cấp through the spool, Đã phát and Báo cáo from the as-run log, Trạng thái."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import yaml
from web_helpers import START

from broadcast.daemon import state_paths
from broadcast.log.asrun import AsRunLog
from broadcast.play.spool import INCOMING, DaemonLock


def test_urgent_is_prepared_confirmed_then_handed_to_the_running_daemon(browser, console):
    sender = browser("duyet")
    info = console.toolkit.library.get("canh_bao_bao_lu")
    example = yaml.safe_load((console.station.root / "scripts_vi/examples/canh_bao_bao_lu.yaml")
                             .read_text(encoding="utf-8"))
    form = {}
    for name, spec in info.variables.items():
        value = example.get(name, "")
        if spec.type == "records":
            for i, row in enumerate(value):
                form.update({f"v.{name}.{i}.{col}": str(cell) for col, cell in row.items()})
        else:
            form[f"v.{name}"] = "\n".join(value) if isinstance(value, list) else str(value)
    prepared = sender.post("/khan-cap/mau/canh_bao_bao_lu", form)
    assert prepared.status_code == 200, prepared.text
    assert "Thông báo khẩn" in prepared.text and "Phát ngay" in prepared.text
    name = re.search(r'name="prepared" value="([^"]+)"', prepared.text).group(1)
    assert sender.get(f"/khan-cap/nghe/{name}").status_code == 200

    unconfirmed = sender.post("/khan-cap/phat", {"prepared": name})
    assert unconfirmed.status_code == 400 and "Chưa xác nhận" in unconfirmed.text and name in unconfirmed.text

    spool_dir = state_paths(console.station)[1]
    lock = DaemonLock(spool_dir)
    lock.acquire()
    try:
        sent = sender.post("/khan-cap/phat", {"prepared": name, "confirm": "yes"})
    finally:
        lock.release()
    assert sent.status_code == 303 and sent.headers["location"] == "/da-phat"
    (meta_file,) = (spool_dir / INCOMING).glob("*.json")
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    assert meta["priority"] == "khan-cap" and (spool_dir / INCOMING / meta["audio"]).is_file()
    assert meta["submitted_at"] == START.isoformat(timespec="seconds")
    assert console.audit.recent()[0]["action"] == "urgent"
    assert sender.post("/khan-cap/phat", {"prepared": "../../var/users.json", "confirm": "yes"}).status_code == 400


def test_the_log_page_shows_a_day_with_filters(browser, console):
    log_path = state_paths(console.station)[0]
    with AsRunLog(log_path) as log:
        row = log.programme_started(programme_id="2026-12-03-sang", day=date(2026, 12, 3), slot="sang",
                                    session="sang", scheduled_at=START.replace(hour=5, minute=30),
                                    title="Chương trình phát thanh buổi sáng",
                                    started_at=START.replace(hour=5, minute=30))
        log.finish(row, "played", START.replace(hour=5, minute=45))
        log.programme_started(programme_id="2026-12-03-chieu", day=date(2026, 12, 3), slot="chieu",
                              session="chieu", scheduled_at=START.replace(hour=17), title="Buổi chiều lỡ",
                              started_at=None, status="missed")
    client = browser("quan-tri")
    page = client.get("/da-phat?ngay=2026-12-03").text
    assert "Chương trình phát thanh buổi sáng" in page and "Đã phát" in page and "Buổi chiều lỡ" in page
    only_missed = client.get("/da-phat?ngay=2026-12-03&trang-thai=missed").text
    assert "Buổi chiều lỡ" in only_missed and "buổi sáng</td>" not in only_missed
    assert "Chưa có gì" in client.get("/da-phat?ngay=04/12/2026").text
    bad = client.get("/da-phat?ngay=31/02/2026")
    assert bad.status_code == 200 and "viết DD/MM/YYYY" in bad.text and 'type="date"' not in bad.text


def test_a_report_is_made_like_the_cli_and_downloaded(browser, console):
    with AsRunLog(state_paths(console.station)[0]) as log:
        row = log.programme_started(programme_id="2026-12-02-sang", day=date(2026, 12, 2), slot="sang",
                                    session="sang", scheduled_at=START.replace(day=2, hour=5, minute=30),
                                    title="Chương trình phát thanh buổi sáng",
                                    started_at=START.replace(day=2, hour=5, minute=30))
        log.finish(row, "played", START.replace(day=2, hour=5, minute=45))
    officer = browser("bien-tap")
    made = officer.post("/bao-cao", {"kind": "month", "month": "2026-12"})
    assert made.status_code == 303
    page = officer.get("/bao-cao").text
    assert "Tháng 12/2026" in page and "report-2026-12.docx" in page and "report-2026-12.md" in page
    docx = officer.get("/bao-cao/tai/report-2026-12.docx")
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    assert "attachment" in docx.headers["content-disposition"]
    xlsx = officer.get("/bao-cao/tai/report-2026-12.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK" and "spreadsheetml" in xlsx.headers["content-type"]
    chart = officer.get("/bao-cao/tai/report-2026-12-bieu-do.png?xem=1")
    assert chart.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert "attachment" not in chart.headers.get("content-disposition", "")
    assert 'src="/bao-cao/tai/report-2026-12-bieu-do.png?xem=1"' in page and ">Biểu đồ<" in page
    bad = officer.post("/bao-cao", {"kind": "month", "month": "13/2026"})
    assert bad.status_code == 400 and "12/2026" in bad.text and "Báo cáo" in bad.text      # said on the page
    for form, slug, label in (({"kind": "month", "month": "11/2026"}, "2026-11", "Tháng 11/2026"),
                              ({"kind": "quarter", "quarter": "Q4/2026"}, "2026-Q4", "Quý IV/2026"),
                              ({"kind": "range", "start": "01/12/2026", "end": "03/12/2026"},
                               "2026-12-01_2026-12-03", "Từ 01/12/2026 đến 03/12/2026")):
        made = officer.post("/bao-cao", form)
        assert made.status_code == 303 and made.headers["location"].endswith(f"#bc-{slug}"), made.text
        assert label in officer.get("/bao-cao").text
    reversed_span = officer.post("/bao-cao", {"kind": "range", "start": "03/12/2026", "end": "01/12/2026"})
    assert reversed_span.status_code == 400 and "--from" not in reversed_span.text


def test_status_page_names_daemon_next_slot_disk_and_engines(browser, console, clock):
    page = browser("quan-tri").get("/trang-thai").text
    assert "không chạy" in page and "chưa có nhịp nào" in page
    assert "17:00 03/12/2026" in page                      # the next slot after 09:00 on 3 December
    assert "GB" in page and "Giọng thử" in page and "eSpeak" in page
    assert "fake" not in page and "Error" not in page and "gaierror" not in page and "/tmp/" not in page
    assert "nhờ người quản trị máy" in page and "systemctl" not in page
    clock.now = START + timedelta(hours=10)
    assert "05:30 04/12/2026" in browser("duyet").get("/trang-thai").text
