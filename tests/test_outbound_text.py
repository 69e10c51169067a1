"""Text from people is text everywhere it leaves the station: website export, iCalendar, report, province feed.

Each payload a person could type in a console field goes through every exit; what comes out must
hold no tag, no event handler and no javascript: link, and readable Vietnamese with < and & survives.
"""

from __future__ import annotations

import csv
import json
import re
import threading
import urllib.request
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from click.testing import CliRunner
from markdown_it import MarkdownIt

from broadcast.build import Toolkit, load_plan
from broadcast.cli import cli
from broadcast.publish.day import json_text, playlist_text
from broadcast.publish.ical import programmes_to_ical
from broadcast.publish.plaintext import markdown, plain, spreadsheet_cell
from broadcast.station.config import load_station

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = date(2026, 12, 7)
READABLE = "Trẻ em < 5 tuổi & người trên 60 tuổi > được miễn phí"

# (name, what a person typed, the words that must survive it, readable)
PAYLOADS = [
    ("script", "<script>alert(1)</script>Họp thôn Đông", "Họp thôn Đông"),
    ("img-onerror", '<img src=x onerror="alert(1)">Mời nhận kết quả', "Mời nhận kết quả"),
    ("svg-onload", "<svg/onload=alert(1)>Cắt điện", "Cắt điện"),
    ("md-link", "[bấm vào đây](javascript:alert(1))", "bấm vào đây"),
    ("md-image", "![x](javascript:alert(1)) Ảnh", "Ảnh"),
    ("autolink", "<javascript:alert(1)> Liên kết", "Liên kết"),
    ("entities", "&lt;script&gt;alert(1)&lt;/script&gt; Mã", "Mã"),
    ("nested", "<scr<script>ipt>alert(1)</script>Lồng", "Lồng"),
    ("comment", "Chú<!-- <script>alert(1)</script> -->thích", "Chúthích"),
    ("unclosed", "Mở thẻ <img src=x onerror=alert(1)", "Mở thẻ"),
    ("vietnamese", READABLE, READABLE),
    ("ampersand", "Ông A & bà B, 3<4, a<b", "Ông A & bà B, 3<4, a< b"),
    ("open-to-the-end", "Mở <img src=x onerror=alert(1) đến hết", "Mở"),
    ("control", "Dòng\x0bmột\x00hai\x1b", "Dòngmộthai"),
]
IDS = [p[0] for p in PAYLOADS]


