"""Bulletins: the YAML file, the registry's numbering and signatures, and a commune's refusals and actions."""

from __future__ import annotations

import json

import pytest
from bulletin_helpers import T0, TZ, Airings, FakeClock, bulletin_yaml, keys, make_commune

from broadcast.errors import InputError, MultiError
from broadcast.province.bulletins.document import issue_sentence
from broadcast.province.bulletins.registry import Registry
from broadcast.province.bulletins.yamlfile import read_bulletin


def signed(tmp_path, *files, key=None):
    """Envelopes of the bulletins in `files`, numbered by a registry."""
    key = key or keys(tmp_path)[0]
    with Registry(tmp_path / "tinh.sqlite") as registry:
        for file in files:
            document, recording = read_bulletin(file, tz=TZ, now=T0)
            registry.add(document, key, now=T0, province="Quảng Trị", recording=recording)
        return registry.after(0)


# -- the YAML file -------------------------------------------------------------------------------

def test_a_khan_cap_bulletin_reads_into_a_document(tmp_path):
    document, recording = read_bulletin(bulletin_yaml(tmp_path, zones="[thon-dong]"), tz=TZ, now=T0)
    assert recording is None
    assert document["level"] == "khan-cap" and document["repeat_every_minutes"] == 120
    assert document["valid_from"] == "2026-12-07T14:00:00+07:00"
    assert document["expires"] == "2026-12-08T14:00:00+07:00"
    assert document["targets"] == {"all": True} and document["zones"] == ["thon-dong"]


@pytest.mark.parametrize(("fields", "line", "words"), [
    ({"level": "rất gấp"}, 2, "mức bản tin"),
    ({"id": "Bão Số 9"}, 1, "mã bản tin"),
    ({"expires": "2026-12-06 10:00"}, 6, "phải sau"),
    ({"expires": "ngày mai"}, 6, "không hợp lệ"),
    ({"repeat_every": "5m"}, 9, "ít nhất 10 phút"),
    ({"targets": "{tag: 'có dấu'}"}, 8, "'targets'"),
    ({"colour": "đỏ"}, 10, "không có trong bản tin"),
    ({"template": "canh_bao_bao_lu"}, 10, "đúng một trong"),
])
def test_bad_bulletin_files_name_the_line(tmp_path, fields, line, words):
    path = bulletin_yaml(tmp_path, **fields)
    with pytest.raises(InputError) as caught:
        read_bulletin(path, tz=TZ, now=T0)
    text = str(caught.value)
    assert f"{path}:{line}:" in text and words in text, text


def test_every_problem_is_reported_at_once(tmp_path):
    path = bulletin_yaml(tmp_path, level="gấp", expires="hôm qua", title='""')
    with pytest.raises(MultiError) as caught:
        read_bulletin(path, tz=TZ, now=T0)
    assert len(caught.value.errors) == 3


def test_repeat_only_for_khan_cap_and_durations_in_vietnamese(tmp_path):
    for raw, minutes in (("90 phút", 90), ("2 giờ", 120), ("30m", 30), ("45", 45)):
        document, _ = read_bulletin(bulletin_yaml(tmp_path, repeat_every=raw), tz=TZ, now=T0)
        assert document["repeat_every_minutes"] == minutes
    with pytest.raises(InputError, match="chỉ bản tin khẩn cấp"):
        read_bulletin(bulletin_yaml(tmp_path, level="ưu tiên"), tz=TZ, now=T0)


# -- the registry ------------------------------------------------------------------------------

def test_the_registry_numbers_signs_and_refuses_a_second_id(tmp_path):
    key = keys(tmp_path)[0]
    first = bulletin_yaml(tmp_path)
    second = bulletin_yaml(tmp_path, "b.yaml", id="bao-so-9-lan-2", replaces="bao-so-9")
    with Registry(tmp_path / "tinh.sqlite") as registry:
        for file in (first, second):
            document, _ = read_bulletin(file, tz=TZ, now=T0)
            registry.add(document, key, now=T0)
        with pytest.raises(InputError, match="đã có bản tin"):
            registry.add(read_bulletin(first, tz=TZ, now=T0)[0], key, now=T0)
        cancel = registry.cancel("bao-so-9-lan-2", key, now=T0)
        with pytest.raises(InputError, match="đã bị hủy"):
            registry.cancel("bao-so-9-lan-2", key, now=T0)
        with pytest.raises(InputError, match="không có bản tin"):
            registry.cancel("khong-co", key, now=T0)
        assert [e["seq"] for e in registry.after(0)] == [1, 2, 3] and cancel["seq"] == 3
        assert [e["seq"] for e in registry.after(2)] == [3]
        assert [r["ended"] for r in registry.listing()] == ["đã thay", "đã hủy"]


