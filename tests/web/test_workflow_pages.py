"""The officer's day through the pages: compose with a list of people, preview, listen, send; approve; plan."""

from __future__ import annotations

import re

import yaml

FORM = {
    "v.nguoi_nhan.0.ho_ten": "ông Nguyễn Văn Bình", "v.nguoi_nhan.0.thon": "Đông",
    "v.nguoi_nhan.0.thu_tuc": "giấy chứng nhận quyền sử dụng đất",
    "v.nguoi_nhan.1.ho_ten": "bà Trần Thị Lan", "v.nguoi_nhan.1.thon": "Trung",
    "v.nguoi_nhan.1.thu_tuc": "trích lục khai sinh",
    "v.thoi_gian": "07/12/2026 đến 11/12/2026", "v.so_dien_thoai": "0234 3876 543",
    "title": "Mời nhận kết quả thủ tục", "from": "07/12/2026", "until": "09/12/2026",
    "slots": ["sang", "chieu"], "days": ["T2", "T3", "T4", "T5", "T6", "T7", "CN"],
}


def notice_files(console):
    return sorted(console.store.folder.glob("*.yaml"))


def test_preview_shows_written_and_spoken_text(browser):
    officer = browser("bien-tap")
    r = officer.post("/soan/tra_ket_qua/xem-truoc", FORM)
    assert r.status_code == 200
    written, spoken = r.text.split("Máy đọc")
    assert "Ông Nguyễn Văn Bình, thôn Đông" in written and "0234 3876 543" in written
    assert "không hai ba bốn, ba tám bảy sáu" in spoken and "0234" not in spoken


def test_field_errors_are_the_cli_messages_in_the_pages_words_beside_the_field(browser, console):
    officer = browser("bien-tap")
    r = officer.post("/soan/tra_ket_qua", {**FORM, "v.thoi_gian": "32/13/2026", "action": "submit"})
    assert r.status_code == 400
    assert "Thời gian nhận kết quả phải là" in r.text and 'id="f-thoi_gian"' in r.text
    assert "thoi_gian" not in r.text.split('id="f-thoi_gian"')[1].split("</div>")[0].split("field-error")[1]
    empty = {k: v for k, v in FORM.items() if not k.startswith("v.nguoi_nhan")}
    r = officer.post("/soan/tra_ket_qua", {**empty, "action": "submit"})
    assert "Chưa điền danh sách công dân" in r.text and "thiếu giá trị" not in r.text
    assert notice_files(console) == []


def test_listen_renders_once_into_the_cache_and_serves_ranges(browser, console):
    officer = browser("bien-tap")
    r = officer.post("/soan/tra_ket_qua/nghe-thu", FORM)
    key = re.search(r'src="/nghe/([0-9a-f]{32})\.mp3"', r.text).group(1)
    calls = console.toolkit.engines[0].calls
    again = officer.post("/soan/tra_ket_qua/nghe-thu", FORM)
    assert key in again.text and console.toolkit.engines[0].calls == calls      # cached: no new synthesis
    audio = officer.get(f"/nghe/{key}.mp3", headers={"Range": "bytes=0-99"})
    assert audio.status_code == 206 and len(audio.content) == 100
    assert audio.headers["content-type"] == "audio/mpeg"
    assert officer.get("/nghe/../../broadcast.toml").status_code == 404


