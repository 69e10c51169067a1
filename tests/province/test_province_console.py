"""The province console's bulletin pages: the form checked by `bulletin add`'s reader, khẩn cấp confirmed,
sent exactly as `bulletin add` signs it, cancelled and replaced; a CAP alert upload becomes a draft."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bulletin_helpers import T0, FakeClock, bulletin_yaml, keys
from click.testing import CliRunner
from console_helpers import bulletin_form, client_for, light_hashes, open_console

from broadcast.cli import cli
from broadcast.province.bulletins.envelope import open_envelope
from broadcast.province.bulletins.registry import Registry
from broadcast.province.signing import load_public_key

CAP = Path(__file__).parent / "cap"


@pytest.fixture
def setup(tmp_path, monkeypatch):
    light_hashes(monkeypatch)
    _, public, key_path = keys(tmp_path)
    console = open_console(tmp_path / "tinh" / "tinh.sqlite", key_path, FakeClock(T0))
    yield console, public, key_path
    console.close()


def stored(console):
    return console.registry.listing(), console.drafts.listing()


@pytest.mark.parametrize(("fields", "field", "words"), [
    ({"title": ""}, "title", "Thiếu tiêu đề"),
    ({"expires": "32/13/2026"}, "expires", "«32/13/2026» không hợp lệ"),
    ({"from": "07/12/2026 12:00", "expires": "07/12/2026 13:00"}, "expires", "đã hết hạn"),
    ({"from": "09/12/2026 08:00"}, "expires", "phải sau thời điểm bắt đầu"),
    ({"text": ""}, "text", "rỗng"),
    ({"level": "rat-gap"}, "level", "không hợp lệ"),
    ({"repeat_every": "5 phút"}, "repeat_every", "ít nhất 10 phút"),
    ({"targets": "communes", "communes": ""}, "targets", "ít nhất một xã"),
    ({"targets": "communes", "communes": "xã Hòa An"}, "targets", "không hợp lệ"),
    ({"targets": "tag", "tag": ""}, "targets", "một nhãn"),
    ({"content": "template", "template": "canh_bao", "values": "ten bao Bão số 9"}, "values", "dòng 1"),
    ({"content": "template", "template": "Cảnh báo"}, "template", "không hợp lệ"),
    ({"id": "Bão số 9"}, "id", "không hợp lệ"),
    ({"replaces": "khong-co"}, "replaces", "Không có bản tin"),
])
def test_a_bad_field_is_refused_beside_it_with_the_typed_values_kept_and_nothing_stored(setup, fields, field, words):
    console, _, _ = setup
    leader = client_for(console, "duyet")
    before = stored(console)
    answer = leader.post("/viet", bulletin_form(**fields))
    assert answer.status_code == 400
    assert "Chưa lưu: sửa các ô được đánh dấu." in answer.text
    html = answer.text
    message = html[html.index(f'id="loi-{field}"'):].split("</p>", 1)[0]
    assert words in message, message
    assert "Bão số 9 đang đổ bộ vào đất liền" in html or fields.get("text") == ""          # typed text kept
    for value in fields.values():
        if value and field != "level":
            assert f'value="{value}"' in html or f">{value}</textarea>" in html, value
    assert stored(console) == before


def test_a_khan_cap_bulletin_is_sent_only_when_confirmed_and_signed_as_bulletin_add_signs_it(setup, tmp_path):
    console, public, key_path = setup
    editor, leader = client_for(console, "bien-tap"), client_for(console, "duyet")
    answer = editor.post("/viet", bulletin_form(zones="thon-dong, thon-tay", targets="communes",
                                                communes="xa-001, xa-002"))
    assert answer.status_code == 303 and answer.headers["location"] == "/nhap/bao-so-9"
    review = editor.get("/nhap/bao-so-9").text
    assert "Lãnh đạo (vai trò Duyệt) đọc lại và gửi" in review and "/nhap/bao-so-9/gui" not in review
    assert editor.post("/nhap/bao-so-9/gui", {"confirm": "yes"}).status_code == 403        # the editor drafts only
    refused = leader.post("/nhap/bao-so-9/gui", {})
    assert refused.status_code == 400 and "Chưa xác nhận" in refused.text
    assert console.registry.listing() == []
    assert leader.post("/nhap/bao-so-9/gui", {"confirm": "yes"}).status_code == 303
    assert console.drafts.listing() == []
    (envelope,) = console.registry.after(0)
    sent = open_envelope(envelope, load_public_key(public))
    assert sent["seq"] == 1 and sent["province"] == "Quảng Trị" and sent["issued"] == T0.isoformat()
    assert sent["targets"] == {"communes": ["xa-001", "xa-002"]} and sent["zones"] == ["thon-dong", "thon-tay"]
    # The same bulletin written as a file for `bulletin add`: the same document, but for its number.
    file = bulletin_yaml(tmp_path, id="bao-so-9", issued="2026-12-07 14:00", targets="[xa-001, xa-002]",
                         zones="[thon-dong, thon-tay]", **{"from": None})
    other = tmp_path / "khac.sqlite"
    result = CliRunner().invoke(cli, ["province", "bulletin", "add", str(file), "--db", str(other), "--key",
                                      str(key_path), "--province", "Quảng Trị"])
    assert result.exit_code == 0, result.output
    with Registry(other) as registry:
        by_command = json.loads(registry.after(0)[0]["document"])
    assert by_command == json.loads(envelope["document"])
    listed = leader.get("/ban-tin").text
    assert "Đã ký và gửi bản tin số 1" in listed and "Khẩn cấp" in listed and "xã xa-001, xa-002" in listed
    assert ("lanh-dao", "bulletin-send") in [(a["user"], a["action"]) for a in console.audit.recent()]


def test_an_editor_edits_a_draft_and_a_bulletin_without_a_key_cannot_be_sent(setup, tmp_path):
    console, _, key_path = setup
    editor = client_for(console, "bien-tap")
    assert editor.post("/viet", bulletin_form(level="thong-thuong", id="")).status_code == 303
    (draft,) = console.drafts.listing()
    assert draft.id == "bao-so-9-do-bo-0712-1400"                   # an id from the title and the time
    form = editor.get(f"/nhap/{draft.id}/sua").text
    assert 'value="Bão số 9 đổ bộ"' in form and 'value="thong-thuong" checked' in form
    answer = editor.post(f"/nhap/{draft.id}/sua", bulletin_form(level="uu-tien", id="lich-cat-dien",
                                                               title="Lịch cắt điện"))
    assert answer.status_code == 303 and [d.id for d in console.drafts.listing()] == ["lich-cat-dien"]
    keyless = open_console(console.db_path, key_path, console.now, with_key=False)
    leader = client_for(keyless, "duyet")
    assert "không có khóa ký" in leader.get("/nhap/lich-cat-dien").text
    assert leader.post("/nhap/lich-cat-dien/gui", {}).status_code == 409
    assert keyless.registry.listing() == []
    keyless.close()


def test_replace_and_cancel_a_sent_bulletin(setup):
    console, _, _ = setup
    leader = client_for(console, "duyet")
    leader.post("/viet", bulletin_form())
    leader.post("/nhap/bao-so-9/gui", {"confirm": "yes"})
    form = leader.get("/ban-tin/bao-so-9/thay").text
    assert 'name="replaces" value="bao-so-9"' in form and 'value="bao-so-9-lan-2"' in form
    assert 'value="120 phút"' in form and "Bão số 9 đang đổ bộ" in form
    update = bulletin_form(id="bao-so-9-lan-2", replaces="bao-so-9", text="Bão số 9 đã vào đất liền, mưa rất to.")
    assert leader.post("/viet", update).status_code == 303
    assert leader.post("/nhap/bao-so-9-lan-2/gui", {"confirm": "yes"}).status_code == 303
    assert console.registry.document("bao-so-9-lan-2")["replaces"] == "bao-so-9"
    refused = leader.post("/ban-tin/bao-so-9-lan-2/huy", {"reason": "Bão đã tan"})
    assert refused.status_code == 400 and "Chưa xác nhận" in refused.text
    assert leader.post("/ban-tin/bao-so-9-lan-2/huy", {"reason": "Bão đã tan", "confirm": "yes"}).status_code == 303
    rows = {b["id"]: b["ended"] for b in console.registry.listing()}
    assert rows == {"bao-so-9": "đã thay", "bao-so-9-lan-2": "đã hủy"}
    cancel = console.registry.after(2)[0]
    assert json.loads(cancel["document"])["cancels"] == "bao-so-9-lan-2"
    again = leader.post("/ban-tin/bao-so-9-lan-2/huy", {"confirm": "yes"})
    assert again.status_code == 400 and "đã bị hủy" in again.text
    page = leader.get("/ban-tin").text
    assert "Đã thay" in page and "Đã hủy" in page and "/ban-tin/bao-so-9-lan-2/huy" not in page


def test_a_cap_alert_upload_becomes_a_draft_a_person_reviews(setup):
    console, _, _ = setup
    editor = client_for(console, "bien-tap")
    alert = (CAP / "vn-bao-so-9.xml").read_bytes()
    answer = editor.post("/cap", files={"alert": ("canh-bao.xml", alert, "application/octet-stream")})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/nhap/cap-")
    (draft,) = console.drafts.listing()
    assert draft.source == "cap" and console.registry.listing() == []               # nothing sent
    review = editor.get(answer.headers["location"]).text
    assert "BẢN NHÁP soạn từ cảnh báo CAP" in review and "Khẩn cấp" in review and "Bão số 9" in review
    form = editor.get(f"/nhap/{draft.id}/sua").text                                 # reviewed on the form
    assert 'value="khan-cap" checked' in form and "Hướng dẫn:" in form and 'value="07/12/2026 18:00"' not in form
    again = editor.post("/cap", files={"alert": ("lai-lan-nua.xml", alert, "text/xml")})
    assert again.headers["location"] == f"/nhap/{draft.id}-lan-2"                        # a second draft beside


@pytest.mark.parametrize(("data", "words"), [
    (b'<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY x SYSTEM "file:///etc/passwd">]><alert>&x;</alert>',
     "DTD hoặc thực thể"),
    (b"\x89PNG\r\n\x1a\n not an alert", "Không soạn được nháp"),
    (b"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'/>", "Không soạn được nháp"),
    (b"<a>" + b"x" * (1 << 20) + b"</a>", "lớn quá"),
])
def test_a_bad_cap_upload_is_refused_by_its_content_and_nothing_is_stored(setup, data, words):
    console, _, _ = setup
    editor = client_for(console, "bien-tap")
    answer = editor.post("/cap", files={"alert": ("canh-bao.xml", data, "text/xml")})
    assert answer.status_code in (400, 413) and words in answer.text
    assert stored(console) == ([], [])
