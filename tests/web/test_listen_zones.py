"""Nghe lại on a station with zones: a programme only some zones hear carries their titles (page and podcast feed);
one every zone hears, and every programme of a station without zones, keeps its title."""

from __future__ import annotations

import json
from datetime import date, datetime

import feedparser

from broadcast.web.podcast import feed_xml
from broadcast.web.replay import Policy, public_programmes

DAY = date(2026, 12, 7)
ZONES = (("thon-dong", "Thôn Đông"), ("thon-trung", "Thôn Trung"), ("xom-bai", "Xóm Bãi"))


def policy(zone_titles=()):
    return Policy(with_names=False, exclude_tags=frozenset(), private_ids=frozenset(), known_ids=frozenset(),
                  records_templates=frozenset(), zone_titles=zone_titles)


def published(tmp_path, entries):
    folder = tmp_path / "audio_out" / DAY.isoformat()
    folder.mkdir(parents=True)
    programmes = []
    for n, (slot, file, zones) in enumerate(entries):
        (folder / file).write_bytes(b"\xff\xfb" + bytes(1000))
        entry = {"id": f"{DAY}-{slot}-{n}", "slot": slot, "title": "Chương trình phát thanh buổi sáng",
                 "start": f"{DAY}T05:30:00+07:00", "file": file, "duration_s": 60.0, "items": []}
        if zones is not None:
            entry["zones"] = zones
        programmes.append(entry)
    (folder / "manifest.json").write_text(json.dumps({"date": DAY.isoformat(), "programmes": programmes}),
                                          encoding="utf-8")
    return tmp_path / "audio_out"


def test_a_programme_some_zones_hear_names_them_in_the_page_and_the_feed(tmp_path):
    audio_out = published(tmp_path, [("sang", "0530-sang-thon-dong.mp3", ["thon-dong"]),
                                     ("sang", "0530-sang-thon-trung.mp3", ["thon-trung", "xom-bai"]),
                                     ("chieu", "1700-chieu.mp3", ["thon-dong", "thon-trung", "xom-bai"])])
    found = public_programmes(audio_out, DAY, policy(ZONES))
    assert [p.title for p in found] == ["Chương trình phát thanh buổi sáng (Thôn Đông)",
                                        "Chương trình phát thanh buổi sáng (Thôn Trung, Xóm Bãi)",
                                        "Chương trình phát thanh buổi sáng"]
    feed = feedparser.parse(feed_xml(base="http://127.0.0.1", station_title="Đài Truyền thanh xã Hòa An",
                                     programmes=[(p, 1000) for p in found], built=datetime(2026, 12, 7, 19, 0)))
    assert [e.title for e in feed.entries] == [f"{p.title} (05:30 ngày 07/12/2026)" for p in found]


def test_a_station_without_zones_keeps_its_titles(tmp_path):
    audio_out = published(tmp_path, [("sang", "0530-sang.mp3", None), ("chieu", "1700-chieu.mp3", ["toan-xa"])])
    assert [p.title for p in public_programmes(audio_out, DAY, policy())] == ["Chương trình phát thanh buổi sáng"] * 2
