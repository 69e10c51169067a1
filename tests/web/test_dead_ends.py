"""No dead ends: an urgent announcement airs (or waits with a retry) when no player runs; no terminal talk."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from web_helpers import START

from broadcast.daemon import state_paths
from broadcast.log.asrun import AsRunLog
from broadcast.play.playback import PlayResult

TERMINAL_TALK = ("systemctl", "broadcast users", "broadcast run", "status: approved", "schedules/",
                 ".yaml", "ConnectionError", "gaierror", "Traceback")


@pytest.fixture
def station_dir(station_dir):
    """The sample station writing to the file output: a direct play needs no sound card."""
    toml = station_dir / "broadcast.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('output = "device"', 'output = "file"'),
                    encoding="utf-8")
    return station_dir


def _prepare_text(sender, text="Mất điện đột xuất tại thôn Đông đến 17 giờ."):
    page = sender.post("/khan-cap/van-ban", {"text": text})
    assert page.status_code == 200, page.text
    assert "Phát ngay" in page.text and "phát thẳng" in page.text       # says what will happen, no dead end
    return re.search(r'name="prepared" value="([^"]+)"', page.text).group(1)


def _wait_done(console, name):
    for _ in range(600):                                  # bounded by attempts, not by the clock
        play = console.direct.get(name)
        if play is not None and play.done:
            return play
        threading_event.wait(0.05)
    pytest.fail("the direct play did not end")


threading_event = __import__("threading").Event()


def test_urgent_with_no_player_plays_from_the_console_like_announce_and_is_logged_manual(browser, console):
    sender = browser("bien-tap")
    assert "phát thẳng ra loa" in sender.get("/khan-cap").text
    name = _prepare_text(sender)
    sent = sender.post("/khan-cap/phat", {"prepared": name, "confirm": "yes"})
    assert sent.status_code == 303 and sent.headers["location"] == f"/khan-cap/dang-phat/{name}"
    play = _wait_done(console, name)
    assert play.state == "played", play.error
    shown = sender.get(f"/khan-cap/dang-phat/{name}").text
    assert "Đã phát xong" in shown and "phát thủ công" in shown
    with AsRunLog(state_paths(console.station)[0]) as log:
        rows = log.rows(START.date() - timedelta(days=1), START.date() + timedelta(days=1))
    assert any(r["origin"] == "manual" and r["status"] == "played" and "Mất điện" in (r["title"] or "")
               for r in rows if r["kind"] == "programme")
    assert console.audit.recent()[0]["action"] == "urgent-direct"
    assert (console.station.path(console.station.paths.state) / "web" / "khan-cap" / name).is_file()


def test_a_failed_direct_play_keeps_the_announcement_with_a_retry(browser, console):
    sender = browser("duyet")
    calls = []

    def failing(station, audio, meta, *, now):
        calls.append(audio.name)
        return PlayResult("failed", now, now, error="ffmpeg: [Errno 13] Permission denied: /srv/out")

    console.direct.play = failing
    name = _prepare_text(sender)
    sender.post("/khan-cap/phat", {"prepared": name, "confirm": "yes"})
    play = _wait_done(console, name)
    assert play.state == "failed"
    shown = sender.get(f"/khan-cap/dang-phat/{name}").text
    assert "Phát không được" in shown and "không ghi được vào thư mục" in shown
    assert "Phát lại" in shown and "ffmpeg" not in shown and "Errno" not in shown and "/srv" not in shown
    console.direct.play = lambda station, audio, meta, *, now: PlayResult("played", now, now + timedelta(seconds=9))
    again = sender.post("/khan-cap/phat", {"prepared": name, "confirm": "yes"})
    assert again.status_code == 303
    assert _wait_done(console, name).state == "played" and calls == [name]


def test_free_text_urgent_is_prepared_like_announce_text(browser):
    sender = browser("bien-tap")
    empty = sender.post("/khan-cap/van-ban", {"text": "  "})
    assert empty.status_code == 400 and "Viết nội dung cần phát" in empty.text
    name = _prepare_text(sender, "Nước sông dâng cao, bà con thôn Bến di chuyển lên nhà văn hóa.")
    assert sender.get(f"/khan-cap/nghe/{name}").status_code == 200


def test_urgent_form_is_prefilled_from_the_example_then_from_the_last_urgent(browser):
    sender = browser("duyet")
    first = sender.get("/khan-cap/mau/canh_bao_bao_lu").text
    assert "giá trị ví dụ" in first
    filled = dict(re.findall(r'name="(v\.[a-z_.0-9]+)" value="([^"]*)"', first))
    assert any(filled.values())
    changed = {k: v for k, v in filled.items()}
    text_fields = [k for k in changed if changed[k] and k.count(".") == 1]
    changed[text_fields[0]] = changed[text_fields[0]] + " thêm"
    for m in re.finditer(r'<textarea name="(v\.[a-z_]+)"[^>]*>([^<]*)</textarea>', first):
        changed[m.group(1)] = m.group(2)
    assert sender.post("/khan-cap/mau/canh_bao_bao_lu", changed).status_code == 200
    second = sender.get("/khan-cap/mau/canh_bao_bao_lu").text
    assert "lần phát khẩn gần nhất" in second and changed[text_fields[0]] + '"' in second.replace("&#34;", '"')


def test_the_urgent_opening_is_not_a_template_to_compose(browser):
    for role, path in (("bien-tap", "/soan"), ("bien-tap", "/khan-cap")):
        page = browser(role).get(path).text
        assert "khan_cap_mo_dau" not in page and "Lời báo trước thông báo khẩn" not in page
