"""Lịch phát: slots, calendar and column rotation edited from the page, written back keeping the files' comments."""

from __future__ import annotations

import re
from html import unescape

import pytest

from broadcast.schedule import load_schedule


def slots_file(console):
    return console.store.schedules_dir / "slots.yaml"


def calendar_file(console):
    return console.store.schedules_dir / "calendar.yaml"


def version_in(html: str, form_id: str) -> str:
    chunk = html[html.index(f'id="{form_id}"'):]
    marker = 'name="version" value="'
    start = chunk.index(marker) + len(marker)
    return chunk[start:chunk.index('"', start)]


SANG = {"title": "Chương trình phát thanh buổi sáng", "start": "06:00", "days": ["1", "2", "3", "4", "5"],
        "max_minutes": "30", "on_holiday": "off",
        "structure": ["nhac-hieu", "mo-dau", "chuyen-muc", "thong-bao", "loi-ket", "nhac-hieu", "", ""]}


def post_slot(client, name, changes, version=None):
    page = client.get("/lich-phat").text
    data = {**SANG, **changes, "version": version or version_in(page, f"buoi-{name}")}
    return client.post(f"/lich-phat/buoi/{name}", data)


def test_saving_a_slot_rewrites_only_its_values_and_keeps_the_comments(browser, console):
    admin = browser("quan-tri")
    before = slots_file(console).read_text(encoding="utf-8")
    response = post_slot(admin, "sang", {})
    assert response.status_code == 303, response.text[:500]
    after = slots_file(console).read_text(encoding="utf-8")
    assert after.splitlines()[:3] == before.splitlines()[:3]            # the officer's comments
    assert 'start: "06:00"' in after and "days: [thu-hai, thu-ba, thu-tu, thu-nam, thu-sau]" in after
    assert after.count("\n") == before.count("\n")
    chieu_before = before[before.index("- name: chieu"):]
    assert after.endswith(chieu_before)                                 # the other slot byte for byte
    slot = next(s for s in console.store.schedule().slots if s.name == "sang")
    assert f"{slot.start:%H:%M}" == "06:00" and slot.days == frozenset({1, 2, 3, 4, 5})
    assert "Sửa lịch phát" in admin.get("/quan-tri").text
    assert 'href="/lich-phat"' in admin.get("/tuan").text


BAD_SLOTS = [
    ({"start": "25:00"}, "Giờ bắt đầu '25:00' không hợp lệ"),
    ({"start": "5h75"}, "Giờ bắt đầu '5h75' không hợp lệ"),
    ({"start": ""}, "Nhập giờ bắt đầu"),
    ({"days": []}, "Chọn ít nhất một ngày"),
    ({"days": ["8"]}, "Ngày trong tuần không hợp lệ"),
    ({"max_minutes": "0"}, "Thời lượng tối đa là số phút"),
    ({"max_minutes": "ba mươi"}, "Thời lượng tối đa là số phút"),
    ({"structure": ["nhac-hieu", "quang-cao"]}, "Phần 'quang-cao' không có trong chương trình"),
    ({"structure": ["", ""]}, "Chọn ít nhất một phần"),
    ({"on_holiday": "maybe"}, "Chọn cách phát ngày lễ"),
    ({"title": ""}, "Nhập tên buổi phát"),
    # the loader's cross check: 16:50 + 30 min runs into the 17:00 slot
    ({"start": "16:50"}, "Buổi sáng (16:50, dài tối đa 30 phút, kéo đến 17:20) trùng giờ với buổi chiều (17:00)"),
]


@pytest.mark.parametrize(("changes", "message"), BAD_SLOTS, ids=[m for _, m in BAD_SLOTS])
def test_a_bad_slot_is_refused_on_the_form_and_the_file_is_unchanged(browser, console, changes, message):
    admin = browser("quan-tri")
    before = slots_file(console).read_bytes()
    response = post_slot(admin, "sang", changes)
    assert response.status_code == 400
    assert message in unescape(response.text)
    assert 'aria-invalid="true"' in response.text                     # beside its field
    assert slots_file(console).read_bytes() == before
    assert "slots.yaml" not in response.text and "Traceback" not in response.text
    said = " ".join(messages(response.text))
    for leak in ("max_minutes", "'sang'", "'chieu'", ".yaml", "structure", "Sửa:"):
        assert leak not in said, (leak, said)


def messages(html: str) -> list[str]:
    """What the page says about the problem: the field errors and the boxes above the form."""
    text = unescape(html)
    return (re.findall(r'<p class="field-error"[^>]*>([^<]*)<', text)
            + re.findall(r'<div class="error-box" role="alert">(.*?)</div>', text, re.S))


