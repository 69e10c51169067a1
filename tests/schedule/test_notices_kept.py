"""Each file's checked notices are kept by its bytes: an edit parses only that file, and nothing stale is served."""

from __future__ import annotations

import os
import pickle
import shutil

import pytest
from click.testing import CliRunner
from kept_loads import fresh, schedules

from broadcast.cli import cli
from broadcast.errors import BroadcastError
from broadcast.schedule import fields, kept, notices_kept
from broadcast.station.config import load_station

NOTICES = "".join(f"""  - id: nhieu-{i}
    template: thong_bao_chung
    title: Thông báo chung số {i}
    values: {{noi_dung: "Mời đại diện các hộ thuộc danh sách số {i} đến hội trường thôn nhận giấy tờ."}}
    from: 2026-12-01
    until: 2026-12-20
    status: approved
""" for i in range(6))
SINGLE = "id: rieng-{n}\ntemplate: nhac_dich_vu_cong\nvalues: {{}}\nfrom: 2026-12-01\nstatus: approved\ntitle: Riêng {n}\n"


@pytest.fixture
def station_dir(station_dir):
    """The sample station with a file of six notices and two notice files in thong-bao/."""
    (station_dir / "schedules" / "nhieu.yaml").write_text("announcements:\n" + NOTICES, encoding="utf-8")
    (station_dir / "schedules" / "thong-bao").mkdir()
    for n in (1, 2):
        (station_dir / "schedules" / "thong-bao" / f"rieng-{n}.yaml").write_text(SINGLE.format(n=n), encoding="utf-8")
    return station_dir


@pytest.fixture
def parsed(monkeypatch):
    """The shown name of every schedule or notice file whose YAML was really parsed."""
    names = []
    real = fields.read_yaml

    def counting(text, path, limits=None):
        names.append(path)
        return real(text, path, limits)

    monkeypatch.setattr(fields, "read_yaml", counting)
    monkeypatch.setattr(notices_kept, "read_yaml", counting)
    return names


def same(a, b) -> bool:
    return a == b and a.digest == b.digest and a.warnings == b.warnings and a.source_files == b.source_files


def cache_file(station_dir):
    station = load_station(station_dir)
    return station.path(station.paths.state) / kept.FOLDER / notices_kept.FILE


def touch_slots(station_dir):
    """An edit that sends the load the slow way without changing any notice."""
    path = station_dir / "schedules" / "slots.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# sửa\n", encoding="utf-8")


def test_after_an_edit_only_the_edited_file_is_parsed(station_dir, parsed, monkeypatch):
    first = schedules(station_dir)
    assert {"schedules/nhieu.yaml", "schedules/thong-bao/rieng-1.yaml"} <= set(parsed)
    parsed.clear()
    touch_slots(station_dir)
    after = schedules(station_dir)
    assert "schedules/slots.yaml" in parsed
    assert not {"schedules/nhieu.yaml", "schedules/thong-bao/rieng-1.yaml", "schedules/thong-bao/rieng-2.yaml",
                "schedules/thong-bao-2026-12.yaml"} & set(parsed)
    assert same(after, fresh(station_dir, monkeypatch))
    assert [a.id for a in after.announcements] == [a.id for a in first.announcements]
    assert after.warnings == first.warnings == ()


