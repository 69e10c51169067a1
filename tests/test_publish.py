"""Publishing a day: atomic swap, failed build leaves the old day, manifest schema, playlist."""

from __future__ import annotations

import json
from datetime import date

import pytest

from broadcast.errors import AudioError
from broadcast.publish.day import (
    PLAYLIST,
    manifest_problems,
    playlist_text,
    read_manifest,
    staged_day,
    write_manifest,
)

DAY = date(2026, 12, 7)


def manifest(files=("0530-sang.mp3",)):
    return {
        "schema": 1, "date": DAY.isoformat(), "station": "Hòa An", "programmes": [
            {"id": f"{DAY}-{f[5:-4]}", "slot": f[5:-4], "title": "Chương trình buổi sáng",
             "start": f"{DAY}T05:30:00+07:00", "file": f, "duration_s": 612.4, "loudness_lufs": -16.0,
             "true_peak_dbtp": -1.2, "engine": "espeak", "engine_notes": [], "inputs_hash": "x",
             "items": [{"id": "a", "kind": "thong-bao", "template": "t", "title": "T", "tags": [],
                        "priority": "thuong", "repeat": 2, "offset_s": 0.0, "duration_s": 1.0,
                        "text": "UBND", "spoken": "Ủy ban nhân dân"}]}
            for f in files]}


def test_staged_day_swaps_in(tmp_path):
    with staged_day(tmp_path, DAY) as staging:
        (staging / "0530-sang.mp3").write_bytes(b"new")
        write_manifest(staging, manifest(), "Đài Truyền thanh xã Hòa An")
    day = tmp_path / DAY.isoformat()
    assert (day / "0530-sang.mp3").read_bytes() == b"new"
    assert read_manifest(day)["station"] == "Hòa An"
    assert [p.name for p in tmp_path.iterdir()] == [DAY.isoformat()]   # no staging left


def test_failed_build_leaves_previous_day(tmp_path):
    with staged_day(tmp_path, DAY) as staging:
        (staging / "0530-sang.mp3").write_bytes(b"good")
        write_manifest(staging, manifest(), "Đài")
    with pytest.raises(RuntimeError):
        with staged_day(tmp_path, DAY) as staging:
            (staging / "0530-sang.mp3").write_bytes(b"half")
            raise RuntimeError("engine died")
    day = tmp_path / DAY.isoformat()
    assert (day / "0530-sang.mp3").read_bytes() == b"good"
    assert sorted(p.name for p in tmp_path.iterdir()) == [DAY.isoformat()]


def test_rebuild_replaces_whole_day(tmp_path):
    for content in (b"one", b"two"):
        with staged_day(tmp_path, DAY) as staging:
            (staging / "0530-sang.mp3").write_bytes(content)
            write_manifest(staging, manifest(), "Đài")
    assert (tmp_path / DAY.isoformat() / "0530-sang.mp3").read_bytes() == b"two"
    assert len(list(tmp_path.iterdir())) == 1


def test_playlist_is_extended_m3u_in_air_order():
    text = playlist_text(manifest(("0530-sang.mp3", "1700-chieu.mp3")), "Đài Truyền thanh xã Hòa An")
    lines = text.splitlines()
    assert lines[0] == "#EXTM3U"
    assert lines[2].startswith("#EXTINF:612,Đài Truyền thanh xã Hòa An")
    assert lines[3] == "0530-sang.mp3" and lines[5] == "1700-chieu.mp3"


def test_write_manifest_writes_playlist(tmp_path):
    write_manifest(tmp_path, manifest(), "Đài")
    assert (tmp_path / PLAYLIST).read_text(encoding="utf-8").startswith("#EXTM3U")
    assert json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))["date"] == DAY.isoformat()


@pytest.mark.parametrize("mutate, fragment", [
    (lambda m: m.pop("station"), "missing 'station'"),
    (lambda m: m["programmes"][0].pop("loudness_lufs"), "missing 'loudness_lufs'"),
    (lambda m: m["programmes"][0]["items"][0].pop("spoken"), "missing 'spoken'"),
    (lambda m: m.update(schema=9), "schema 9"),
])
def test_manifest_schema_problems(mutate, fragment):
    data = manifest()
    assert manifest_problems(data) == []
    mutate(data)
    assert any(fragment in p for p in manifest_problems(data))


def test_read_manifest_errors(tmp_path):
    with pytest.raises(AudioError, match="broadcast build"):
        read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text("{", encoding="utf-8")
    with pytest.raises(AudioError, match="hỏng"):
        read_manifest(tmp_path)
