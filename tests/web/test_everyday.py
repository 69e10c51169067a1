"""Everyday actions on the pages: delete, withdraw, write again, search, remove a row, reopen, accounts."""

from __future__ import annotations

import re

import pytest
import yaml
from test_workflow_pages import FORM
from web_helpers import PASSWORD, USERS


def _saved(officer, action="draft", **changes):
    r = officer.post("/soan/tra_ket_qua", {**FORM, "action": action, **changes})
    assert r.status_code == 303, r.text
    notice_id = re.search(r"vua-luu=([a-z0-9-]+)", r.headers["location"]).group(1)
    return notice_id, r.headers["location"]


def test_after_saving_the_list_opens_on_the_notice_just_saved_highlighted(browser):
    officer = browser("bien-tap")
    notice_id, location = _saved(officer)
    assert location.endswith(f"#tb-{notice_id}")
    page = officer.get(location.split("#")[0]).text
    row = page.split(f'id="tb-{notice_id}"')[1].split("</tr>")[0]
    assert 'class="just-saved"' in row and "Vừa lưu" in row


def test_a_draft_is_deleted_and_an_approved_notice_withdrawn_and_kept_in_the_audit(browser, console):
    officer = browser("bien-tap")
    draft_id, _ = _saved(officer, title="Bản nháp thử")
    deleted = officer.post(f"/thong-bao/{draft_id}/xoa", {"version": "1"})
    assert deleted.status_code == 303 and not console.store.exists(draft_id)
    assert console.audit.recent()[0]["action"] == "delete"

    sent_id, _ = _saved(officer, action="submit")
    assert officer.post(f"/thong-bao/{sent_id}/xoa", {"version": "1"}).status_code == 303
    assert console.store.exists(sent_id)                          # only drafts are deleted
    browser("duyet").post(f"/duyet/{sent_id}", {"action": "approve", "version": "1"})
    assert "Mời nhận kết quả thủ tục" in officer.get("/tuan?tu=2026-12-07").text
    stale = officer.post(f"/thong-bao/{sent_id}/rut", {"version": "1", "reason": "Hoãn"})
    assert stale.status_code == 303 and console.store.exists(sent_id)       # version check
    r = browser("duyet").post(f"/thong-bao/{sent_id}/rut", {"version": "2", "reason": "Hoãn trả kết quả"})
    assert r.status_code == 303 and not console.store.exists(sent_id)
    assert "Mời nhận kết quả thủ tục" not in officer.get("/tuan?tu=2026-12-07").text   # stops airing
    row = console.audit.recent()[0]
    assert (row["action"], row["detail"], row["user"]) == ("withdraw", "Hoãn trả kết quả", "chu-tich")
    (kept,) = (console.station.path("var") / "web" / "da-rut").glob(f"{sent_id}-*.yaml")
    assert yaml.safe_load(kept.read_text(encoding="utf-8"))["withdrawn_by"] == "chu-tich"
    assert "Rút thông báo" in browser("quan-tri").get("/quan-tri").text


def test_write_again_from_a_notice_makes_a_new_one_from_today(browser, console, clock):
    officer = browser("bien-tap")
    source_id, _ = _saved(officer, action="submit", title="Họp thôn tuần trước")
    page = officer.get(f"/soan/tra_ket_qua?tu={source_id}").text
    assert 'value="bà Trần Thị Lan"' in page and 'value="Họp thôn tuần trước"' in page
    assert 'name="id" value=""' in page and 'name="from" value="03/12/2026"' in page
    assert "Soạn lại từ" in page
    # Also from an announcement of the station's shared schedule files.
    listing = officer.get("/thong-bao").text
    assert "lịch chung của đài" in listing and "schedules/" not in listing
    shared = re.search(r'href="/soan/([a-z_]+)\?tu=([a-z0-9-]+)"', listing.split("lịch chung")[0][-3000:])
    assert shared and officer.get(f"/soan/{shared.group(1)}?tu={shared.group(2)}").status_code == 200


@pytest.mark.parametrize(("query", "found", "absent"), [
    ("tim=tran thi lan", "Mời nhận kết quả thủ tục", "Đôn đốc nộp thuế"),
    ("tim=Trần Thị Lan", "Mời nhận kết quả thủ tục", "Đôn đốc nộp thuế"),
    ("mau=nop_thue", "Đôn đốc nộp thuế", "Mời nhận kết quả thủ tục"),
    ("trang-thai=draft", "Mời nhận kết quả thủ tục", "Đôn đốc nộp thuế"),
    ("ngay=08/12/2026", "Mời nhận kết quả thủ tục", "Thông báo khẩn về bão số 15"),
])
def test_notices_are_searched_and_filtered(browser, query, found, absent):
    officer = browser("bien-tap")
    _saved(officer)
    rows = officer.get(f"/thong-bao?{query}").text.split("<tbody>")[1]
    assert found in rows and absent not in rows


def test_a_bad_filter_date_is_said_on_the_page(browser):
    page = browser("duyet").get("/thong-bao?ngay=2026/31/12")
    assert page.status_code == 200 and "viết DD/MM/YYYY" in page.text


