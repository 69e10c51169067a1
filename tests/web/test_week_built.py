"""Tuần này after a build: built, out of date after a hand edit, the fallback voice, a player with ranges."""

from __future__ import annotations

import json
from datetime import date

from broadcast.build import build_day
from broadcast.publish import day_dir


def test_build_state_and_player(browser, console):
    day = date(2026, 12, 7)
    build_day(console.station, day)
    client = browser("duyet")
    page = client.get("/tuan?tu=2026-12-07").text
    assert page.count("Đã dựng") >= 2 and "giọng dự phòng" not in page
    assert 'src="/audio/2026-12-07/0530-sang.wav"' in page
    part = client.get("/audio/2026-12-07/0530-sang.wav", headers={"Range": "bytes=0-43"})
    assert part.status_code == 206 and part.content[:4] == b"RIFF" and part.headers["content-type"] == "audio/wav"
    assert client.get("/audio/2026-12-07/users.json").status_code == 404        # not in the manifest

    manifest_path = day_dir(console.station.path("audio_out"), day) / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["programmes"][0]["engine_notes"] = ["espeak: không đọc được (thử)"]
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    pronunciations = console.station.root / "pronunciations.tsv"
    pronunciations.write_text(pronunciations.read_text(encoding="utf-8") + "Hòa An\tHoà An xã nhà\n",
                              encoding="utf-8")
    page = client.get("/tuan?tu=2026-12-07").text
    assert "Cần dựng lại" in page and "giọng dự phòng" in page