# -- the commune's refusals ----------------------------------------------------------------------

def tamper(envelope):
    document = json.loads(envelope["document"])
    document["title"] = "Tin giả"
    return {**envelope, "document": json.dumps(document, ensure_ascii=False)}


@pytest.mark.parametrize(("change", "reason"), [
    (tamper, "bad-signature"),
    (lambda e: {"document": e["document"]}, "unsigned"),
    (lambda e: {**e, "signature": ""}, "unsigned"),
    (lambda e: {"signature": e["signature"]}, "malformed"),
    (lambda e: "không phải bản tin", "malformed"),
])
def test_a_commune_refuses_tampered_and_unsigned_bulletins(tmp_path, change, reason):
    _, public, _ = keys(tmp_path, "that.key")
    [envelope] = signed(tmp_path, bulletin_yaml(tmp_path))
    clock = FakeClock()
    commune = make_commune(tmp_path / "xa", public, clock)
    assert commune.receive(change(envelope)) == "refused"
    assert [r["reason"] for r in commune.inbox.refusals()] == [reason]
    assert commune.inbox.all() == [] and commune.air.calls == []


def test_a_commune_refuses_a_foreign_key_a_replay_and_an_older_bulletin(tmp_path):
    key, public, _ = keys(tmp_path)
    envelopes = signed(tmp_path, bulletin_yaml(tmp_path), bulletin_yaml(tmp_path, "b.yaml", id="tin-2"), key=key)
    other = tmp_path / "tinh-khac"
    other.mkdir()
    [foreign] = signed(other, bulletin_yaml(other, id="tin-gia"), key=keys(other)[0])
    commune = make_commune(tmp_path / "xa", public, FakeClock())
    assert commune.receive(foreign) == "refused"                    # signed, but not with the province's key
    assert commune.receive(envelopes[1]) == "dang-lap-lai"
    assert commune.receive(envelopes[1]) == "refused"               # the same again: replay
    assert commune.receive(envelopes[0]) == "refused"               # number 1 after number 2: older
    assert [r["reason"] for r in commune.inbox.refusals()] == ["bad-signature", "replayed", "older"]
    assert [b["id"] for b in commune.inbox.all()] == ["tin-2"]


# -- acting by level -----------------------------------------------------------------------------

def test_khan_cap_airs_at_once_repeats_with_its_issue_time_and_stops_when_cancelled(tmp_path):
    key, public, _ = keys(tmp_path)
    registry = Registry(tmp_path / "tinh.sqlite")
    registry.add(read_bulletin(bulletin_yaml(tmp_path), tz=TZ, now=T0)[0], key, now=T0)
    clock = FakeClock(T0.replace(minute=1))
    commune = make_commune(tmp_path / "xa", public, clock)
    [envelope] = registry.after(0)
    assert commune.receive(envelope) == "dang-lap-lai"
    assert commune.air.calls == [("bao-so-9", None)]
    clock.advance(minutes=119)
    commune.tick()
    assert len(commune.air.calls) == 1                               # not yet 2 hours
    clock.advance(minutes=1)
    commune.tick()
    sentence = "Bản tin phát hành lúc 14 giờ ngày 7 tháng 12 năm 2026."
    assert commune.air.calls[-1] == ("bao-so-9", sentence)
    registry.cancel("bao-so-9", key, now=clock())
    assert commune.receive(registry.after(1)[0]) == "cancelled"
    clock.advance(hours=2)
    commune.tick()
    assert len(commune.air.calls) == 2
    row = commune.inbox.get("bao-so-9")
    assert row["state_name"] == "đã hủy"
    assert [a["kind"] for a in commune.inbox.airings("bao-so-9")] == ["dau-tien", "lap-lai"]
    assert commune.inbox.airings("bao-so-9")[0]["delay_s"] == 60