def test_a_concurrent_edit_is_refused_and_the_typed_values_stay(browser, console):
    admin, other = browser("quan-tri"), browser("quan-tri")
    old = version_in(admin.get("/lich-phat").text, "buoi-sang")
    assert post_slot(other, "chieu", {"title": "Buổi chiều", "start": "17:30", "days": ["6", "7"],
                                      "max_minutes": "20", "on_holiday": "festive"}).status_code == 303
    mine = slots_file(console).read_bytes()
    response = post_slot(admin, "sang", {"start": "06:15"}, version=old)
    assert response.status_code == 409
    assert "vừa được người khác sửa" in response.text and 'value="06:15"' in response.text
    assert slots_file(console).read_bytes() == mine


def test_adding_and_deleting_a_slot(browser, console):
    admin = browser("quan-tri")
    page = admin.get("/lich-phat").text
    data = {**SANG, "title": "Chương trình phát thanh buổi trưa", "start": "11:15", "days": ["7"],
            "max_minutes": "15", "version": version_in(page, "buoi-moi")}
    assert admin.post("/lich-phat/buoi", data).status_code == 303
    names = [s.name for s in console.store.schedule().slots]
    assert "buoi-1115" in names
    page = admin.get("/lich-phat").text
    assert "Buổi trưa 11:15" in page
    response = admin.post("/lich-phat/buoi/buoi-1115/xoa", {"version": version_in(page, "buoi-buoi-1115")})
    assert response.status_code == 303
    assert "buoi-1115" not in [s.name for s in console.store.schedule().slots]


def test_a_slot_a_column_uses_cannot_be_deleted(browser, console):
    admin = browser("quan-tri")
    page = admin.get("/lich-phat").text
    before = slots_file(console).read_bytes()
    response = admin.post("/lich-phat/buoi/sang/xoa", {"version": version_in(page, "buoi-sang")})
    assert response.status_code == 400
    said = " ".join(messages(response.text))
    assert "Chưa xóa buổi sáng" in said and "chuyên mục “Cải cách hành chính”" in said, said
    assert "thông báo “Thông báo tiêm chủng mở rộng sáng nay”" in said
    assert slots_file(console).read_bytes() == before


def test_calendar_days_added_and_removed(browser, console):
    admin = browser("quan-tri")
    page = admin.get("/lich-phat").text
    version = version_in(page, "ngay-moi")
    response = admin.post("/lich-phat/ngay", {"date": "02/01/2027", "kind": "nghi", "reason": "Nghỉ bù Tết Dương lịch",
                                              "version": version})
    assert response.status_code == 303, response.text[:400]
    text = calendar_file(console).read_text(encoding="utf-8")
    assert text.startswith("# Lịch nghỉ của đài")
    assert "days_off:\n    - date: 2027-01-02\n      name: Nghỉ bù Tết Dương lịch\n" in text
    from datetime import date
    assert console.store.schedule().calendar.days_off[date(2027, 1, 2)] == "Nghỉ bù Tết Dương lịch"
    page = admin.get("/lich-phat").text
    assert "02/01/2027" in page
    response = admin.post("/lich-phat/ngay", {"date": "31/12/2026", "kind": "nghi-buoi", "slots": ["sang"],
                                              "version": version_in(page, "ngay-moi")})
    assert response.status_code == 303
    page = admin.get("/lich-phat").text
    response = admin.post("/lich-phat/ngay/xoa", {"section": "days_off", "date": "2027-01-02",
                                                  "version": version_in(page, "ngay-moi")})
    assert response.status_code == 303
    assert date(2027, 1, 2) not in console.store.schedule().calendar.days_off
    assert "2026-12-31" in calendar_file(console).read_text(encoding="utf-8")


BAD_DAYS = [
    ({"date": "31/02/2027", "kind": "nghi"}, "Ngày '31/02/2027' không hợp lệ"),
    ({"date": "", "kind": "nghi"}, "Nhập ngày"),
    ({"date": "24/12/2026", "kind": "nghi-buoi"}, "Chọn ít nhất một buổi"),
    ({"date": "24/12/2026", "kind": "nghi-buoi", "slots": ["khong-co"]}, "Buổi đã chọn không còn"),
    ({"date": "24/12/2026", "kind": "???"}, "Chọn loại ngày"),
]


@pytest.mark.parametrize(("data", "message"), BAD_DAYS, ids=[m for _, m in BAD_DAYS])
def test_a_bad_calendar_day_is_refused(browser, console, data, message):
    admin = browser("quan-tri")
    before = calendar_file(console).read_bytes()
    version = version_in(admin.get("/lich-phat").text, "ngay-moi")
    response = admin.post("/lich-phat/ngay", {**data, "version": version})
    assert response.status_code == 400 and message in unescape(response.text)
    assert calendar_file(console).read_bytes() == before


