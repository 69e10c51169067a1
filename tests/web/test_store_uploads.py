"""Storage of announcements (checked, atomic, versioned) and uploads checked by content."""

from __future__ import annotations

import io
import subprocess
from datetime import date

import pytest
import yaml
from web_helpers import START

from broadcast import audio
from broadcast.errors import InputError, MultiError
from broadcast.schedule.load import _ANNOUNCEMENT_KEYS
from broadcast.web.store import VersionConflict, dump_entry
from broadcast.web.uploads import store_upload

LOADER_READS_FILE = "file" in _ANNOUNCEMENT_KEYS        # contract 2 (the audio side) has landed
ENTRY = {"id": "hop-thon-dong-ab12", "template": "hop_thon", "title": "Họp thôn Đông",
         "values": {"thon": "Đông", "ngay": "08/12/2026", "gio": "19h30", "noi_dung": ["Bầu trưởng thôn"]},
         "from": "2026-12-05", "until": "2026-12-08", "status": "pending", "author": "can-bo"}


def tone(path, seconds=1.5, codec_args=("-c:a", "aac", "-b:a", "64k")):
    subprocess.run([audio.ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", f"sine=f=440:d={seconds}",
                    *codec_args, "-y", str(path)], check=True, timeout=60)
    return path


def test_a_save_is_checked_by_the_loader_and_nothing_half_written(console):
    store = console.store
    saved = store.save(ENTRY, expected_version=None)
    path = store.folder / "hop-thon-dong-ab12.yaml"
    assert saved["version"] == 1 and yaml.safe_load(path.read_text(encoding="utf-8"))["title"] == "Họp thôn Đông"
    (spec,) = [a for a in store.schedule().announcements if a.id == ENTRY["id"]]
    assert spec.valid_from == date(2026, 12, 5) and spec.status == "pending"
    before = path.read_bytes()
    bad = {**ENTRY, "values": {**ENTRY["values"], "ngay": "32/13/2026"}}
    with pytest.raises(MultiError) as caught:
        store.save(bad, expected_version=1)
    assert "schedules/thong-bao/hop-thon-dong-ab12.yaml" in str(caught.value) and "ngay" in str(caught.value)
    assert path.read_bytes() == before and list(store.folder.glob(".*")) == []


def test_the_version_check_refuses_a_stale_save(console):
    store = console.store
    store.save(ENTRY, expected_version=None)
    store.save({**ENTRY, "title": "Sửa lần 1"}, expected_version=1)
    with pytest.raises(VersionConflict) as caught:
        store.save({**ENTRY, "title": "Sửa song song"}, expected_version=1)
    assert "phiên bản 2" in str(caught.value)
    with pytest.raises(VersionConflict):
        store.save({**ENTRY, "id": "moi-ef34"}, expected_version=3)        # 'new' edit of a missing file
    assert store.load(ENTRY["id"])["title"] == "Sửa lần 1"


def test_ids_are_checked_before_any_path_is_made(console):
    for bad in ("../broadcast", "a/b", "", "A", "x" * 81, "hop thon"):
        with pytest.raises(InputError):
            console.store.path_of(bad)
    assert not console.store.exists("../../broadcast")


def test_the_file_reads_well_in_git_diff():
    text = dump_entry({**ENTRY, "version": 2, "comment": None}).decode("utf-8")
    lines = text.splitlines()
    assert lines[1].startswith("id: ") and lines[-1] == "version: 2" and "comment" not in text
    assert "Họp thôn Đông" in text                                 # UTF-8, not \\u escapes


def test_an_upload_is_probed_and_stored_under_a_generated_name(tmp_path, web_station):
    src = tone(tmp_path / "ghi am cua toi.m4a")
    with open(src, "rb") as handle:
        rec = store_upload(handle, "../../ghi am cua toi.m4a", station_root=web_station.root, folder="recordings",
                           max_bytes=1 << 20, now=START)
    assert rec.path.parent == (web_station.root / "recordings").resolve()
    assert rec.relative.startswith("recordings/20261203-090000-ghi-am-") and rec.relative.endswith(".m4a")
    assert rec.codec == "aac" and 1.4 < rec.duration_s < 1.7


def test_uploads_that_are_not_audio_or_too_big_are_refused(tmp_path, web_station):
    recordings = web_station.root / "recordings"
    cases = [(io.BytesIO(b"<?php echo 1; ?>" * 100), "loa.mp3", 1 << 20, "không phải âm thanh"),
             (io.BytesIO(b"RIFF"), "loa.exe", 1 << 20, "không phải tệp ghi âm"),
             (io.BytesIO(b""), "loa.wav", 1 << 20, "rỗng")]
    big = tone(tmp_path / "dai.wav", seconds=3, codec_args=("-c:a", "pcm_s16le"))
    cases.append((open(big, "rb"), "dai.wav", 50_000, "lớn quá"))
    for stream, name, cap, message in cases:
        with pytest.raises(InputError) as caught:
            store_upload(stream, name, station_root=web_station.root, folder="recordings", max_bytes=cap, now=START)
        assert message in str(caught.value), name
    cases[-1][0].close()
    assert not recordings.exists() or list(recordings.iterdir()) == []
    with pytest.raises(InputError):
        store_upload(io.BytesIO(b"x"), "a.mp3", station_root=web_station.root, folder="../ngoai", max_bytes=10,
                     now=START)


def test_the_upload_page_writes_a_recorded_notice(browser, console, tmp_path):
    officer = browser("bien-tap")
    src = tone(tmp_path / "thong-bao.m4a")
    form = {"title": "Thông báo của trưởng thôn", "from": "07/12/2026", "slots": ["sang"], "days": ["T2"],
            "action": "submit"}
    with open(src, "rb") as handle:
        response = officer.post("/tai-len", form, files={"recording": ("thong-bao.m4a", handle, "audio/mp4")})
    if not LOADER_READS_FILE:
        # Until recorded notices land in the loader, the save is refused and the upload is not kept.
        assert response.status_code == 400 and "file" in response.text
        assert list((console.station.root / "recordings").glob("*.m4a")) == []
        pytest.skip("the schedule loader does not read 'file:' announcements yet (contract 2)")
    assert response.status_code == 303, response.text
    (path,) = console.store.folder.glob("*.yaml")
    entry = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert entry["file"].startswith("recordings/") and entry["status"] == "pending" and "template" not in entry
    assert (console.station.root / entry["file"]).is_file()
    played = officer.get(f"/ban-ghi/{entry['id']}", headers={"Range": "bytes=0-9"})
    assert played.status_code == 206 and played.headers["content-type"] == "audio/mp4"
