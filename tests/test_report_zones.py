"""The report per zone: each zone counts what it heard; the commune counts a slot once, however many zones aired it."""

from __future__ import annotations

from datetime import date

import pytest

from broadcast.report import compute_report, period_for_month, to_csv, to_markdown
from broadcast.report.model import ReportSettings
from broadcast.report.zones import commune_rows, zone_rows

PERIOD = period_for_month(2026, 12)
_ids = iter(range(1, 10_000))


def prog(day, zone, *, slot="sang", status="played", duration_s=600.0, variant=""):
    pid = f"{day}-{slot}" + (f"-{variant}" if variant else "")
    return {"id": next(_ids), "kind": "programme", "parent_id": None, "programme_id": pid, "date": day,
            "slot": slot, "session": slot, "scheduled_at": f"{day}T{'05:30' if slot == 'sang' else '17:00'}:00+07:00",
            "started_at": None, "ended_at": None, "item_id": None, "item_kind": None, "title": "Chương trình",
            "tags": [], "priority": "thuong", "episode": None, "source": "tu-san-xuat", "repeat": 1,
            "duration_s": duration_s, "status": status, "zone": zone}


def item(parent, item_id, kind="thong-bao", *, priority="thuong", duration_s=60.0, source="tu-san-xuat"):
    return {**parent, "id": next(_ids), "kind": "item", "parent_id": parent["id"], "item_id": item_id,
            "item_kind": kind, "title": item_id, "priority": priority, "duration_s": duration_s, "source": source}


def rows_of_two_days():
    rows = []
    # 01/12 05:30: three villages hear one shared programme, thôn Đông its own with a meeting notice
    for zone in ("thon-trung", "thon-tay", "xom-bai"):
        p = prog("2026-12-01", zone, duration_s=600)
        rows += [p, item(p, "chung"), item(p, "tiep-am", "tiep-am", duration_s=120, source="vov")]
    p = prog("2026-12-01", "thon-dong", duration_s=700, variant="thon-dong")
    rows += [p, item(p, "chung"), item(p, "hop-thon-dong"), item(p, "tiep-am", "tiep-am", duration_s=120,
                                                                  source="vov")]
    # 01/12 17:00: xóm Bãi's card failed; the others aired, one with a khẩn cấp notice
    for zone in ("thon-dong", "thon-trung", "thon-tay"):
        p = prog("2026-12-01", zone, slot="chieu", duration_s=300)
        rows += [p, item(p, "bao-lu", priority="khan-cap")]
    rows.append(prog("2026-12-01", "xom-bai", slot="chieu", status="failed", duration_s=0))
    # 02/12 05:30: xóm Bãi in its quiet hours: no row for it
    for zone in ("thon-dong", "thon-trung", "thon-tay"):
        p = prog("2026-12-02", zone, duration_s=600)
        rows += [p, item(p, "chung")]
    return rows


TITLES = {"thon-dong": "Thôn Đông", "thon-trung": "Thôn Trung", "thon-tay": "Thôn Tây", "xom-bai": "Xóm Bãi"}


@pytest.fixture(scope="module")
def report():
    return compute_report(rows_of_two_days(), PERIOD, generated_on=date(2027, 1, 5), zone_titles=TITLES)


@pytest.mark.parametrize("code, expected", [
    ("ngay_phat_song", 2),
    ("buoi_phat", 3),                    # three slots aired, each once for the commune
    ("thoi_luong", 26.7),                # 700 (the longest at 05:30) + 300 + 600 s
    ("tiep_am_vov", 2.0),                # the relay once, not four times
    ("khan_cap", 1),                     # one airing of the khẩn cấp notice for the commune
])
def test_the_commune_counts_each_slot_once(report, code, expected):
    assert report.value(code) == expected


@pytest.mark.parametrize("zone, sessions, minutes, items, airings, urgent, not_aired", [
    ("thon-dong", 3, 26.7, 3, 4, 1, 0),
    ("thon-trung", 3, 25.0, 2, 3, 1, 0),
    ("thon-tay", 3, 25.0, 2, 3, 1, 0),
    ("xom-bai", 1, 10.0, 1, 1, 0, 1),
])
def test_each_zone_counts_what_it_heard(report, zone, sessions, minutes, items, airings, urgent, not_aired):
    row = next(z for z in report.zones if z.zone == zone)
    assert (row.title, row.sessions, row.minutes, row.items, row.airings, row.urgent, row.not_aired) == (
        TITLES[zone], sessions, minutes, items, airings, urgent, not_aired)
    assert [z.zone for z in report.zones] == list(TITLES)


def test_rows_without_zones_are_counted_as_before():
    rows = [prog("2026-12-01", None), prog("2026-12-01", None, slot="chieu")]
    rows = [{k: v for k, v in r.items() if k != "zone"} for r in rows]
    assert commune_rows(rows) == rows and zone_rows(rows) == ()
    assert compute_report(rows, PERIOD, generated_on=date(2027, 1, 5)).zones == ()


def test_old_rows_beside_zoned_ones_are_the_whole_commune():
    rows = [prog("2026-11-30", None), prog("2026-12-01", "thon-dong")]
    (dong, whole) = zone_rows(rows, TITLES)
    assert (dong.title, whole.title, whole.sessions) == ("Thôn Đông", "Toàn xã (không ghi vùng)", 1)


def test_the_documents_show_the_zone_table(report):
    md = to_markdown(report, ReportSettings())
    assert "Phân theo vùng phát" in md
    assert "| 4 | Xóm Bãi | 1 | 10 | 1 | 1 | 0 | 1 |" in md
    csv_text = to_csv(report)
    assert "vung.thon-dong.luot,Vùng Thôn Đông: số lượt phát,lượt,4" in csv_text


def test_the_docx_has_the_zone_table(report, tmp_path):
    import docx

    from broadcast.report import write_docx

    path = tmp_path / "bao-cao.docx"
    write_docx(report, ReportSettings(), path)
    document = docx.Document(str(path))
    cells = [[c.text for c in row.cells] for table in document.tables for row in table.rows]
    assert ["4", "Xóm Bãi", "1", "10", "1", "1", "0", "1"] in cells
    assert any("Phân theo vùng phát" in p.text for p in document.paragraphs)
