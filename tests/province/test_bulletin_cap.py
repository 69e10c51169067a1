"""CAP 1.2 alerts to draft bulletins: the standard's four examples, two Vietnamese alerts, and malformed ones."""

from __future__ import annotations

from pathlib import Path

import pytest
from bulletin_helpers import TZ
from click.testing import CliRunner

from broadcast.cli import cli
from broadcast.errors import InputError
from broadcast.province.bulletins.cap import ProvinceArea, parse_alert, parse_polygon
from broadcast.province.bulletins.cap_draft import draft
from broadcast.province.bulletins.yamlfile import read_bulletin

FIXTURES = Path(__file__).with_name("cap")
CALIFORNIA = parse_polygon("42.0,-124.4 42.0,-114.1 32.5,-114.1 32.5,-124.4 42.0,-124.4")
QUANG_TRI = parse_polygon("17.2,106.5 17.2,107.4 16.1,107.4 16.1,106.5 17.2,106.5")
EVERYWHERE_US = ProvinceArea(frozenset({("SAME", "006037")}), (CALIFORNIA,))


def alert(name):
    return parse_alert((FIXTURES / name).read_bytes(), where=name)


@pytest.mark.parametrize(("name", "identifier", "infos", "level", "concerns_california"), [
    ("a1-hsas.xml", "43b080713727", 1, "khẩn cấp", False),          # areaDesc only: no geometry to test
    ("a2-thunderstorm.xml", "KSTO1055887203", 1, "khẩn cấp", True),  # polygon
    ("a3-earthquake.xml", "TRI13970876.2", 1, "ưu tiên", True),       # circle of radius 0, Past/Minor
    ("a4-amber.xml", "KAR0-0306112239-SW", 2, "khẩn cấp", True),     # geocode SAME 006037
])
def test_the_standards_examples(tmp_path, name, identifier, infos, level, concerns_california):
    parsed = alert(name)
    assert parsed.identifier == identifier and len(parsed.infos) == infos
    assert EVERYWHERE_US.concerns(parsed.info().areas) is concerns_california
    if not concerns_california:
        with pytest.raises(InputError, match="không liên quan"):
            draft(parsed, tz=TZ, area=EVERYWHERE_US)
        return
    text = draft(parsed, tz=TZ, area=EVERYWHERE_US)
    assert "dịch các phần trong «...»" in text                     # English: a person translates
    path = tmp_path / "nhap.yaml"
    path.write_text(text, encoding="utf-8")
    document, _ = read_bulletin(path, tz=TZ, now=parsed.sent)        # the draft is a valid bulletin file
    assert document["level"] == {"khẩn cấp": "khan-cap", "ưu tiên": "uu-tien"}[level]
    assert document["issued"] == parsed.sent.astimezone(TZ).replace(second=0).isoformat()


def test_a_vietnamese_storm_alert_becomes_a_khan_cap_draft(tmp_path):
    parsed = alert("vn-bao-so-9.xml")
    for area in (ProvinceArea(polygons=(QUANG_TRI,)), ProvinceArea(frozenset({("ISO3166-2", "VN-25")}))):
        text = draft(parsed, tz=TZ, area=area)
        assert "«" not in text and "dịch" not in text
    path = tmp_path / "bao.yaml"
    path.write_text(text, encoding="utf-8")
    document, _ = read_bulletin(path, tz=TZ, now=parsed.sent)
    assert document["level"] == "khan-cap" and document["repeat_every_minutes"] == 120
    words = document["content"]["text"]
    assert "Mức độ cực kỳ nguy hiểm, cần hành động ngay" in words
    assert "Hiệu lực từ 18 giờ ngày 7 tháng 12 năm 2026 đến 18 giờ ngày 8 tháng 12 năm 2026" in words
    assert "Hướng dẫn: Tàu thuyền không ra khơi" in words
    assert document["valid_from"] == "2026-12-07T18:00:00+07:00" and document["expires"] == "2026-12-08T18:00:00+07:00"


def test_an_alert_for_another_province_is_ignored():
    with pytest.raises(InputError, match="không liên quan"):
        draft(alert("vn-lu-dong-nai.xml"), tz=TZ, area=ProvinceArea(polygons=(QUANG_TRI,)))
    # a circle reaching into the province does concern it
    near = ProvinceArea(polygons=(parse_polygon("11.2,107.5 11.2,107.9 11.0,107.9 11.0,107.5 11.2,107.5"),))
    assert near.concerns(alert("vn-lu-dong-nai.xml").info().areas)


def _storm(**changes):
    text = (FIXTURES / "vn-bao-so-9.xml").read_text(encoding="utf-8")
    for old, new in changes.items():
        assert old in text, old
        text = text.replace(old, new)
    return text.encode("utf-8")


XXE = b"""<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&x;</identifier></alert>"""
LAUGHS = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">&lol2;</alert>"""


@pytest.mark.parametrize(("data", "words"), [
    (XXE, "DTD hoặc thực thể"),
    (LAUGHS, "DTD hoặc thực thể"),
    (b"<alert><identifier>x</identifier>", "không phải XML"),
    (b"<html><body>nope</body></html>", "không phải cảnh báo CAP 1.2"),
    (_storm(**{"<identifier>VN-NCHMF-2026-12-07-BAO09-05</identifier>": ""}), "<identifier>"),
    (_storm(**{"<status>Actual</status>": "<status>Test</status>"}), "status 'Test'"),
    (_storm(**{"<msgType>Alert</msgType>": "<msgType>Cancel</msgType>"}), "loại 'Cancel'"),
    (_storm(**{"<sent>2026-12-07T13:30:00+07:00</sent>": "<sent>2026-12-07T13:30:00</sent>"}), "múi giờ"),
    (_storm(**{"<urgency>Immediate</urgency>": ""}), "<urgency>"),
    (_storm(**{"16.0,106.8 17.5,106.8": "16.0,106.8 abc"}), "đa giác"),
    (b"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'>" + b" " * (1 << 20) + b"</alert>", "quá lớn"),
])
def test_malformed_alerts_are_refused_with_the_reason(data, words):
    with pytest.raises(InputError) as caught:
        parse_alert(data, where="canh-bao.xml")
    assert words in str(caught.value), str(caught.value)


def test_no_expiry_means_a_day_and_says_so():
    parsed = parse_alert(_storm(**{"<expires>2026-12-08T18:00:00+07:00</expires>": ""}))
    text = draft(parsed, tz=TZ, area=ProvinceArea())
    assert "tạm để 24 giờ" in text and 'expires: "2026-12-08 18:00"' in text


def test_from_cap_on_the_command_line(tmp_path):
    out = tmp_path / "nhap.yaml"
    result = CliRunner().invoke(cli, ["province", "bulletin", "from-cap", str(FIXTURES / "vn-bao-so-9.xml"),
                                      "--geocode", "ISO3166-2=VN-25", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("# BẢN NHÁP")
    refused = CliRunner().invoke(cli, ["province", "bulletin", "from-cap", str(FIXTURES / "vn-lu-dong-nai.xml"),
                                       "--geocode", "ISO3166-2=VN-25"])
    assert refused.exit_code == 2 and "không liên quan" in refused.output and "Traceback" not in refused.output
    bad = CliRunner().invoke(cli, ["province", "bulletin", "from-cap", str(FIXTURES / "a1-hsas.xml"),
                                   "--geocode", "VN-25"])
    assert bad.exit_code == 2 and "TÊN=MÃ" in bad.output