def test_public_holidays_toggle(browser, console):
    admin = browser("quan-tri")
    page = admin.get("/lich-phat").text
    version = version_in(page, "ngay-moi")
    assert admin.post("/lich-phat/ngay-le", {"public_holidays": "0", "version": version}).status_code == 303
    assert "public_holidays: false" in calendar_file(console).read_text(encoding="utf-8")
    assert console.store.schedule().calendar.public_holidays is False


def test_column_rotation_saved(browser, console):
    admin = browser("quan-tri")
    page = admin.get("/lich-phat").text
    data = {"slots": ["sang", "chieu"], "days": ["1", "4"], "airings_per_episode": "2", "start": "09/11/2026",
            "version": version_in(page, "cm-cchc")}
    response = admin.post("/lich-phat/chuyen-muc/cchc", data)
    assert response.status_code == 303, response.text[:500]
    column = console.store.schedule().columns[0]
    assert column.slots == ("sang", "chieu") and column.airings_per_episode == 2
    assert column.days == frozenset({1, 4}) and f"{column.start:%d/%m/%Y}" == "09/11/2026"
    text = (console.store.schedules_dir / "cchc.yaml").read_text(encoding="utf-8")
    assert text.startswith("# Chuyên mục Cải cách hành chính") and "id: cchc-13" in text
    bad = admin.post("/lich-phat/chuyen-muc/cchc", {**data, "airings_per_episode": "0",
                                                      "version": version_in(admin.get("/lich-phat").text, "cm-cchc")})
    assert bad.status_code == 400 and "Số lần phát mỗi kỳ" in bad.text


@pytest.mark.parametrize("role", ["bien-tap", "duyet"])
def test_only_the_administrator_edits_the_week(browser, console, role):
    client = browser(role)
    before = slots_file(console).read_bytes()
    assert client.get("/lich-phat").status_code == 403
    assert client.post("/lich-phat/buoi/sang", {**SANG, "version": "x"}).status_code == 403
    assert slots_file(console).read_bytes() == before
    assert 'href="/lich-phat"' not in client.get("/tuan").text


def test_the_written_file_loads_like_broadcast_check(browser, console):
    admin = browser("quan-tri")
    response = post_slot(admin, "sang", {"structure": ["nhac-hieu", "chuyen-muc", "thong-bao", "nhac-hieu"]})
    assert response.status_code == 303, unescape(response.text)[-3000:]
    schedule = load_schedule(console.store.schedules_dir, library=console.toolkit.library,
                             station_root=console.station.root)
    assert next(s for s in schedule.slots if s.name == "sang").structure == ("nhac-hieu", "chuyen-muc", "thong-bao",
                                                                           "nhac-hieu")


CONFLICTS = [
    ("a slot saved", "slots.yaml", "buoi-sang", "/lich-phat/buoi/sang", SANG),
    ("a slot added", "slots.yaml", "buoi-moi", "/lich-phat/buoi", {**SANG, "start": "11:00", "days": ["7"]}),
    ("a slot deleted", "slots.yaml", "buoi-chieu", "/lich-phat/buoi/chieu/xoa", {}),
    ("a day added", "calendar.yaml", "ngay-moi", "/lich-phat/ngay", {"date": "02/01/2027", "kind": "nghi"}),
    ("a day removed", "calendar.yaml", "ngay-moi", "/lich-phat/ngay/xoa",
     {"section": "exceptions", "date": "2026-12-24"}),
    ("holidays switched", "calendar.yaml", "ngay-moi", "/lich-phat/ngay-le", {"public_holidays": "0"}),
    ("a column saved", "cchc.yaml", "cm-cchc", "/lich-phat/chuyen-muc/cchc",
     {"slots": ["sang"], "days": ["1"], "airings_per_episode": "3", "start": "02/11/2026"}),
]


@pytest.mark.parametrize(("what", "file", "form_id", "url", "data"), CONFLICTS, ids=[c[0] for c in CONFLICTS])
def test_every_form_refuses_a_save_over_a_concurrent_edit(browser, console, what, file, form_id, url, data):
    admin = browser("quan-tri")
    version = version_in(admin.get("/lich-phat").text, form_id)
    path = console.store.schedules_dir / file
    path.write_text(path.read_text(encoding="utf-8") + "# sửa tay trong lúc trang đang mở\n", encoding="utf-8")
    theirs = path.read_bytes()
    response = admin.post(url, {**data, "version": version})
    assert response.status_code == 409, unescape(response.text)[-600:]
    assert "vừa được người khác sửa" in unescape(response.text)
    assert path.read_bytes() == theirs