def test_an_edit_keeping_size_and_times_is_seen(station_dir, parsed, monkeypatch):
    schedules(station_dir)
    path = station_dir / "schedules" / "nhieu.yaml"
    st = path.stat()
    text = path.read_text(encoding="utf-8")
    edited = text.replace("Thông báo chung số 3", "Thông báo chung số 7")
    assert len(edited.encode()) == len(text.encode()) and edited != text
    path.write_text(edited, encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns
    touch_slots(station_dir)
    parsed.clear()
    after = schedules(station_dir)
    assert "schedules/nhieu.yaml" in parsed                 # new bytes: parsed, not served
    titles = {a.id: a.title for a in after.announcements}
    assert titles["nhieu-3"] == "Thông báo chung số 7"
    assert same(after, fresh(station_dir, monkeypatch))


@pytest.mark.parametrize("what", ["renamed", "deleted", "single renamed", "single deleted"])
def test_a_renamed_or_deleted_file_is_never_served(station_dir, monkeypatch, what):
    schedules(station_dir)
    folder = station_dir / "schedules"
    path = folder / "nhieu.yaml" if "single" not in what else folder / "thong-bao" / "rieng-1.yaml"
    if what.endswith("renamed"):
        path.rename(path.with_name("doi-ten.yaml"))
    else:
        path.unlink()
    after = schedules(station_dir)
    assert same(after, fresh(station_dir, monkeypatch))
    shown = {a.path for a in after.announcements}
    assert path.relative_to(station_dir).as_posix() not in shown
    assert (any(p.endswith("doi-ten.yaml") for p in shown)) == what.endswith("renamed")
    entries = pickle.loads(cache_file(station_dir).read_bytes())["entries"]
    assert all(a.path != path.relative_to(station_dir).as_posix() for e in entries.values() for a in e["specs"])


@pytest.mark.parametrize("damage", [b"", b"not a pickle", "truncated", "foreign", "wrong entries"])
def test_a_damaged_cache_is_ignored(station_dir, monkeypatch, damage):
    schedules(station_dir)
    path = cache_file(station_dir)
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:200])
    elif damage == "foreign":
        path.write_bytes(pickle.dumps(["không", "phải"]))
    elif damage == "wrong entries":
        record = pickle.loads(path.read_bytes())
        record["entries"] = {key: {"doc": "?", "names": None, "specs": 5} for key in record["entries"]}
        path.write_bytes(pickle.dumps(record))
    else:
        path.write_bytes(damage)
    touch_slots(station_dir)
    assert same(schedules(station_dir), fresh(station_dir, monkeypatch))


def test_a_broken_file_is_reported_every_time_and_never_kept(station_dir):
    schedules(station_dir)
    bad = station_dir / "schedules" / "thong-bao" / "rieng-2.yaml"
    bad.write_text(SINGLE.format(n=2).replace("from: 2026-12-01", "from: 2026-13-01"), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(BroadcastError) as caught:
            schedules(station_dir)
        assert "schedules/thong-bao/rieng-2.yaml:4" in str(caught.value)
    entries = pickle.loads(cache_file(station_dir).read_bytes())["entries"]
    kept_ids = {a.id for e in entries.values() for a in e["specs"]}
    assert "rieng-2" not in kept_ids and {"rieng-1", "nhieu-0"} <= kept_ids


def test_an_id_used_again_in_another_file_is_still_found(station_dir):
    schedules(station_dir)
    (station_dir / "schedules" / "thong-bao" / "rieng-3.yaml").write_text(
        SINGLE.format(n=3).replace("id: rieng-3", "id: nhieu-4"), encoding="utf-8")
    with pytest.raises(BroadcastError) as caught:
        schedules(station_dir)
    assert "nhieu-4" in str(caught.value) and "schedules/nhieu.yaml" in str(caught.value)


def test_notices_are_checked_again_when_the_slots_change(station_dir, monkeypatch):
    (station_dir / "schedules" / "nhieu.yaml").write_text(
        "announcements:\n" + NOTICES.replace("    status: approved\n", "    status: approved\n    slots: [sang]\n"),
        encoding="utf-8")
    schedules(station_dir)
    slots = station_dir / "schedules" / "slots.yaml"
    slots.write_text(slots.read_text(encoding="utf-8").replace("name: sang", "name: buoi-sang"), encoding="utf-8")
    with pytest.raises(BroadcastError) as caught:
        schedules(station_dir)
    assert "schedules/nhieu.yaml" in str(caught.value) and "sang" in str(caught.value)
    slots.write_text(slots.read_text(encoding="utf-8").replace("name: buoi-sang", "name: sang"), encoding="utf-8")
    assert same(schedules(station_dir), fresh(station_dir, monkeypatch))


def test_plan_prints_the_same_with_and_without_the_cache(station_dir):
    def plan():
        shutil.rmtree(station_dir / "var" / "plan", ignore_errors=True)      # plan, do not reprint
        result = CliRunner().invoke(cli, ["--station", str(station_dir), "plan", "--date", "2026-12-07"])
        assert result.exit_code == 0, result.output
        return result.output

    first = plan()                          # nothing kept yet
    assert "Thông báo chung số 3" in first
    touch_slots(station_dir)
    assert cache_file(station_dir).is_file()
    served = plan()                         # the notices served from the cache
    cache_file(station_dir).unlink()
    touch_slots(station_dir)
    assert served == plan() == first
