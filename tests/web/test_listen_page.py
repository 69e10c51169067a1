"""Nghe lại: the public listening page and podcast feed, from a really built day (espeak, ffmpeg).

No login; GET/HEAD only; a notice with `public: false`, or with a list of citizens, is neither shown
nor heard; audio only through checked names of published days in the window; Range, ETag and
304; a rate limit per address; a feed a real podcast parser (feedparser) reads.
"""

from __future__ import annotations

import dataclasses
import shutil
from datetime import datetime, timedelta

import feedparser
import pytest
import yaml
from click.testing import CliRunner
from starlette.testclient import TestClient
from web_helpers import TZ, Clock

from broadcast.audio import probe
from broadcast.cli import cli
from broadcast.station.config import load_station
from broadcast.web import Console, create_app
from broadcast.web.security import RateLimit

DAY = "2026-12-03"
NOW = datetime(2026, 12, 3, 19, 0, tzinfo=TZ)
NAMES = ("Nguyễn Văn Bình", "Trần Thị Lan")
NOTICES = {
    "nhan-ket-qua": {"template": "tra_ket_qua", "title": "Mời nhận kết quả",
                     "values": {"nguoi_nhan": [{"ho_ten": f"ông {NAMES[0]}", "thon": "Đông", "thu_tuc": "sổ đỏ"},
                                               {"ho_ten": f"bà {NAMES[1]}", "thon": "Trung", "thu_tuc": "khai sinh"}],
                                "thoi_gian": "03/12/2026 đến 11/12/2026"}},
    "hop-kin": {"template": "hop_thon", "title": "Họp chi bộ kín", "public": False,
                "values": {"thon": "Bắc", "ngay": "05/12/2026", "gio": "19h30", "noi_dung": ["việc nội bộ"]}},
    "hop-thon-dong": {"template": "hop_thon", "title": "<script>alert(1)</script>Họp thôn Đông",
                      "values": {"thon": "Đông", "ngay": "05/12/2026", "gio": "19h30",
                                 "noi_dung": ["Trẻ em < 5 tuổi & người già được khám miễn phí"]}},
}


