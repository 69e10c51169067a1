"""Recorded notices (`file:` in a schedule): real phone formats made with ffmpeg, decoded by content,
trimmed, levelled, repeated with "Xin nhắc lại", their real length in the plan, errors at `check`."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import date
from pathlib import Path

import pytest

from broadcast import audio
from broadcast.audio import clips, pcm
from broadcast.build import Toolkit, build_day, check_station, load_plan
from broadcast.cli import cli
from broadcast.errors import MultiError
from broadcast.schedule import load_schedule
from broadcast.station.config import load_station

DAY = date(2026, 12, 7)
SPEECH_S, LEAD_S, TAIL_S = 2.0, 1.0, 1.5
# A voice-like sound with a second of room noise (-60 dB) before and a second and a half after.
VOICE = ("(0.5*sin(2*PI*160*t)+0.3*sin(2*PI*320*t)+0.2*sin(2*PI*480*t))*pow(abs(sin(2*PI*2*t)),2)*0.3"
         f"*between(t,{LEAD_S},{LEAD_S + SPEECH_S})+0.001*(random(0)-0.5)")
FORMATS = {  # name: (rate, channels, codec arguments) as phones and messaging apps send them
    "m4a": (44100, 2, ["-c:a", "aac", "-b:a", "64k"]),
    "aac": (44100, 1, ["-c:a", "aac", "-b:a", "48k", "-f", "adts"]),
    "mp3": (44100, 2, ["-c:a", "libmp3lame", "-b:a", "64k"]),
    "wav": (48000, 1, ["-c:a", "pcm_s16le"]),
    "ogg": (48000, 1, ["-c:a", "libopus", "-b:a", "24k"]),
    "opus": (48000, 1, ["-c:a", "libopus", "-b:a", "24k"]),
    "amr": (8000, 1, ["-c:a", "libopencore_amrnb", "-b:a", "12.2k"]),
}


def can_encode(codec: str) -> bool:
    out = subprocess.run([audio.ffmpeg_exe(), "-hide_banner", "-encoders"], capture_output=True, text=True)
    return f" {codec} " in out.stdout


def make_recording(dst: Path, kind: str) -> Path:
    rate, channels, codec = FORMATS[kind]
    layout = "mono" if channels == 1 else "stereo"
    dst.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([audio.ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"aevalsrc='{VOICE}':s={rate}:d={LEAD_S + SPEECH_S + TAIL_S}:c={layout}", *codec, str(dst)],
                   check=True)
    return dst


@pytest.mark.parametrize("kind", sorted(FORMATS))
def test_every_phone_format_decodes_by_content_to_mono_with_the_silence_trimmed(kind, tmp_path):
    codec = FORMATS[kind][2][1]
    if kind == "amr" and not can_encode("libopencore_amrnb"):
        pytest.skip("this ffmpeg cannot encode AMR-NB, so no AMR file can be made to decode")
    # The extension says nothing: a recording saved as .bin is still found to be audio.
    src = make_recording(tmp_path / f"ghi-am.{kind}", kind)
    renamed = src.rename(tmp_path / "ghi-am.bin")
    store = tmp_path / "cache"
    seconds = clips.duration_s(renamed, trim=True, rate=22050, store=store, scratch=store)
    kept = 2 * audio._TRIM_KEEP_S
    assert seconds == pytest.approx(SPEECH_S + kept, abs=0.12 if codec != "pcm_s16le" else 0.06)
    (decoded,) = (store / "_decoded").glob("*-trim.wav")
    assert clips.wav_frames(decoded)[0] == 22050  # mono 16-bit at the asked rate (wav_frames checks)


def test_a_corrupt_recording_is_an_audio_error_naming_it(tmp_path):
    bad = tmp_path / "hong.m4a"
    bad.write_bytes(b"\x00\x00\x00\x18ftypM4A " + os.urandom(3000))
    with pytest.raises(audio.AudioError) as err:
        clips.duration_s(bad, trim=True, rate=22050, store=tmp_path / "c", scratch=tmp_path / "c")
    assert err.value.path == str(bad)


# --- in a station --------------------------------------------------------------------------------

def add_recorded_notice(station_dir: Path, file: str = "recordings/loa-moi-hop.m4a", extra: str = "") -> Path:
    (station_dir / "schedules" / "ghi-am.yaml").write_text(
        "announcements:\n"
        "  - id: hop-dan-thon-2\n"
        f"    file: {file}\n"
        "    title: Mời họp dân thôn 2\n"
        "    from: 2026-12-07\n"
        "    until: 2026-12-08\n"
        "    slots: [sang]\n"
        "    status: approved\n" + extra, encoding="utf-8")
    return station_dir / "schedules" / "ghi-am.yaml"


def test_a_recorded_notice_is_planned_with_its_real_length_probed_once(station_dir, monkeypatch):
    make_recording(station_dir / "recordings" / "loa-moi-hop.m4a", "m4a")
    add_recorded_notice(station_dir)
    decodes = []
    real = pcm.decode_to_wav
    monkeypatch.setattr(pcm, "decode_to_wav", lambda *a, **k: decodes.append(a) or real(*a, **k))
    toolkit = Toolkit.from_station(load_station(station_dir))
    for _ in range(2):
        (morning, *_) = load_plan(toolkit, DAY)
        (item,) = [i for i in morning.items if i.id == "hop-dan-thon-2"]
    assert (item.repeat, item.priority.value, item.template) == (2, "thuong", None)
    assert item.title == "Mời họp dân thôn 2"
    reading = SPEECH_S + 2 * audio._TRIM_KEEP_S
    # two readings, the repeat gap, "Xin nhắc lại" and its pause, then the gap after the item
    assert 2 * reading + 1.5 + 0.4 + 1.0 < item.est_duration_s < 2 * reading + 1.5 + 0.4 + 1.0 + 3.0
    assert len([a for a in decodes if str(a[0]).endswith(".m4a")]) == 1   # probed once, then cached


def test_a_recorded_notice_builds_repeated_with_the_joiner_and_levelled(station_dir):
    make_recording(station_dir / "recordings" / "loa-moi-hop.m4a", "m4a")
    add_recorded_notice(station_dir)
    station = load_station(station_dir)
    result = build_day(station, DAY, toolkit=Toolkit.from_station(station))
    manifest = json.loads((result.directory / "manifest.json").read_text(encoding="utf-8"))
    morning = manifest["programmes"][0]
    (item,) = [i for i in morning["items"] if i["id"] == "hop-dan-thon-2"]
    assert item["recording"] == "recordings/loa-moi-hop.m4a"
    assert (item["kind"], item["template"], item["repeat"]) == ("thong-bao", None, 2)
    reading = SPEECH_S + 2 * audio._TRIM_KEEP_S
    assert item["duration_s"] > 2 * reading + 1.5 + 0.4 + 0.3     # two readings and "Xin nhắc lại" between
    # the recording itself, first reading, is levelled to the programme target like every item
    out = result.directory / morning["file"]
    first = section_loudness(out, item["offset_s"], reading)
    assert first == pytest.approx(station.audio.target_lufs, abs=1.0)


def section_loudness(path: Path, start: float, seconds: float) -> float:
    err = subprocess.run([audio.ffmpeg_exe(), "-hide_banner", "-nostats", "-ss", f"{start:.3f}", "-t",
                          f"{seconds:.3f}", "-i", str(path), "-af", "ebur128=framelog=quiet", "-f", "null", "-"],
                         capture_output=True, text=True).stderr
    return audio._parse_ebur128(err).integrated_lufs


@pytest.mark.parametrize("extra_keys, message", [
    ("    template: tiem_chung\n", "có cả 'file'"),
    ("    values: {ngay: 05/12/2026}\n", "không dùng 'values'"),
])
def test_a_recorded_notice_takes_no_template_or_values(station_dir, extra_keys, message):
    make_recording(station_dir / "recordings" / "loa-moi-hop.m4a", "m4a")
    path = add_recorded_notice(station_dir)
    path.write_text(path.read_text(encoding="utf-8") + extra_keys, encoding="utf-8")
    with pytest.raises(MultiError, match=message):
        load_schedule(station_dir / "schedules", station_root=station_dir)


def test_a_recorded_notice_needs_a_title_and_a_file_inside_the_station(station_dir, tmp_path):
    make_recording(station_dir / "recordings" / "loa-moi-hop.m4a", "m4a")
    outside = make_recording(tmp_path / "ngoai.wav", "wav")
    path = add_recorded_notice(station_dir, file=f"../{outside.name}")
    text = path.read_text(encoding="utf-8").replace("    title: Mời họp dân thôn 2\n", "")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MultiError) as err:
        load_schedule(station_dir / "schedules", station_root=station_dir)
    shown = str(err.value)
    assert "Thiếu khóa 'title'" in shown and "nằm ngoài thư mục" in shown
    assert "ghi-am.yaml:2" in shown


def test_check_names_the_file_the_line_and_the_fix_for_a_broken_recording(station_dir):
    bad = station_dir / "recordings" / "hong.m4a"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"\x00\x00\x00\x18ftypM4A " + os.urandom(3000))
    add_recorded_notice(station_dir, file="recordings/hong.m4a")
    problems = check_station(Toolkit.from_station(load_station(station_dir))).problems
    (problem,) = [p for p in problems if "hong.m4a" in p]
    assert "schedules/ghi-am.yaml:2" in problem and "Sửa:" in problem
    from click.testing import CliRunner
    result = CliRunner().invoke(cli, ["--station", str(station_dir), "check"])
    assert result.exit_code == 2 and "hong.m4a" in result.output and "Traceback" not in result.output