def test_repeats_stop_at_expiry_and_a_replacement_ends_the_old_one(tmp_path):
    key, public, _ = keys(tmp_path)
    envelopes = signed(tmp_path, bulletin_yaml(tmp_path, expires="2026-12-07 17:00"),
                       bulletin_yaml(tmp_path, "b.yaml", id="bao-so-9-lan-2", replaces="bao-so-9",
                                     issued="2026-12-07 16:30", **{"from": "2026-12-07 16:30"}), key=key)
    clock = FakeClock()
    commune = make_commune(tmp_path / "xa", public, clock)
    commune.receive(envelopes[0])
    clock.advance(hours=2)
    commune.tick()
    clock.advance(hours=1)
    commune.tick()
    assert commune.inbox.get("bao-so-9")["state"] == "het-han" and len(commune.air.calls) == 2
    commune2 = make_commune(tmp_path / "xa2", public, FakeClock(T0.replace(hour=16, minute=30)))
    commune2.receive(envelopes[0])
    commune2.receive(envelopes[1])
    assert commune2.inbox.get("bao-so-9")["state"] == "da-thay"
    assert commune2.air.calls == [("bao-so-9", None), ("bao-so-9-lan-2", None)]


def test_offline_catch_up_airs_what_is_valid_and_never_what_expired(tmp_path):
    key, public, _ = keys(tmp_path)
    envelopes = signed(tmp_path, bulletin_yaml(tmp_path, id="het-roi", expires="2026-12-07 16:00"),
                       bulletin_yaml(tmp_path, "b.yaml", id="con-han"), key=key)
    clock = FakeClock(T0.replace(hour=19))                           # offline from 14:00 to 19:00
    commune = make_commune(tmp_path / "xa", public, clock)
    assert [commune.receive(e) for e in envelopes] == ["het-han", "dang-lap-lai"]
    assert commune.air.calls == [("con-han", None)]
    assert commune.inbox.airings("con-han")[0]["delay_s"] == 5 * 3600


def test_khan_cap_without_a_daemon_waits_and_airs_at_the_next_tick(tmp_path):
    key, public, _ = keys(tmp_path)
    [envelope] = signed(tmp_path, bulletin_yaml(tmp_path), key=key)
    airings = Airings()
    airings.daemon_running = False
    clock = FakeClock()
    commune = make_commune(tmp_path / "xa", public, clock, air=airings)
    assert commune.receive(envelope) == "cho-phat"
    airings.daemon_running = True
    clock.advance(seconds=5)
    commune.tick()
    assert airings.calls == [("bao-so-9", None)]


def test_targets_by_list_and_tag(tmp_path):
    key, public, _ = keys(tmp_path)
    envelopes = signed(tmp_path, bulletin_yaml(tmp_path, id="cho-xa-2", targets="[xa-002]"),
                       bulletin_yaml(tmp_path, "b.yaml", id="ven-bien", targets="{tag: ven-bien}"), key=key)
    inland = make_commune(tmp_path / "xa1", public, FakeClock(), name="xa-001")
    coast = make_commune(tmp_path / "xa2", public, FakeClock(), name="xa-002", tags=["ven-bien"])
    assert [inland.receive(e) for e in envelopes] == ["not-for-us", "not-for-us"]
    assert inland.inbox.last_seq() == 2                              # seen, so never asked for again
    assert [coast.receive(e) for e in envelopes] == ["dang-lap-lai", "dang-lap-lai"]


def test_uu_tien_enters_the_schedule_the_loader_reads(tmp_path, station_dir):
    from broadcast.schedule.load import load_schedule

    key, public, _ = keys(tmp_path)
    [envelope] = signed(tmp_path, bulletin_yaml(tmp_path, level="ưu tiên", repeat_every=None,
                                                template="thong_bao_chung", text=None,
                                                values="{noi_dung: Tỉnh cấp gạo cứu trợ tại nhà văn hóa thôn.}"),
                        key=key)
    commune = make_commune(station_dir, public, FakeClock())
    assert commune.receive(envelope) == "da-len-lich"
    path = station_dir / "schedules" / "thong-bao" / "tinh-bao-so-9.yaml"
    schedule = load_schedule(station_dir / "schedules")
    [entry] = [a for a in schedule.announcements if a.id == "tinh-bao-so-9"]
    assert entry.priority.value == "uu-tien" and path.is_file()
    registry = Registry(tmp_path / "tinh.sqlite")
    registry.cancel("bao-so-9", key, now=T0)
    commune.receive(registry.after(1)[0])
    assert not path.exists()