@pytest.fixture(scope="module")
def built(tmp_path_factory, station_copier):
    """A station with three notices (names, private, public), its day built for real."""
    root = station_copier(tmp_path_factory.mktemp("nghe-lai") / "station")
    folder = root / "schedules" / "thong-bao"
    folder.mkdir(parents=True, exist_ok=True)
    for notice_id, entry in NOTICES.items():
        data = {"id": notice_id, **entry, "from": DAY, "until": DAY, "status": "approved", "repeat": 1,
                "priority": "uu-tien", "slots": ["chieu"]}
        (folder / f"{notice_id}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(cli, ["--station", str(root), "build", "--date", DAY])
    assert result.exit_code == 0, result.output
    audio_out = root / "audio_out"
    shutil.copytree(audio_out / DAY, audio_out / "2026-11-20")          # out of the window: never served
    return root


def client_for(root, *, clock=None, **web):
    station = load_station(root)
    if web:
        station = station.with_overrides(web=dataclasses.replace(station.web, **web))
    console = Console.for_station(station, now=clock or Clock(NOW))
    return TestClient(create_app(console), base_url="http://127.0.0.1"), console


@pytest.fixture(scope="module")
def site(built):
    client, console = client_for(built)
    yield client, console
    client.close()


def test_the_page_is_public_vietnamese_and_shows_only_what_may_be_public(site):
    client, _console = site
    r = client.get("/nghe-lai")
    assert r.status_code == 200 and "set-cookie" not in r.headers
    page = r.text
    assert '<html lang="vi">' in page and 'name="viewport"' in page and "Hôm nay" in page
    assert page.count("<audio") == 2 and f"/nghe-lai/audio/{DAY}/0530-sang.wav" in page
    assert "Họp thôn Đông" in page and "Trẻ em &lt; 5 tuổi &amp; người già" in page
    assert "<script" not in page.replace('<script src', '')
    for hidden in (*NAMES, "Họp chi bộ kín", "việc nội bộ", "Mời nhận kết quả"):
        assert hidden not in page, hidden
    assert "2026-11-20" not in page and 'rel="alternate" type="application/rss+xml"' in page


def test_the_page_is_cacheable_and_answers_304(site):
    client, _console = site
    r = client.get("/nghe-lai")
    assert r.headers["cache-control"] == "public, max-age=300" and r.headers["etag"] and r.headers["last-modified"]
    again = client.get("/nghe-lai", headers={"if-none-match": r.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert client.get("/nghe-lai", headers={"if-none-match": '"khac"'}).status_code == 200
    assert client.get("/nghe-lai", headers={"if-modified-since": r.headers["last-modified"]}).status_code == 304
    assert client.get("/nghe-lai", headers={"if-modified-since": "Mon, 01 Jan 2001 00:00:00 GMT"}).status_code == 200
    assert client.get("/nghe-lai", headers={"if-modified-since": "yesterday"}).status_code == 200
    head = client.head("/nghe-lai")
    assert head.status_code == 200 and head.headers["etag"] == r.headers["etag"]


def test_the_podcast_feed_reads_in_a_podcast_parser(site):
    client, _console = site
    r = client.get("/nghe-lai/podcast.xml")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/rss+xml")
    feed = feedparser.parse(r.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "rss20" and feed.feed.language == "vi" and "Nghe lại" in feed.feed.title
    assert feed.namespaces.get("itunes") == "http://www.itunes.com/dtds/podcast-1.0.dtd"
    assert feed.feed.author == "Đài Truyền thanh xã Hòa An" and len(feed.entries) == 2
    guids = set()
    for entry in feed.entries:
        (enclosure,) = entry.enclosures
        assert enclosure.href.startswith(f"http://127.0.0.1/nghe-lai/audio/{DAY}/")
        assert enclosure.type == "audio/wav" and int(enclosure.length) > 0
        assert entry.published_parsed and int(entry.itunes_duration) > 0 and entry.id
        guids.add(entry.id)
        audio = client.get(enclosure.href.removeprefix("http://127.0.0.1"))
        assert audio.status_code == 200
        if "17:00" not in entry.title:                       # the cut's exact size is known once it is made
            assert int(enclosure.length) == len(audio.content)
    assert len(guids) == 2
    body = r.content.decode()
    for hidden in (*NAMES, "Họp chi bộ kín", "<script"):
        assert hidden not in body
    assert "Họp thôn Đông" in body and "Trẻ em &lt; 5 tuổi &amp; người già" in body


def test_a_programme_with_private_notices_is_heard_without_them(site, built):
    client, _console = site
    published = probe(built / "audio_out" / DAY / "1700-chieu.wav").duration_s
    r = client.get(f"/nghe-lai/audio/{DAY}/1700-chieu.wav")
    assert r.status_code == 200 and r.headers["content-type"] == "audio/mpeg"
    cuts = list((built / "var/web/nghe-lai" / DAY).glob("1700-chieu-*.mp3"))
    assert len(cuts) == 1
    heard = probe(cuts[0]).duration_s
    import json
    manifest = json.loads((built / "audio_out" / DAY / "manifest.json").read_text(encoding="utf-8"))
    items = {i["id"]: i for p in manifest["programmes"] for i in p["items"]}
    hidden = items["nhan-ket-qua"]["duration_s"] + items["hop-kin"]["duration_s"]
    assert abs((published - hidden) - heard) < 1.0
    feed = feedparser.parse(client.get("/nghe-lai/podcast.xml").content)
    chieu = next(e for e in feed.entries if "17:00" in e.title)
    assert int(chieu.enclosures[0].length) == cuts[0].stat().st_size


def test_audio_answers_ranges_head_and_304(site):
    client, _console = site
    url = f"/nghe-lai/audio/{DAY}/0530-sang.wav"
    whole = client.get(url)
    part = client.get(url, headers={"range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == whole.content[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(whole.content)}"
    assert whole.headers["cache-control"].startswith("public") and whole.headers["accept-ranges"] == "bytes"
    assert client.get(url, headers={"if-none-match": whole.headers["etag"]}).status_code == 304
    head = client.head(url)
    assert head.status_code == 200 and int(head.headers["content-length"]) == len(whole.content)


@pytest.mark.parametrize("path", [
    f"/nghe-lai/audio/{DAY}/manifest.json", f"/nghe-lai/audio/{DAY}/playlist.m3u8",
    f"/nghe-lai/audio/{DAY}/..%2F..%2Fbroadcast.toml", f"/nghe-lai/audio/{DAY}/0530-sang.wav%00.mp3",
    "/nghe-lai/audio/..%2Fvar/users.json", "/nghe-lai/audio/2026-11-20/0530-sang.wav",
    "/nghe-lai/audio/2026-12-04/0530-sang.wav", "/nghe-lai/audio/2026-02-30/0530-sang.wav",
    "/nghe-lai/audio/20261203/0530-sang.wav", f"/nghe-lai/audio/{DAY}/0930-khong-co.wav",
    f"/nghe-lai/audio/{DAY}/../../var/web-secret", "/nghe-lai/audio/var/users.json",
    f"/nghe-lai/audio/{DAY}/0530-sang.WAV", f"/nghe-lai/audio/{DAY}/.0530-sang.wav",
])
def test_request_paths_never_reach_the_file_system_unchecked(site, path):
    client, _console = site
    r = client.get(path)
    assert r.status_code in (400, 404), path
    assert b"argon2" not in r.content and b"[station]" not in r.content and b"RIFF" not in r.content[:4]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("path", ["/nghe-lai", "/nghe-lai/podcast.xml", f"/nghe-lai/audio/{DAY}/0530-sang.wav"])
def test_nothing_on_it_changes_anything(site, built, method, path):
    client, _console = site
    before = sorted(p.name for p in (built / "audio_out" / DAY).iterdir())
    assert client.request(method, path, data={"x": "1"}).status_code == 405
    assert sorted(p.name for p in (built / "audio_out" / DAY).iterdir()) == before


def test_each_address_is_rate_limited_by_the_console_clock(built):
    clock = Clock(NOW)
    client, console = client_for(built, clock=clock)
    console.public_limit = RateLimit(10)
    codes = [client.get("/nghe-lai/podcast.xml").status_code for _ in range(12)]
    assert codes[:10] == [200] * 10 and codes[10:] == [429, 429]
    limited = client.get("/nghe-lai")
    assert limited.headers["retry-after"] == "60" and "một phút" in limited.text
    clock.now += timedelta(minutes=1)
    assert client.get("/nghe-lai").status_code == 200
    assert console.public_limit.allow("10.0.0.7", clock())                # another address is not limited


def test_station_settings_choose_what_is_public(built):
    closed, _ = client_for(built, listen_page=False)
    assert closed.get("/nghe-lai").status_code == 404 and closed.get("/nghe-lai/podcast.xml").status_code == 404
    with_names, _ = client_for(built, listen_with_names=True)
    page = with_names.get("/nghe-lai").text
    assert NAMES[0] in page and "Họp chi bộ kín" not in page             # public: false still holds
    no_meetings, _ = client_for(built, listen_exclude_tags=["hop-thon"])
    assert "Họp thôn Đông" not in no_meetings.get("/nghe-lai").text
    short, _ = client_for(built, clock=Clock(NOW + timedelta(days=1)), listen_days=0)
    assert "0530-sang" not in short.get("/nghe-lai").text                 # only 04/12, not built


@pytest.mark.parametrize("value", ['"khong"', "0", "[]"])
def test_a_bad_public_flag_is_one_message_with_file_and_line(station_dir, value):
    folder = station_dir / "schedules" / "thong-bao"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "x.yaml").write_text("id: x\ntemplate: hop_thon\nfrom: 2026-12-03\nstatus: approved\n"
                                   f"public: {value}\nvalues: {{thon: Bắc, ngay: 05/12/2026, gio: 19h30, "
                                   "noi_dung: [a]}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--station", str(station_dir), "check"])
    assert result.exit_code == 2 and "x.yaml:5" in result.output and "public" in result.output
    assert "Traceback" not in result.output


def test_the_listening_page_is_linked_from_the_console_and_documented(browser):
    from pathlib import Path

    assert 'href="/nghe-lai"' in browser("bien-tap").get("/tuan").text
    guide = Path(__file__).resolve().parents[2] / "docs" / "huong-dan" / "nghe-lai.md"
    assert "/nghe-lai/podcast.xml" in guide.read_text(encoding="utf-8")
