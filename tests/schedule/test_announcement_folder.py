"""schedules/thong-bao/: one announcement per file, the console's statuses and review keys."""

from datetime import date

import pytest
from test_schedule_load import FakeLibrary, make_station

from broadcast.errors import MultiError
from broadcast.schedule import load_schedule

SLOTS = "slots:\n  - {name: sang, start: '05:30', max_minutes: 30}\n"


def one(status: str = "pending", extra: str = "") -> str:
    return (f"id: hop-thon-dong\ntemplate: hop_thon\nfrom: 2026-12-03\nuntil: 2026-12-05\n"
            f"status: {status}\nauthor: can-bo\nsubmitted_at: '2026-12-01T08:00:00+07:00'\n"
            f"version: 3\n{extra}")


def test_one_file_is_one_announcement_with_its_review_keys(tmp_path):
    directory = make_station(tmp_path, {"slots.yaml": SLOTS, "thong-bao/hop-thon-dong.yaml": one(
        "approved", "approved_by: chu-tich\napproved_at: '2026-12-01T09:30:00+07:00'\ncomment: Được\n")})
    schedule = load_schedule(directory, library=FakeLibrary())
    (ann,) = schedule.announcements
    assert (ann.id, ann.status, ann.valid_from, ann.path) == (
        "hop-thon-dong", "approved", date(2026, 12, 3), "schedules/thong-bao/hop-thon-dong.yaml")
    assert ann.review == {"author": "can-bo", "approved_by": "chu-tich", "comment": "Được", "version": 3,
                          "submitted_at": "2026-12-01T08:00:00+07:00",
                          "approved_at": "2026-12-01T09:30:00+07:00"}
    assert tmp_path / "schedules/thong-bao/hop-thon-dong.yaml" in schedule.source_files


@pytest.mark.parametrize(("written", "status"), [
    ("draft", "draft"), ("pending", "pending"), ("approved", "approved"), ("returned", "returned"),
    ("chờ duyệt", "pending"), ("trả lại", "returned"), ("nháp", "draft"), ("đã duyệt", "approved")])
def test_every_console_status_is_accepted(tmp_path, written, status):
    directory = make_station(tmp_path, {"slots.yaml": SLOTS, "thong-bao/a.yaml": one(written)})
    (ann,) = load_schedule(directory, library=FakeLibrary()).announcements
    assert ann.status == status and ann.approved is (status == "approved")


def test_folder_changes_the_fingerprint(tmp_path):
    directory = make_station(tmp_path, {"slots.yaml": SLOTS, "thong-bao/a.yaml": one("pending")})
    before = load_schedule(directory).fingerprint()
    (directory / "thong-bao/a.yaml").write_text(one("approved"), encoding="utf-8")
    assert load_schedule(directory).fingerprint() != before


def test_bad_review_keys_and_lists_are_reported_with_file_and_line(tmp_path):
    directory = make_station(tmp_path, {
        "slots.yaml": SLOTS,
        "thong-bao/a.yaml": one("pending", "approved_at: hôm qua\n").replace("version: 3", "version: 0"),
        "thong-bao/b.yaml": "- id: x\n  template: hop_thon\n  from: 2026-12-03\n"})
    with pytest.raises(MultiError) as caught:
        load_schedule(directory, library=FakeLibrary())
    found = {(e.path, e.line): str(e) for e in caught.value.errors}
    assert ("schedules/thong-bao/a.yaml", 9) in found and "approved_at" in found[("schedules/thong-bao/a.yaml", 9)]
    assert ("schedules/thong-bao/a.yaml", 8) in found and "version" in found[("schedules/thong-bao/a.yaml", 8)]
    assert "không phải danh sách" in found[("schedules/thong-bao/b.yaml", 1)]


def test_ids_are_unique_across_the_folder_and_the_schedule_files(tmp_path):
    directory = make_station(tmp_path, {
        "slots.yaml": SLOTS + "announcements:\n  - {id: hop-thon-dong, template: hop_thon, from: 2026-12-01}\n",
        "thong-bao/hop-thon-dong.yaml": one()})
    with pytest.raises(MultiError) as caught:
        load_schedule(directory, library=FakeLibrary())
    assert any("hop-thon-dong" in str(e) for e in caught.value.errors)


def test_only_approved_airs_when_approval_is_required(tmp_path):
    from zoneinfo import ZoneInfo

    from broadcast.plan.planner import plan
    directory = make_station(tmp_path, {
        "slots.yaml": "slots:\n  - {name: sang, start: '05:30', max_minutes: 30, structure: [thong-bao]}\n",
        "thong-bao/a.yaml": one("pending"),
        "thong-bao/b.yaml": one("returned").replace("hop-thon-dong", "b"),
        "thong-bao/c.yaml": one("approved").replace("hop-thon-dong", "c")})
    schedule = load_schedule(directory, require_approval=True)
    (programme,) = plan(schedule, date(2026, 12, 4), tz=ZoneInfo("Asia/Ho_Chi_Minh"))
    assert [i.id for i in programme.items if i.template == "hop_thon"] == ["c"]
    assert any("hop-thon-dong, b" in w for w in programme.warnings)


def test_replacing_checks_a_save_before_it_is_written(tmp_path):
    directory = make_station(tmp_path, {"slots.yaml": SLOTS, "thong-bao/a.yaml": one("pending")})
    candidate = one("approved").replace("hop-thon-dong", "moi").encode()
    schedule = load_schedule(directory, replacing={"moi.yaml": candidate, "a.yaml": None})
    assert [a.id for a in schedule.announcements] == ["moi"]
    assert not (directory / "thong-bao/moi.yaml").exists() and (directory / "thong-bao/a.yaml").exists()
    with pytest.raises(MultiError) as caught:
        load_schedule(directory, replacing={"a.yaml": b"id: a\ntemplate: hop_thon\nfrom: 32/13/2026\n"})
    assert caught.value.errors[0].path == "schedules/thong-bao/a.yaml"
