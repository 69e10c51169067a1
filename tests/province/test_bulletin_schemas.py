"""docs/schemas/*.json against the documents the code writes, and the schema and the code agreeing on bad ones."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from bulletin_helpers import T0, TZ, FakeClock, bulletin_yaml, keys, make_commune
from jsonschema import Draft202012Validator

from broadcast.log.asrun import AsRunLog
from broadcast.province.bulletins.dashboard import status_document
from broadcast.province.bulletins.document import problems
from broadcast.province.bulletins.registry import Registry
from broadcast.province.bulletins.reports import Reporter
from broadcast.province.bulletins.reportstore import ReportStore
from broadcast.province.bulletins.yamlfile import read_bulletin

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "schemas"


def validator(name):
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def signed_documents(tmp_path):
    key = keys(tmp_path)[0]
    recording = tmp_path / "ghi-am.mp3"
    recording.write_bytes(b"ID3" + bytes(200))
    files = [bulletin_yaml(tmp_path, "a.yaml", zones="[thon-dong, thon-tay]"),
             bulletin_yaml(tmp_path, "b.yaml", id="tin-mau", level="ưu tiên", repeat_every=None, text=None,
                           template="thong_bao_chung", values="{noi_dung: Họp dân, so_dien_thoai: '0234 3875 501'}",
                           targets="[xa-001, xa-002]"),
             bulletin_yaml(tmp_path, "c.yaml", id="ghi-am", level="thông thường", repeat_every=None, text=None,
                           recording="ghi-am.mp3", targets="{tag: ven-bien}", replaces="bao-so-9")]
    with Registry(tmp_path / "tinh.sqlite") as registry:
        for file in files:
            document, path = read_bulletin(file, tz=TZ, now=T0)
            registry.add(document, key, now=T0, province="Quảng Trị", recording=path)
        registry.cancel("tin-mau", key, now=T0, reason="Đã họp xong")
        return [json.loads(e["document"]) for e in registry.after(0)], registry.after(0)


def test_the_bulletins_and_cancellation_the_registry_signs_match_the_schema(tmp_path):
    documents, envelopes = signed_documents(tmp_path)
    check = validator("bulletin")
    assert [d["type"] for d in documents] == ["bulletin"] * 3 + ["cancel"]
    for document in documents:
        check.validate(document)
    envelope_schema = {**json.loads((SCHEMAS / "bulletin.schema.json").read_text(encoding="utf-8")),
                       "oneOf": [{"$ref": "#/$defs/envelope"}]}
    for envelope in envelopes:
        Draft202012Validator(envelope_schema).validate(envelope)


@pytest.mark.parametrize("change", [
    lambda d: d.update(level="gap"),
    lambda d: d.pop("expires"),
    lambda d: d.update(seq=0),
    lambda d: d.update(id="Có Dấu"),
    lambda d: d.update(targets={"all": False}),
    lambda d: d.update(targets={"communes": []}),
    lambda d: d.update(content={"text": "a", "template": "b"}),
    lambda d: d.update(content={"recording": {"name": "a.mp3", "sha256": "xyz", "bytes": 3}}),
    lambda d: d.update(repeat_every_minutes=5),
    lambda d: d.update(issued="2026-12-07T14:00:00"),
    lambda d: d.update(zones="thon-dong"),
    lambda d: d.update(type="notice"),
])
def test_the_schema_and_the_code_refuse_the_same_documents(tmp_path, change):
    documents, _ = signed_documents(tmp_path)
    document = copy.deepcopy(documents[0])
    change(document)
    assert problems(document), "the code accepts it"
    assert not validator("bulletin").is_valid(document), "the schema accepts it"


def test_a_report_and_the_status_match_their_schemas(tmp_path):
    from broadcast.province.signing import load_private_key, public_key_text

    (tmp_path / "tinh").mkdir()
    _, envelopes = signed_documents(tmp_path / "tinh")
    public = public_key_text(load_private_key(tmp_path / "tinh" / "tinh.key").public_key())
    clock = FakeClock()
    commune = make_commune(tmp_path / "xa", public, clock)
    for envelope in envelopes:
        commune.receive(envelope)
    log = AsRunLog(tmp_path / "xa" / "var" / "asrun.sqlite")
    row = log.programme_started(programme_id="p", day=T0.date(), slot="sang", session="sang", scheduled_at=T0,
                                title="Chương trình sáng", started_at=T0, duration_s=900.0)
    log.finish(row, "played", T0)
    reporter = Reporter(name="xa-001", base_url="http://127.0.0.1:9", state_dir=tmp_path / "xa" / "var",
                        inbox=commune.inbox, asrun=tmp_path / "xa" / "var" / "asrun.sqlite",
                        audio_out=tmp_path / "xa" / "audio_out", now=clock, engines=["espeak"])
    from broadcast.clusters.registry import ClusterRegistry
    from broadcast.province.fetch import FetchResult, note_fetched

    note_fetched(tmp_path / "xa" / "var", FetchResult(T0.date(), tmp_path, 2, 2, 0, 10, False,
                                                      "2026-12-06T21:00:00+07:00"), T0)
    ClusterRegistry(tmp_path / "xa" / "var" / "cum-loa").add("cum-1", "thon-dong", now=T0)
    report = reporter.make()
    validator("report").validate(report)
    assert report["airings"] and report["bulletins"] and report["days"] and report["clusters"] == {"online": 0,
                                                                                                  "total": 0}
    store = ReportStore(tmp_path / "tinh.sqlite", now=clock)
    [queued] = list(reporter.queue.glob("*.json"))
    status, answer = store.receive(queued.read_bytes())
    assert answer == {"stored": True}
    status = status_document(store, clock(), names=["xa-001", "xa-002"],
                             published={"xa-001": {"2026-12-07": "2026-12-06T21:00:00+07:00"},
                                        "xa-002": {"2026-12-07": None}})
    validator("status").validate(status)
    assert [d["state"] for d in status["days"]] == ["đã nhận bản mới nhất", "chưa tải"]