def test_send_for_approval_then_approve_then_it_airs(browser, console, clock):
    officer = browser("bien-tap")
    r = officer.post("/soan/tra_ket_qua", {**FORM, "action": "submit"})
    assert r.status_code == 303, r.text
    (path,) = notice_files(console)
    written = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert written["status"] == "pending" and written["author"] == "can-bo" and written["version"] == 1
    assert written["values"]["nguoi_nhan"][1] == {"ho_ten": "bà Trần Thị Lan", "thon": "Trung",
                                                  "thu_tuc": "trích lục khai sinh"}
    assert written["from"] == "2026-12-07" and "slots" not in written            # every slot: left out
    notice_id = written["id"]

    listing = officer.get("/thong-bao?trang-thai=pending")
    assert notice_id in listing.text and "Chờ duyệt" in listing.text

    week = officer.get("/tuan?tu=2026-12-07")
    aired = "".join(part.split("</ol>")[0] for part in week.text.split('<ol class="items">')[1:])
    assert "Mời nhận kết quả thủ tục" not in aired and "chưa được duyệt" in week.text
    assert "status: approved" not in week.text and notice_id not in week.text      # the page's words

    approver = browser("duyet")
    queue = approver.get("/duyet")
    assert notice_id in queue.text and "Ông Nguyễn Văn Bình" in queue.text
    r = approver.post(f"/duyet/{notice_id}", {"action": "approve", "version": "1"})
    assert r.status_code == 303
    written = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert (written["status"], written["approved_by"], written["approved_at"], written["version"]) == (
        "approved", "chu-tich", "2026-12-03T09:00:00+07:00", 2)

    week = officer.get("/tuan?tu=2026-12-07")
    assert "Mời nhận kết quả thủ tục" in week.text
    actions = [(r["user"], r["action"], r["target"]) for r in console.audit.recent(target=notice_id)]
    assert actions == [("chu-tich", "approve", notice_id), ("can-bo", "submit", notice_id)]


def test_editing_an_approved_notice_sends_it_back_and_a_stale_save_is_refused(browser, console):
    officer = browser("bien-tap")
    officer.post("/soan/tra_ket_qua", {**FORM, "action": "submit"})
    (path,) = notice_files(console)
    notice_id = yaml.safe_load(path.read_text(encoding="utf-8"))["id"]
    browser("duyet").post(f"/duyet/{notice_id}", {"action": "approve", "version": "1"})

    edit = officer.get(f"/soan/tra_ket_qua?sua={notice_id}")
    assert 'name="version" value="2"' in edit.text and "bà Trần Thị Lan" in edit.text
    r = officer.post("/soan/tra_ket_qua", {**FORM, "until": "10/12/2026", "action": "draft",
                                           "id": notice_id, "version": "2"})
    assert r.status_code == 303
    written = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert written["status"] == "pending" and "approved_by" not in written and written["version"] == 3

    # A second person still on version 2 saves: refused, nothing lost on either side.
    stale = officer.post("/soan/tra_ket_qua", {**FORM, "title": "Bản khác", "action": "draft",
                                               "id": notice_id, "version": "2"})
    assert stale.status_code == 409 and "vừa được người khác sửa" in stale.text
    assert 'value="Bản khác"' in stale.text                                  # the typed text is still there
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["until"] == "2026-12-10"


def test_return_needs_a_comment_and_nobody_approves_their_own(browser, console, web_station):
    from broadcast.web.accounts import Accounts

    Accounts(web_station.path("var")).add("vua-viet-vua-duyet", "duyet", "mat-khau-du-dai")
    officer = browser("bien-tap")
    officer.post("/soan/tra_ket_qua", {**FORM, "action": "submit"})
    (path,) = notice_files(console)
    entry = yaml.safe_load(path.read_text(encoding="utf-8"))
    approver = browser("duyet")
    r = approver.post(f"/duyet/{entry['id']}", {"action": "return", "version": "1", "comment": "  "})
    assert r.status_code == 400 and "Trả lại cần ghi lý do" in r.text      # said on the card, still on Duyệt
    assert f'id="loi-{entry["id"]}"' in r.text and "Duyệt thông báo" in r.text
    r = approver.post(f"/duyet/{entry['id']}", {"action": "return", "version": "1", "comment": "Sai số điện thoại"})
    assert r.status_code == 303
    entry = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert entry["status"] == "returned" and entry["comment"] == "Sai số điện thoại"
    assert "Sai số điện thoại" in officer.get("/thong-bao").text

    entry = {**entry, "status": "pending", "author": "chu-tich"}
    saved = console.store.save(entry, expected_version=entry["version"])
    r = approver.post(f"/duyet/{entry['id']}", {"action": "approve", "version": str(saved["version"])})
    assert r.status_code == 400 and "Không tự duyệt" in r.text
