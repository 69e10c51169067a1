"""The week page: why a programme needs rebuilding, 'Dựng lại' with progress, a day at a time on a phone."""

from __future__ import annotations

import os
import threading
from datetime import date, timedelta

import pytest
import yaml
from test_workflow_pages import FORM, notice_files

from broadcast.build import build_day

DAY = date(2026, 12, 7)


def _wait(predicate):
    pause = threading.Event()
    for _ in range(1200):                          # bounded by attempts, not by the clock
        if predicate():
            return
        pause.wait(0.05)
    pytest.fail("the background build did not end")


def test_a_stale_programme_says_why_with_both_lengths_and_is_rebuilt_from_the_page(browser, console, clock):
    officer = browser("bien-tap")
    officer.post("/soan/tra_ket_qua", {**FORM, "action": "submit"})
    (path,) = notice_files(console)
    notice_id = yaml.safe_load(path.read_text(encoding="utf-8"))["id"]
    build_day(console.station, DAY, toolkit=console.toolkit, now=clock.now)
    week = officer.get(f"/tuan?tu={DAY.isoformat()}").text
    assert "Cần dựng lại" not in week.split(f'id="ngay-{DAY.isoformat()}"')[1].split("</section>")[0]

    clock.now = clock.now + timedelta(minutes=57)               # approved at 09:57, after the build
    approver = browser("duyet")
    assert approver.post(f"/duyet/{notice_id}", {"action": "approve", "version": "1"}).status_code == 303
    day_part = officer.get(f"/tuan?tu={DAY.isoformat()}").text.split(f'id="ngay-{DAY.isoformat()}"')[1]
    day_part = day_part.split("</section>")[0]
    assert "Cần dựng lại" in day_part and "Vì sao cần dựng lại" in day_part
    assert "Mời nhận kết quả thủ tục&#34; được duyệt lúc 09:57, sau lần dựng lúc 09:00" in day_part
    assert "Mẫu &#34;" not in day_part                          # no template changed since the build
    assert "bản đã dựng dài" in day_part and "bản mới ước tính" in day_part
    assert "không tự dựng lại" in day_part                       # no player runs here
    assert "Dựng lại ngày 07/12" in day_part

    r = officer.post("/tuan/dung-lai", {"ngay": DAY.isoformat()})
    assert r.status_code == 303
    _wait(lambda: console.rebuilder.current.state != "running")
    assert console.rebuilder.current.state == "done", console.rebuilder.current.error
    status = officer.get("/tuan/dung-lai").text
    assert "Đã dựng xong ngày 07/12/2026" in status
    day_part = officer.get(f"/tuan?tu={DAY.isoformat()}").text.split(f'id="ngay-{DAY.isoformat()}"')[1]
    assert "Cần dựng lại" not in day_part.split("</section>")[0]
    assert console.audit.recent()[0]["action"] == "rebuild"


def test_a_template_edited_after_the_build_is_named(browser, console, clock):
    build_day(console.station, DAY, now=clock.now)          # built by another process: the player
    manifest = console.station.path(console.station.paths.audio_out) / DAY.isoformat() / "manifest.json"
    template = console.station.path(console.station.paths.scripts) / "loi_ket.j2"
    template.write_text(template.read_text(encoding="utf-8").replace("lần sau.", "lần sau nữa."), encoding="utf-8")
    later = manifest.stat().st_mtime + 120
    os.utime(template, (later, later))
    day_part = browser("bien-tap").get(f"/tuan?tu={DAY.isoformat()}").text.split(f'id="ngay-{DAY.isoformat()}"')[1]
    assert "Mẫu &#34;Lời kết chương trình&#34; được sửa lúc" in day_part.split("</section>")[0]


def test_a_second_rebuild_waits_for_the_first(console):
    gate = threading.Event()

    def slow(station, day, **kw):
        gate.wait(30)
        raise OSError(28, "No space left on device")

    console.rebuilder._build = slow
    assert console.rebuilder.start(console, DAY) is not None
    assert console.rebuilder.start(console, DAY) is None
    gate.set()
    _wait(lambda: console.rebuilder.current.state != "running")
    assert console.rebuilder.current.state == "failed" and "Errno" not in console.rebuilder.current.error


def test_a_phone_shows_one_day_today_first_with_tabs(browser):
    page = browser("duyet").get("/tuan").text                 # 'today' is Thursday 03/12/2026
    assert 'class="day today shown"' in page and page.count(" shown\"") == 1
    assert 'aria-current="date">Hôm nay 03/12' in page
    other = browser("duyet").get("/tuan?tu=2026-11-30&ngay=2026-12-05").text
    assert 'id="ngay-2026-12-05"' in other and 'class="day shown" id="ngay-2026-12-05"' in other
