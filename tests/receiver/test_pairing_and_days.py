"""A cluster's receiver against a real station endpoint on loopback: pairing, the zone's signed days, refusals."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from broadcast.clusters import protocol
from broadcast.clusters.registry import ClusterRegistry
from broadcast.errors import InputError

DAY = "2026-12-07"
ZONES_YAML = """zones:
  - name: thon-dong
    title: Thôn Đông
    outputs: [file]
  - name: thon-tay
    title: Thôn Tây
    outputs: ["null"]
"""


def cli(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "broadcast", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def publish_day(station: Path, day: str = DAY, *, generated_at: str = "2026-12-06T20:00:00+07:00") -> Path:
    """A published day with one programme per zone at 05:30 (small files, real hashes)."""
    folder = station / "audio_out" / day
    folder.mkdir(parents=True, exist_ok=True)
    programmes = []
    for zone, body in (("thon-dong", b"dong" * 500), ("thon-tay", b"tay" * 700)):
        name = f"0530-sang-{zone}.mp3"
        (folder / name).write_bytes(body)
        programmes.append({
            "id": f"0530-sang-{zone}", "slot": "sang", "title": "Chương trình buổi sáng", "start": f"{day}T05:30:00+07:00",
            "file": name, "duration_s": 60.0, "loudness_lufs": -16.0, "true_peak_dbtp": -2.0, "engine": "espeak",
            "engine_notes": [], "inputs_hash": zone, "items": [], "zones": [zone],
            "sha256": hashlib.sha256(body).hexdigest(), "bytes": len(body)})
    manifest = {"schema": 1, "date": day, "station": "Hòa An", "station_title": "Đài Truyền thanh xã Hòa An",
                "generated_at": generated_at, "programmes": programmes}
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return folder


@pytest.fixture
def station(station_dir):
    (station_dir / "schedules" / "vung.yaml").write_text(ZONES_YAML, encoding="utf-8")
    publish_day(station_dir)
    return station_dir


@pytest.fixture
def served(station):
    """`broadcast clusters serve` as its own process on a free loopback port."""
    process = subprocess.Popen([sys.executable, "-m", "broadcast", "--station", str(station), "clusters", "serve",
                                "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:(\d+)", line)
    assert match, line + process.stderr.read()
    yield f"http://127.0.0.1:{match.group(1)}"
    process.terminate()
    process.wait(timeout=10)


def add_cluster(station: Path, name: str, zone: str) -> str:
    result = cli("--station", str(station), "clusters", "add", name, "--zone", zone)
    assert result.returncode == 0, result.stderr
    return re.search(r"Mã ghép[^:]*: ([A-Z0-9-]+)", result.stdout).group(1)


def pair(url: str, code: str, folder: Path) -> subprocess.CompletedProcess:
    return cli("receiver", "pair", url, code, "--dir", str(folder), "--output", "file")


def test_a_paired_receiver_brings_its_zones_day_and_only_that(station, served, tmp_path):
    code = add_cluster(station, "dong-1", "thon-dong")
    paired = pair(served, code, tmp_path / "r1")
    assert paired.returncode == 0, paired.stderr
    assert "vùng thon-dong" in paired.stdout
    assert oct((tmp_path / "r1" / "receiver.key").stat().st_mode & 0o777) == "0o600"
    synced = cli("receiver", "sync", "--dir", str(tmp_path / "r1"), "--date", DAY)
    assert synced.returncode == 0, synced.stderr
    day = tmp_path / "r1" / "audio_out" / DAY
    manifest = json.loads((day / "manifest.json").read_text(encoding="utf-8"))
    assert [p["id"] for p in manifest["programmes"]] == ["0530-sang-thon-dong"]
    assert manifest["zone"] == "thon-dong"
    assert (day / "0530-sang-thon-dong.mp3").read_bytes() == b"dong" * 500
    assert not (day / "0530-sang-thon-tay.mp3").exists()
    again = cli("receiver", "sync", "--dir", str(tmp_path / "r1"), "--date", DAY)
    assert again.returncode == 0 and "không đổi" in again.stdout


def test_a_pairing_code_works_once(station, served, tmp_path):
    code = add_cluster(station, "dong-1", "thon-dong")
    assert pair(served, code, tmp_path / "r1").returncode == 0
    second = pair(served, code, tmp_path / "r2")
    assert second.returncode == 1 and "mã ghép không đúng hoặc đã hết hạn" in second.stderr
    assert "Traceback" not in second.stderr


def test_a_revoked_receiver_is_refused(station, served, tmp_path):
    assert pair(served, add_cluster(station, "dong-1", "thon-dong"), tmp_path / "r1").returncode == 0
    assert cli("--station", str(station), "clusters", "revoke", "dong-1").returncode == 0
    synced = cli("receiver", "sync", "--dir", str(tmp_path / "r1"), "--date", DAY)
    assert synced.returncode == 1 and "thu hồi" in synced.stderr
    listed = cli("--station", str(station), "clusters")
    assert "đã thu hồi" in listed.stdout


def test_a_day_signed_by_another_key_is_refused_and_the_day_here_stays(station, served, tmp_path):
    folder = tmp_path / "r1"
    assert pair(served, add_cluster(station, "dong-1", "thon-dong"), folder).returncode == 0
    assert cli("receiver", "sync", "--dir", str(folder), "--date", DAY).returncode == 0
    config = json.loads((folder / "receiver.json").read_text(encoding="utf-8"))
    config["station_public_key"] = protocol.public_text(Ed25519PrivateKey.generate().public_key())
    (folder / "receiver.json").write_text(json.dumps(config), encoding="utf-8")
    publish_day(station, generated_at="2026-12-06T21:00:00+07:00")
    (station / "audio_out" / DAY / "0530-sang-thon-dong.mp3").write_bytes(b"someone else's audio")
    synced = cli("receiver", "sync", "--dir", str(folder), "--date", DAY)
    assert synced.returncode == 1 and "chữ ký" in synced.stderr
    assert (folder / "audio_out" / DAY / "0530-sang-thon-dong.mp3").read_bytes() == b"dong" * 500


def test_unknown_replayed_and_unsigned_requests_are_refused(station, served, tmp_path):
    folder = tmp_path / "r1"
    assert pair(served, add_cluster(station, "dong-1", "thon-dong"), folder).returncode == 0
    key = protocol.load_private((folder / "receiver.key").read_bytes())

    def call(headers):
        request = urllib.request.Request(served + "/ngay/", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    headers = protocol.signed_headers("dong-1", key, "GET", "/ngay/")
    assert call(headers) == 200
    assert call(headers) == 403                                     # the same request again: a replay
    assert call({}) == 403
    assert call(protocol.signed_headers("la-1", key, "GET", "/ngay/")) == 403
    stale = protocol.signed_headers("dong-1", key, "GET", "/ngay/",
                                    now=datetime.now(UTC).timestamp() - 3600)
    assert call(stale) == 403
    other = protocol.signed_headers("dong-1", key, "GET", f"/ngay/{DAY}/manifest.json")
    assert call(other) == 403                                       # signed for another path


def test_as_run_rows_sent_twice_count_once(tmp_path):
    registry = ClusterRegistry(tmp_path / "cum-loa")
    code = registry.add("dong-1", "thon-dong")
    registry.pair(code, protocol.public_text(Ed25519PrivateKey.generate().public_key()))
    rows = [{"uid": "a1", "status": "played"}, {"uid": "a2", "status": "played"}]
    assert registry.record_rows("dong-1", rows) == 2
    assert registry.record_rows("dong-1", rows + [{"uid": "a3", "status": "late"}]) == 1
    assert [r["uid"] for r in registry.rows("dong-1")] == ["a1", "a2", "a3"]


@pytest.mark.parametrize("typed", ["k7qf-m2px-9c", "K7QF M2PX 9C", "K7QFM2PX9C", " K7QF-M2PX-9C "])
def test_a_pairing_code_is_read_however_it_is_typed(tmp_path, typed, monkeypatch):
    monkeypatch.setattr(protocol, "new_pairing_code", lambda: "K7QF-M2PX-9C")
    registry = ClusterRegistry(tmp_path / "cum-loa")
    registry.add("dong-1", "thon-dong")
    paired = registry.pair(typed, protocol.public_text(Ed25519PrivateKey.generate().public_key()))
    assert (paired.name, paired.zone, paired.state) == ("dong-1", "thon-dong", "hoat-dong")


def test_an_expired_code_and_a_bad_name_are_refused(tmp_path):
    registry = ClusterRegistry(tmp_path / "cum-loa")
    then = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    code = registry.add("dong-1", "thon-dong", now=then)
    public = protocol.public_text(Ed25519PrivateKey.generate().public_key())
    with pytest.raises(InputError, match="hết hạn"):
        registry.pair(code, public, now=then + timedelta(hours=25))
    for bad in ("Thôn Đông", "a/b", "../x", ""):
        with pytest.raises(InputError, match="không hợp lệ"):
            registry.add(bad, "thon-dong")


def test_the_receiver_imports_no_station_library():
    code = ("import sys, broadcast.cli.receiver, broadcast.receiver.sync, broadcast.receiver.link;"
            "heavy = ('numpy', 'jinja2', 'yaml', 'distributed', 'dask', 'starlette', 'matplotlib', 'openpyxl',"
            " 'docx', 'onnxruntime', 'edge_tts', 'gtts', 'holidays', 'apscheduler', 'pydub');"
            "print([m for m in heavy if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr


def test_a_day_held_already_costs_one_listing_and_a_rebuilt_day_is_fetched(station, served, tmp_path):
    from broadcast.receiver import config as rc
    from broadcast.receiver.link import StationLink
    from broadcast.receiver.sync import sync_days

    assert pair(served, add_cluster(station, "dong-1", "thon-dong"), tmp_path / "r1").returncode == 0
    config = rc.load(tmp_path / "r1")
    asked: list[str] = []

    class Counting(StationLink):
        def headers(self, url, method="GET", body=b""):
            asked.append(url.rsplit("/", 1)[-1] or "/")
            return super().headers(url, method, body)

    first = sync_days(config, date(2026, 12, 7), ahead=1, link=Counting(config))
    assert first.fetched[0].downloaded == 1 and "manifest.json" in asked
    asked.clear()
    again = sync_days(config, date(2026, 12, 7), ahead=1, link=Counting(config))
    assert again.fetched[0].unchanged and asked == ["/"]            # the listing only
    publish_day(station, DAY, generated_at="2026-12-07T04:00:00+07:00")        # rebuilt at the station
    asked.clear()
    rebuilt = sync_days(config, date(2026, 12, 7), ahead=1, link=Counting(config))
    assert not rebuilt.fetched[0].unchanged and "manifest.json" in asked