def test_thong_thuong_waits_until_the_officer_schedules_it(tmp_path, station_dir):
    from broadcast.schedule.load import load_schedule

    key, public, _ = keys(tmp_path)
    envelopes = signed(tmp_path, bulletin_yaml(tmp_path, level="thông thường", repeat_every=None),
                       bulletin_yaml(tmp_path, "b.yaml", id="tin-2", level="thông thường", repeat_every=None),
                       key=key)
    commune = make_commune(station_dir, public, FakeClock())
    assert [commune.receive(e) for e in envelopes] == ["cho-xep-lich", "cho-xep-lich"]
    assert not (station_dir / "schedules" / "thong-bao").exists() and commune.air.calls == []
    path = commune.schedule("bao-so-9", slots=["sang"], days=["T2", "T4"])
    commune.dismiss("tin-2")
    [entry] = [a for a in load_schedule(station_dir / "schedules").announcements if a.id == "tinh-bao-so-9"]
    assert entry.file is not None and path.is_file() and entry.priority.value == "thuong"
    assert commune.inbox.get("tin-2")["state_name"] == "đã bỏ qua"
    with pytest.raises(InputError, match="không xếp lịch được"):
        commune.schedule("tin-2")


def test_the_station_may_require_approval_of_uu_tien(tmp_path, station_dir):
    key, public, _ = keys(tmp_path)
    [envelope] = signed(tmp_path, bulletin_yaml(tmp_path, level="ưu tiên", repeat_every=None), key=key)
    commune = make_commune(station_dir, public, FakeClock(), approve=True)
    commune.receive(envelope)
    text = (station_dir / "schedules" / "thong-bao" / "tinh-bao-so-9.yaml").read_text(encoding="utf-8")
    assert 'status: "pending"' in text


def test_issue_sentence_with_minutes():
    assert issue_sentence(T0.replace(hour=6, minute=5)) == "Bản tin phát hành lúc 6 giờ 5 phút ngày 7 tháng 12 năm 2026."


@pytest.mark.parametrize("content", [
    {"text": '"Tỉnh cấp gạo cứu trợ tại nhà văn hóa các thôn từ 7 giờ sáng mai."'},
    {"text": None, "template": "thong_bao_chung", "values": "{noi_dung: Tỉnh cấp gạo cứu trợ.}"},
])
def test_an_uu_tien_bulletin_is_in_the_next_programme_ahead_of_ordinary_notices(tmp_path, station_dir, content):
    """The real commune (its speaker and the station's schedule check) and `broadcast plan` on the result."""
    from click.testing import CliRunner

    from broadcast.cli import cli
    from broadcast.province.bulletins.listener import commune_for_station
    from broadcast.station.config import load_station

    key, public, _ = keys(tmp_path)
    with (station_dir / "broadcast.toml").open("a", encoding="utf-8") as handle:
        handle.write(f'\n[province]\nsource = "http://127.0.0.1:9/xa-001"\npublic_key = "{public}"\n')
    [envelope] = signed(tmp_path, bulletin_yaml(tmp_path, level="ưu tiên", repeat_every=None,
                                                title="Cấp gạo cứu trợ của tỉnh", **content), key=key)
    commune, _ = commune_for_station(load_station(station_dir), now=FakeClock())
    assert commune.receive(envelope) == "da-len-lich"
    plan = CliRunner().invoke(cli, ["--station", str(station_dir), "plan", "--date", "2026-12-07"])
    assert plan.exit_code == 0, plan.output
    morning = plan.output.split("17:00")[0].splitlines()
    notices = [line for line in morning if "Thông báo" in line]
    mine = next(n for n, line in enumerate(notices) if "Cấp gạo cứu trợ của tỉnh" in line)
    assert "ưu tiên" in notices[mine]
    assert all("thường" in line for line in notices[mine + 1:]) and all("ưu tiên" in line for line in notices[:mine])
