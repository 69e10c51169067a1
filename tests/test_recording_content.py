"""Audio a station airs from its folder is checked by content at `check`: not renamed files, not
silence, not a blip. Recorded notices, slots' relay files, live relays' fallbacks, the tune and
[playout] fallback: each refused with the file and the reason (exit 2), before a build meets it."""

from __future__ import annotations

import io
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from broadcast import audio
from broadcast.build import Toolkit, check_station
from broadcast.cli import cli
from broadcast.station.config import load_station

VOICE = "(0.5*sin(2*PI*160*t)+0.3*sin(2*PI*320*t)+0.2*sin(2*PI*480*t))*pow(abs(sin(2*PI*2*t)),2)*0.3"


def lavfi(dst: Path, expr: str, seconds: float, *codec: str) -> Path:
    dst.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([audio.ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"aevalsrc='{expr}':s=44100:d={seconds}", *codec, str(dst)], check=True)
    return dst


def zipped(dst: Path, *, stored_mp3: bool) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED if stored_mp3 else zipfile.ZIP_DEFLATED) as z:
        if stored_mp3:                       # MP3 frames ffmpeg would find and decode inside the ZIP
            z.write(lavfi(dst.with_name("ben-trong.mp3"), VOICE, 3), "ghi-am.mp3")
        else:
            z.writestr("bien-ban.txt", "Biên bản họp dân thôn 2\n" * 200)
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(buffer.getvalue())
    return dst


BAD = {  # name: (file name, make it, what the message says)
    "zip-doi-ten-mp3": ("hop.mp3", lambda p: zipped(p, stored_mp3=False), "tệp nén ZIP"),
    "zip-chua-mp3": ("hop.mp3", lambda p: zipped(p, stored_mp3=True), "tệp nén ZIP"),
    "png-doi-ten-m4a": ("hop.m4a", lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(300)), "ảnh PNG"),
    "jpeg-doi-ten-mp3": ("hop.mp3", lambda p: p.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(300)), "ảnh JPEG"),
    "pdf-doi-ten-mp3": ("hop.mp3", lambda p: p.write_bytes(b"%PDF-1.7\n" + bytes(300)), "tệp PDF"),
    "van-ban-doi-ten-wav": ("hop.wav", lambda p: p.write_text("Giấy mời họp dân thôn 2\n" * 50, encoding="utf-8"),
                            "văn bản"),
    "im-lang-wav": ("hop.wav", lambda p: lavfi(p, "0", 5), "im lặng"),
    "im-lang-mp3": ("hop.mp3", lambda p: lavfi(p, "0", 5), "im lặng"),
    "tieng-re": ("hop.m4a", lambda p: lavfi(p, "0.02*(random(0)-0.5)", 5, "-c:a", "aac"), "im lặng"),
    "tieng-u-50hz": ("hop.wav", lambda p: lavfi(p, "0.004*sin(2*PI*50*t)", 5), "im lặng"),
    "nua-giay": ("hop.wav", lambda p: lavfi(p, VOICE, 0.5), "chỉ dài 0,5 giây"),
    "mot-tieng-tach": ("hop.wav", lambda p: lavfi(p, "0.9*between(t,1,1.002)", 4), ""),
}

NOTICE = """announcements:
  - id: hop-thon-2
    file: recordings/{name}
    title: Mời họp dân thôn 2
    from: 2026-12-07
    until: 2026-12-08
    slots: [sang]
    status: approved
"""
RELAY = """slots:
  - name: trua
    start: "11:00"
    max_minutes: 30
    structure: [nhac-hieu, tiep-am, nhac-hieu]
    relay: {{file: recordings/{name}, title: Tiếp âm Đài tỉnh, source: tinh}}
"""
LIVE = """slots:
  - name: trua
    start: "11:00"
    max_minutes: 30
    structure: [nhac-hieu, tiep-am]
    relay: {{url: "http://127.0.0.1:9/vov1.mp3", title: Tiếp âm VOV, minutes: 20, fallback: recordings/{name}}}
"""
PLACES = {"thong-bao": (NOTICE, "Tệp ghi âm"), "tiep-am": (RELAY, "Tệp tiếp âm"),
          "du-phong": (LIVE, "Tệp dự phòng của tiếp âm")}


def problems_with(station_dir: Path, place: str, kind: str) -> list[str]:
    name, make, _ = BAD[kind]
    (station_dir / "recordings").mkdir(exist_ok=True)
    make(station_dir / "recordings" / name)
    text, _ = PLACES[place]
    (station_dir / "schedules" / "ghi-am.yaml").write_text(text.format(name=name), encoding="utf-8")
    return check_station(Toolkit.from_station(load_station(station_dir))).problems


@pytest.mark.parametrize("kind", sorted(BAD))
def test_check_refuses_a_recorded_notice_that_cannot_air(station_dir, kind):
    name, _, words = BAD[kind]
    (problem,) = [p for p in problems_with(station_dir, "thong-bao", kind) if name in p]
    assert problem.startswith("schedules/ghi-am.yaml:2: Tệp ghi âm 'recordings/") and words in problem
    assert "Sửa:" in problem


@pytest.mark.parametrize("kind", ["zip-doi-ten-mp3", "im-lang-wav", "nua-giay", "van-ban-doi-ten-wav"])
@pytest.mark.parametrize("place", ["tiep-am", "du-phong"])
def test_check_refuses_relay_files_and_fallbacks_too(station_dir, place, kind):
    name, _, words = BAD[kind]
    (problem,) = [p for p in problems_with(station_dir, place, kind) if name in p]
    assert problem.startswith("schedules/ghi-am.yaml:6: " + PLACES[place][1]) and words in problem


@pytest.mark.parametrize("seconds", [1.2, 3.0])
@pytest.mark.parametrize("place", sorted(PLACES))
def test_real_audio_of_a_second_or_more_passes(station_dir, place, seconds):
    lavfi(station_dir / "recordings" / "hop.m4a", VOICE, seconds + 0.3, "-c:a", "aac")
    text, _ = PLACES[place]
    (station_dir / "schedules" / "ghi-am.yaml").write_text(text.format(name="hop.m4a"), encoding="utf-8")
    assert check_station(Toolkit.from_station(load_station(station_dir))).problems == []


def test_the_command_exits_2_naming_the_file(station_dir):
    zipped(station_dir / "recordings" / "hop.mp3", stored_mp3=False)
    (station_dir / "schedules" / "ghi-am.yaml").write_text(RELAY.format(name="hop.mp3"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["--station", str(station_dir), "check"])
    assert result.exit_code == 2 and "recordings/hop.mp3" in result.output and "tệp nén ZIP" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("key", "line"), [("signature_tune", 'signature_tune = "assets/nhac.mp3"'),
                                           ("fallback", 'fallback = "assets/nhac.mp3"')])
def test_the_audio_files_broadcast_toml_names_are_checked(station_dir, key, line):
    zipped(station_dir / "assets" / "nhac.mp3", stored_mp3=False)
    config = station_dir / "broadcast.toml"
    section = "[audio]" if key == "signature_tune" else "[playout]"
    config.write_text(config.read_text(encoding="utf-8").replace(section, f"{section}\n{line}", 1), encoding="utf-8")
    problems = check_station(Toolkit.from_station(load_station(station_dir))).problems
    assert [p for p in problems if f'{key} = "assets/nhac.mp3"' in p and "tệp nén ZIP" in p], problems