def test_a_row_is_removed_from_a_list(browser):
    officer = browser("bien-tap")
    r = officer.post("/soan/tra_ket_qua", {**FORM, "action": "remove-row:nguoi_nhan:0"})
    assert r.status_code == 200
    assert "Nguyễn Văn Bình" not in r.text and 'name="v.nguoi_nhan.0.ho_ten" value="bà Trần Thị Lan"' in r.text
    assert "Xóa dòng" in r.text and "Họ tên (kèm ông, bà)" in r.text and ">Kết quả được nhận<" in r.text


def test_a_returned_notice_reopens_with_the_reason_and_its_preview(browser, console):
    officer = browser("bien-tap")
    notice_id, _ = _saved(officer, action="submit")
    browser("duyet").post(f"/duyet/{notice_id}", {"action": "return", "version": "1", "comment": "Sai giờ họp"})
    page = officer.get(f"/soan/tra_ket_qua?sua={notice_id}").text
    assert "Lãnh đạo trả lại" in page and "Sai giờ họp" in page
    assert "Máy đọc" in page and "Ông Nguyễn Văn Bình, thôn Đông" in page      # the preview is there


def test_the_compose_page_speaks_the_pages_words(browser):
    page = browser("bien-tap").get("/soan/tra_ket_qua").text
    assert "Buổi sáng 05:30" in page and "> sang<" not in page
    assert page.count("Thường") == 1 and "Thường (theo mẫu)" in page
    assert 'type="date"' not in page and 'placeholder="DD/MM/YYYY"' in page


def test_the_admin_adds_disables_and_resets_an_account(browser, console):
    admin = browser("quan-tri")
    page = admin.get("/quan-tri").text
    assert "broadcast users" not in page and "Thêm tài khoản" in page
    short = admin.post("/quan-tri/tai-khoan", {"name": "can-bo-moi", "role": "bien-tap", "password": "ngan"})
    assert short.status_code == 400 and "Mật khẩu quá ngắn" in short.text and 'value="can-bo-moi"' in short.text
    made = admin.post("/quan-tri/tai-khoan", {"name": "can-bo-moi", "role": "bien-tap", "password": PASSWORD})
    assert made.status_code == 303 and console.accounts.get("can-bo-moi").role == "bien-tap"
    twice = admin.post("/quan-tri/tai-khoan", {"name": "can-bo-moi", "role": "duyet", "password": PASSWORD})
    assert twice.status_code == 400 and "đã có" in twice.text

    newcomer = browser()
    assert newcomer.login("can-bo-moi").status_code == 303
    assert admin.post("/quan-tri/tai-khoan/can-bo-moi/khoa", {"action": "disable"}).status_code == 303
    assert newcomer.get("/tuan").status_code == 303                  # the open session ended
    assert browser().login("can-bo-moi").status_code != 303          # and no new one starts
    assert "Đã khóa" in admin.get("/quan-tri").text
    admin.post("/quan-tri/tai-khoan/can-bo-moi/khoa", {"action": "enable"})
    reset = admin.post("/quan-tri/tai-khoan/can-bo-moi/mat-khau", {"password": ""})
    assert reset.status_code == 303
    temporary = re.search(r"Mật khẩu tạm: (\S+) ", admin.get("/quan-tri").text).group(1)
    assert browser().login("can-bo-moi", temporary).status_code == 303
    assert admin.post(f"/quan-tri/tai-khoan/{USERS['quan-tri']}/khoa", {"action": "disable"}).status_code == 400
    assert browser("bien-tap").post("/quan-tri/tai-khoan", {"name": "x-y", "role": "duyet"}).status_code == 403


def test_pages_name_notices_by_title_not_by_file_id(browser, console):
    officer = browser("bien-tap")
    notice_id, _ = _saved(officer, action="submit", title="Mời nhận kết quả đợt hai")
    assert notice_id not in officer.get("/soan").text
    listing = officer.get("/thong-bao").text.split("<tbody>")[1]
    shown = re.sub(r'(id|href|action)="[^"]*"', "", listing)
    assert notice_id not in shown and "Mời nhận kết quả đợt hai" in shown
    audit = browser("quan-tri").get("/quan-tri").text.split("Ai làm gì")[1]
    assert notice_id not in audit and "Mời nhận kết quả đợt hai" in audit
    assert "tra_ket_qua" not in officer.get("/soan").text.replace('href="/soan/tra_ket_qua"', "").replace(
        'id="mau-tra_ket_qua"', "")


def test_a_schedule_problem_is_said_without_file_names(browser, console):
    broken = console.station.path(console.station.paths.schedules) / "slots.yaml"
    broken.write_text(broken.read_text(encoding="utf-8").replace("max_minutes: 30", "max_minutes: ba mươi"),
                      encoding="utf-8")
    for path in ("/tuan", "/thong-bao"):
        page = browser("duyet").get(path).text
        assert "error-box" in page and "slots.yaml" not in page and "schedules/" not in page, path