class Html(HTMLParser):
    """What a browser would build from a page: its tags, attributes and visible text."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(source)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    @property
    def visible(self) -> str:
        return "".join(self.text)


SAFE_TAGS = {"h1", "h2", "h3", "h4", "p", "em", "strong", "ul", "ol", "li", "table", "thead", "tbody", "tr",
             "th", "td", "hr", "br", "img", "code", "blockquote"}


def assert_harmless_html(source: str) -> Html:
    page = Html(source)
    for tag, attrs in page.tags:
        assert tag in SAFE_TAGS, (tag, attrs)
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        for name in ("href", "src"):
            assert not (attrs.get(name) or "").strip().lower().startswith(("javascript:", "data:")), attrs
        if tag == "img":
            assert attrs.get("src", "").endswith(".png"), attrs          # only the report's own chart
    assert "<script" not in page.visible.lower() or "&lt;script" in source.lower()
    return page


@pytest.mark.parametrize(("name", "typed", "survives"), PAYLOADS, ids=IDS)
def test_plain_and_markdown_keep_the_words_and_drop_the_markup(name, typed, survives):
    text = plain(typed)
    assert "<script" not in text and "onerror" not in text.replace("onerror=alert", "") or name == "entities"
    assert survives in text
    page = assert_harmless_html(MarkdownIt("commonmark").render(markdown(typed)))
    assert survives in page.visible


# -- the website export, end to end from a notice file as the console writes it ------------------

@pytest.fixture(scope="module")
def payload_station(tmp_path_factory, station_copier):
    station_dir = station_copier(tmp_path_factory.mktemp("xss") / "station")
    folder = station_dir / "schedules" / "thong-bao"
    folder.mkdir(parents=True, exist_ok=True)
    for n, (name, typed, _survives) in enumerate(PAYLOADS):
        if name == "control":
            continue                     # the schedule loader refuses control characters already
        entry = {"id": f"xss-{name}", "template": "hop_thon", "title": f"{typed} {n}",
                 "values": {"thon": typed, "ngay": "08/12/2026", "gio": "19h30", "noi_dung": [typed, READABLE],
                            "chu_tri": "Thôn", "thanh_phan": "các hộ"},
                 "from": DAY.isoformat(), "until": DAY.isoformat(), "status": "approved", "repeat": 1,
                 "priority": "uu-tien", "slots": ["sang" if n % 2 else "chieu"]}
        (folder / f"xss-{name}.yaml").write_text(yaml.safe_dump(entry, allow_unicode=True), encoding="utf-8")
    return station_dir


def export(station_dir, fmt):
    result = CliRunner().invoke(cli, ["--station", str(station_dir), "export", "--date", DAY.isoformat(),
                                      "--format", fmt])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_markdown_export_renders_to_text_only(payload_station):
    md = export(payload_station, "md")
    page = assert_harmless_html(MarkdownIt("commonmark").render(md))
    for name, _typed, survives in PAYLOADS:
        assert name == "control" or survives in page.visible, survives
    assert READABLE in page.visible
    assert "<script" not in md and "<img" not in md and not re.search(r"(?<!\\)\]\(javascript:", md)


def test_the_text_export_has_no_markup(payload_station):
    txt = export(payload_station, "txt")
    assert not re.search(r"<[A-Za-z/!?]", txt)          # nothing a browser would take for a tag
    assert READABLE in txt


def test_the_icalendar_has_no_markup(payload_station):
    from icalendar import Calendar

    station = load_station(payload_station)
    programmes = load_plan(Toolkit.from_station(station), DAY)
    data = programmes_to_ical(programmes, station_name=station.station.name, now=datetime(2026, 12, 6, tzinfo=TZ))
    texts = [str(c.get(key, "")) for c in Calendar.from_ical(data).walk("VEVENT") for key in ("SUMMARY", "DESCRIPTION")]
    joined = "\n".join(texts)
    assert not re.search(r"<[A-Za-z/!?]", joined) and "\x0b" not in joined and "\x00" not in joined
    assert "Họp thôn Đông" in joined and READABLE in joined


# -- the report: DOCX, Markdown, CSV, XLSX ----------------------------------------------------------

def log_rows():
    rows, n = [], 0
    for _name, typed, _survives in PAYLOADS:
        n += 1
        programme = {"id": n * 10, "kind": "programme", "parent_id": None, "programme_id": f"2026-12-0{1 + n % 5}-sang",
                     "date": f"2026-12-0{1 + n % 5}", "slot": "sang", "session": "sang",
                     "scheduled_at": f"2026-12-0{1 + n % 5}T05:30:00+07:00", "started_at": None, "ended_at": None,
                     "item_id": None, "item_kind": None, "template": None, "title": typed, "tags": [],
                     "priority": "thuong", "episode": None, "source": "tu-san-xuat", "repeat": 1,
                     "duration_s": 600.0, "status": "played", "error": None, "output": "file", "file": None,
                     "values_json": "{}", "origin": "scheduled"}
        rows.append(programme)
        rows.append({**programme, "id": n * 10 + 1, "kind": "item", "parent_id": n * 10, "item_id": f"cchc-{n}",
                     "item_kind": "chuyen-muc", "title": typed, "tags": ["cchc", "tthc"], "episode": f"cchc-{n}",
                     "duration_s": 300.0, "values_json": json.dumps({"ten_thu_tuc": typed}, ensure_ascii=False)})
    rows.append({**rows[1], "id": 999, "title": "=HYPERLINK(\"http://x.test\",\"bấm\")", "item_id": "f",
                 "episode": "=1+1", "values_json": json.dumps({"ten_thu_tuc": "@SUM(A1:A9)"})})
    return rows


def test_every_report_file_holds_text_only(tmp_path):
    import docx
    import openpyxl

    from broadcast.report import ReportSettings, compute_report, period_for_month, write_report_files

    report = compute_report(log_rows(), period_for_month(2026, 12), generated_on=date(2027, 1, 5))
    settings = ReportSettings()
    files = {p.suffix: p for p in write_report_files(report, settings, tmp_path)}
    md = files[".md"].read_text(encoding="utf-8")
    page = assert_harmless_html(MarkdownIt("commonmark").enable("table").render(md))
    assert "Họp thôn Đông" in page.visible and READABLE in page.visible

    document = docx.Document(str(files[".docx"]))
    words = [p.text for p in document.paragraphs] + [c.text for t in document.tables for r in t.rows for c in r.cells]
    joined = "\n".join(words)
    for bad in ("<script", "<img", "<svg", "onerror", "\x0b"):
        assert bad not in joined
    assert READABLE in joined and "Mời nhận kết quả" in joined

    for row in csv.reader(files[".csv"].read_text(encoding="utf-8-sig").splitlines()):
        assert not any(cell.startswith(("=", "+", "@")) for cell in row), row
    book = openpyxl.load_workbook(files[".xlsx"])
    for sheet in book.worksheets:
        for cells in sheet.iter_rows():
            for cell in cells:
                assert cell.data_type != "f", cell.value
                assert not (isinstance(cell.value, str) and cell.value.startswith(("=", "+", "@"))), cell.value


@pytest.mark.parametrize(("value", "expected"), [("=1+1", "'=1+1"), ("+84 912", "'+84 912"), ("-5", "'-5"),
                                                 ("@SUM(A1)", "'@SUM(A1)"), ("Họp thôn", "Họp thôn"), (5, 5),
                                                 (-5.5, -5.5)])
def test_spreadsheet_cells_never_start_a_formula(value, expected):
    assert spreadsheet_cell(value) == expected


# -- the province feed ------------------------------------------------------------------------------

def test_the_province_feed_sends_data_never_a_page(tmp_path):
    from broadcast.province.serve import make_server

    audio_out = tmp_path / "audio_out"
    day = audio_out / DAY.isoformat()
    day.mkdir(parents=True)
    title = "<script>alert(1)</script>Buổi sáng"
    manifest = {"schema": 1, "date": DAY.isoformat(), "station": "Hòa An", "programmes": [
        {"id": "p", "slot": "sang", "title": title, "start": "2026-12-07T05:30:00+07:00", "file": "0530-sang.mp3",
         "duration_s": 1.0, "items": []}]}
    (day / "manifest.json").write_text(json_text(manifest, indent=2), encoding="utf-8")
    (day / "0530-sang.mp3").write_bytes(b"ID3")
    server = make_server({"xa-<b>": audio_out, "xa-hoa-an": audio_out}, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = "http://{}:{}".format(*server.server_address[:2])
        for path in ("/", "/xa-hoa-an/", f"/xa-hoa-an/{DAY}/manifest.json", f"/xa-hoa-an/{DAY}/0530-sang.mp3",
                     "/khong-co"):
            try:
                response = urllib.request.urlopen(base + path, timeout=10)
            except urllib.error.HTTPError as exc:
                response = exc
            body = response.read().decode("utf-8", "replace")
            assert response.headers["X-Content-Type-Options"] == "nosniff", path
            assert "sandbox" in response.headers["Content-Security-Policy"], path
            assert "<script" not in body and "<b>" not in body, path
        with urllib.request.urlopen(f"{base}/xa-hoa-an/{DAY}/manifest.json", timeout=10) as response:
            assert json.loads(response.read())["programmes"][0]["title"] == title   # the same data
    finally:
        server.shutdown()
        server.server_close()


def test_a_line_break_in_a_title_cannot_add_a_playlist_entry():
    manifest = {"date": DAY.isoformat(), "programmes": [
        {"title": "Sáng\n../../var/users.json\n#EXTINF:1,x", "start": "2026-12-07T05:30:00+07:00",
         "duration_s": 60, "file": "0530-sang.mp3"}]}
    lines = playlist_text(manifest, "Đài <b>xã</b>").splitlines()
    assert lines[-1] == "0530-sang.mp3" and len(lines) == 4
    assert not any(line.startswith("../") for line in lines) and "<b>" not in "\n".join(lines)


def test_no_module_writes_people_text_without_the_rule():
    """The exits import the one rule (a new exit that forgets it fails here)."""
    root = Path(__file__).resolve().parents[1] / "broadcast"
    for module in ("publish/export.py", "publish/ical.py", "publish/day.py", "report/markdown.py",
                   "report/docx_layout.py", "report/csv_table.py", "report/xlsx.py", "province/serve.py"):
        source = (root / module).read_text(encoding="utf-8")
        assert "plaintext" in source or "json_text" in source, module


# -- the listening page and its podcast feed ------------------------------------------------------

def public_programme(typed: str, tmp_path: Path):
    """The programme as the listening page reads it: from a published manifest, through replay."""
    from broadcast.web.replay import Policy, public_programmes

    folder = tmp_path / "audio_out" / DAY.isoformat()
    folder.mkdir(parents=True)
    (folder / "1700-chieu.mp3").write_bytes(b"ID3")
    item = {"id": "n", "kind": "thong-bao", "template": "hop_thon", "title": typed, "tags": [],
            "offset_s": 0.0, "duration_s": 30.0, "text": f"{typed}\n{READABLE}"}
    manifest = {"programmes": [{"id": "p", "title": f"{typed} buổi chiều", "start": "2026-12-07T17:00:00+07:00",
                                "file": "1700-chieu.mp3", "duration_s": 60.0, "items": [item]}]}
    (folder / "manifest.json").write_text(json_text(manifest), encoding="utf-8")
    policy = Policy(with_names=True, exclude_tags=frozenset(), private_ids=frozenset(), known_ids=frozenset({"n"}),
                    records_templates=frozenset())
    (programme,) = public_programmes(tmp_path / "audio_out", DAY, policy)
    return programme


@pytest.mark.parametrize(("name", "typed", "survives"), PAYLOADS, ids=IDS)
def test_the_podcast_feed_carries_text_only(name, typed, survives, tmp_path):
    import xml.etree.ElementTree as ET

    import feedparser

    from broadcast.web.podcast import feed_xml

    p = public_programme(typed, tmp_path)
    body = feed_xml(base="https://dai.xa-hoa-an.vn", station_title="Đài <b>xã</b> Hòa An", programmes=[(p, 1000)],
                    built=p.start)
    assert not feedparser.parse(body).bozo
    texts = [e.text or "" for e in ET.fromstring(body).iter()]
    joined = "\n".join(texts)
    assert not re.search(r"<[A-Za-z/!?]", joined), joined
    assert survives in joined and READABLE in joined


@pytest.mark.parametrize(("name", "typed", "survives"), PAYLOADS, ids=IDS)
def test_the_listening_page_shows_text_only(name, typed, survives, tmp_path):
    from broadcast.web.html import public_page
    from broadcast.web.podcast import audio_url

    p = public_programme(typed, tmp_path)
    page = public_page("listen.html", {"station_title": "Hòa An", "base": "", "audio_url": audio_url,
                                       "feed": "/nghe-lai/podcast.xml", "days_back": 7,
                                       "days": [{"id": "2026-12-07", "label": "Hôm nay", "programmes": [p]}]})
    html = page.body.decode()
    parsed = Html(html)
    assert {t for t, _ in parsed.tags} <= {"html", "head", "meta", "title", "link", "body", "header", "h1", "p",
                                            "a", "main", "section", "h2", "article", "h3", "span", "audio",
                                            "div", "details", "summary", "footer"}
    assert not any(k.startswith("on") for _, attrs in parsed.tags for k in attrs)
    assert survives in parsed.visible and READABLE in parsed.visible
