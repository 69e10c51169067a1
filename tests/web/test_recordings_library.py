"""Ghi âm: the library lists, plays, keeps and deletes recordings; uploads are checked by content as `check` does."""

from __future__ import annotations

import io
import subprocess
import zipfile
from datetime import date
from html import unescape

import pytest

from broadcast import audio

VOICE = "(0.5*sin(2*PI*160*t)+0.3*sin(2*PI*320*t)+0.2*sin(2*PI*480*t))*pow(abs(sin(2*PI*2*t)),2)*0.3"


def made(tmp_path, name: str, expr: str, seconds: float, *codec: str) -> bytes:
    dst = tmp_path / name
    subprocess.run([audio.ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"aevalsrc='{expr}':s=48000:d={seconds}", *codec, str(dst)], check=True, timeout=120)
    return dst.read_bytes()


def zipped_mp3(tmp_path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("a.mp3", made(tmp_path, "a.mp3", VOICE, 3))
    return buffer.getvalue()


def library_files(console):
    folder = console.station.path(console.station.web.recordings)
    return sorted(p.name for p in folder.glob("*") if not p.name.startswith(".")) if folder.is_dir() else []


def upload(client, url, name, data):
    return client.client.post(url, data={"csrf": client.csrf}, files={"file": (name, data)}, follow_redirects=False)


def test_an_upload_is_kept_listed_and_played(browser, console, tmp_path):
    officer = browser("bien-tap")
    response = upload(officer, "/ghi-am", "hop-thon.mp3", made(tmp_path, "v.mp3", VOICE, 3))
    assert response.status_code == 303, unescape(response.text)[-800:]
    [name] = library_files(console)
    page = officer.get("/ghi-am").text
    assert f'src="/ghi-am/tep/{name}"' in page and "0:03" in page and "Chưa dùng" in page
    assert "Ghi lúc 09:00 03/12/2026" in page                        # the console's clock, not the file's
    played = officer.get(f"/ghi-am/tep/{name}")
    assert played.status_code == 200 and played.headers["content-type"] == "audio/mpeg"
    assert officer.get("/ghi-am/tep/..%2Fbroadcast.toml").status_code == 404


BAD = [
    ("a ZIP renamed .mp3", "thu.mp3", lambda tmp: zipped_mp3(tmp), "tệp nén"),
    ("a PNG renamed .m4a", "anh.m4a", lambda tmp: b"\x89PNG\r\n\x1a\n" + b"\0" * 2000, "ảnh"),
    ("silence", "lang.wav", lambda tmp: made(tmp, "s.wav", "0", 4), "im lặng"),
    ("half a second", "ngan.mp3", lambda tmp: made(tmp, "n.mp3", VOICE, 0.5), "giây"),
    ("text", "chu.mp3", lambda tmp: "Thông báo họp thôn\n".encode() * 50, "văn bản"),
    ("an empty file", "rong.mp3", lambda tmp: b"", "rỗng"),
    ("a PDF", "don.pdf", lambda tmp: b"%PDF-1.4\n" + b"0" * 100, "không phải tệp ghi âm"),
]


@pytest.mark.parametrize(("what", "name", "content", "message"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_upload_is_refused_and_nothing_is_kept(browser, console, tmp_path, what, name, content, message):
    officer = browser("bien-tap")
    response = upload(officer, "/ghi-am", name, content(tmp_path))
    assert response.status_code == 400
    assert message in unescape(response.text)
    assert library_files(console) == []
    assert "Traceback" not in response.text


def test_a_browser_recording_is_converted_to_the_station_format(browser, console, tmp_path):
    officer = browser("bien-tap")
    webm = made(tmp_path, "r.webm", VOICE, 3, "-c:a", "libopus", "-f", "webm")
    response = upload(officer, "/ghi-am", "ghi-am-trinh-duyet.webm", webm)
    assert response.status_code == 303, unescape(response.text)[-800:]
    [name] = library_files(console)
    fmt = console.station.audio.format
    assert name.endswith(f".{fmt}")
    info = audio.probe(console.station.path(console.station.web.recordings) / name)
    assert info.channels == 1 and info.sample_rate == console.station.audio.sample_rate
    assert 2.5 < info.duration_s < 3.5


def test_a_recording_in_use_is_not_deleted_and_the_page_says_where(browser, console, tmp_path):
    officer = browser("bien-tap")
    upload(officer, "/ghi-am", "hop.mp3", made(tmp_path, "v.mp3", VOICE, 3))
    [name] = library_files(console)
    console.store.save({"id": "hop-thon-dong", "file": f"{console.station.web.recordings}/{name}",
                        "title": "Họp thôn Đông", "from": date(2026, 12, 3), "until": date(2026, 12, 4),
                        "status": "draft"}, expected_version=None)
    page = unescape(officer.get("/ghi-am").text)
    assert "thông báo “Họp thôn Đông”" in page and "không xóa được" in page
    response = officer.post(f"/ghi-am/tep/{name}/xoa")
    assert response.status_code == 409 and "Họp thôn Đông" in unescape(response.text)
    assert library_files(console) == [name]
    console.store.remove("hop-thon-dong", expected_version=1)
    assert officer.post(f"/ghi-am/tep/{name}/xoa").status_code == 303
    assert library_files(console) == []
    assert "Xóa bản ghi" in unescape(browser("quan-tri").get("/quan-tri").text)


def test_the_administrator_replaces_the_tune(browser, console, tmp_path):
    admin = browser("quan-tri")
    tune = console.station.path(console.station.audio.signature_tune)
    response = upload(admin, "/ghi-am/nhac-hieu", "nhac.mp3", made(tmp_path, "t.mp3", VOICE, 4))
    assert response.status_code == 303, unescape(response.text)[-800:]
    info = audio.probe(tune)
    assert 3.5 < info.duration_s < 4.5 and info.codec.startswith("pcm_")          # the tune file's own format
    assert library_files(console) == []
    before = tune.read_bytes()
    refused = upload(admin, "/ghi-am/nhac-hieu", "lang.wav", made(tmp_path, "s.wav", "0", 4))
    assert refused.status_code == 400 and "im lặng" in unescape(refused.text)
    assert tune.read_bytes() == before
    assert admin.get("/ghi-am/nhac-hieu").status_code == 200


def test_only_the_administrator_replaces_the_tune(browser, console, tmp_path):
    officer = browser("bien-tap")
    assert upload(officer, "/ghi-am/nhac-hieu", "nhac.mp3", made(tmp_path, "t.mp3", VOICE, 2)).status_code == 403
    assert "Thay nhạc hiệu" not in officer.get("/ghi-am").text
    assert browser("duyet").get("/ghi-am").status_code == 403


URGENT_BAD = [b for b in BAD if b[0] in ("a ZIP renamed .mp3", "a PNG renamed .m4a", "silence", "half a second")]


@pytest.mark.parametrize(("what", "name", "content", "message"), URGENT_BAD, ids=[b[0] for b in URGENT_BAD])
def test_an_urgent_recording_is_checked_by_content_too(browser, console, tmp_path, what, name, content, message):
    officer = browser("bien-tap")
    response = officer.client.post("/khan-cap/ghi-am", data={"csrf": officer.csrf, "title": "Báo cháy"},
                                   files={"recording": (name, content(tmp_path))}, follow_redirects=False)
    assert response.status_code == 400 and message in unescape(response.text)
    prepared = console.station.path(console.station.paths.state) / "web" / "khan-cap"
    assert not [p for p in prepared.glob("*") if p.suffix != ".json"] if prepared.is_dir() else True


def test_a_good_urgent_recording_goes_to_the_confirmation(browser, console, tmp_path):
    officer = browser("bien-tap")
    response = officer.client.post("/khan-cap/ghi-am", data={"csrf": officer.csrf, "title": "Báo cháy"},
                                   files={"recording": ("chay.mp3", made(tmp_path, "c.mp3", VOICE, 3))},
                                   follow_redirects=False)
    assert response.status_code == 200 and "Phát ngay" in unescape(response.text)
