"""Delivery to the commune: signed manifests, a read-only server on loopback, fetch checked and swapped whole."""

from __future__ import annotations

import json
import os
import shutil
import threading
import urllib.error
import urllib.request
from datetime import date

import pytest

from broadcast.build import build_day
from broadcast.errors import DeliveryError, InputError
from broadcast.province.fetch import fetch_day
from broadcast.province.serve import DayHandler, make_server
from broadcast.province.signing import SignatureError, generate_key, load_public_key, sign_day, verify
from broadcast.publish.day import MANIFEST, SIGNATURE, read_manifest
from broadcast.station.config import load_station

MONDAY = date(2026, 12, 7)


@pytest.fixture(scope="module")
def built(tmp_path_factory, make_small_province):
    """One province station with a signed day, and the commune's copy (no day yet) with the public key."""
    root = tmp_path_factory.mktemp("tinh")
    province = make_small_province(root, 1)
    public = generate_key(root / "tinh.key")
    station_dir = province.stations[0]
    build_day(load_station(station_dir), MONDAY)
    sign_day(station_dir / "audio_out" / MONDAY.isoformat(), root / "tinh.key")
    return {"root": root, "station": station_dir, "public": public, "key": root / "tinh.key"}


@pytest.fixture
def province_side(built, tmp_path):
    """A fresh copy of the province's station folder (tests tamper with it) and the server over it."""
    station = shutil.copytree(built["station"], tmp_path / "tinh-side" / built["station"].name)
    return station


@pytest.fixture
def commune(built, tmp_path):
    """The commune's playout PC: the same station config with the province's public key, no days."""
    dest = tmp_path / "xa"
    shutil.copytree(built["station"], dest, ignore=shutil.ignore_patterns("audio_out", ".cache"))
    shutil.copytree(built["root"] / "tinh", tmp_path / "tinh", ignore=shutil.ignore_patterns(".cache"))
    config = dest / "broadcast.toml"
    config.write_text(config.read_text(encoding="utf-8") + f'public_key = "{built["public"]}"\n', encoding="utf-8")
    return dest


class Served:
    def __init__(self, stations, handler=DayHandler):
        self.server = make_server(stations, "127.0.0.1", 0, handler=handler)
        self.requests: list[dict] = []
        host, port = self.server.server_address[:2]
        self.base = f"http://{host}:{port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def serve(station_dir, handler=DayHandler):
    return Served({station_dir.name: station_dir / "audio_out"}, handler)


def day_folder(station_dir):
    return station_dir / "audio_out" / MONDAY.isoformat()


def files_of(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


# -- signing ---------------------------------------------------------------------------------------

def test_signature_covers_the_manifest_bytes(built):
    folder = day_folder(built["station"])
    data = (folder / MANIFEST).read_bytes()
    key = load_public_key(built["public"])
    verify(data, (folder / SIGNATURE).read_text(encoding="ascii"), key, where="x")
    with pytest.raises(SignatureError, match="chữ ký"):
        verify(data.replace(b"0530", b"0531"),
               (folder / SIGNATURE).read_text(encoding="ascii"), key, where="x")


def test_keygen_refuses_to_overwrite_a_key(built):
    with pytest.raises(InputError, match="đã có"):
        generate_key(built["key"])
    assert (built["key"].stat().st_mode & 0o777) == 0o600


# -- the server ------------------------------------------------------------------------------------

def get(url, headers=None, method="GET"):
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_server_lists_days_serves_manifest_files_and_ranges(province_side):
    with serve(province_side) as s:
        name = province_side.name
        assert json.loads(get(f"{s.base}/")[2]) == {"stations": [name]}
        assert json.loads(get(f"{s.base}/{name}/")[2])["days"] == [MONDAY.isoformat()]
        manifest = json.loads(get(f"{s.base}/{name}/{MONDAY}/{MANIFEST}")[2])
        file = manifest["programmes"][0]["file"]
        whole = (day_folder(province_side) / file).read_bytes()
        status, headers, body = get(f"{s.base}/{name}/{MONDAY}/{file}", {"Range": "bytes=100-"})
        assert status == 206 and body == whole[100:]
        assert headers["Content-Range"] == f"bytes 100-{len(whole) - 1}/{len(whole)}"
        assert get(f"{s.base}/{name}/{MONDAY}/{file}", {"Range": f"bytes={len(whole)}-"})[0] == 416


@pytest.mark.parametrize("path", ["/nope/", "/{name}/2026-12-07/broadcast.toml", "/{name}/2026-12-07/..%2F..%2Fbroadcast.toml",
                                  "/{name}/..%2Fbroadcast.toml", "/{name}/2026-12-08/manifest.json",
                                  "/{name}/2026-12-07/.cache", "/{name}/../../broadcast.toml"])
def test_server_answers_nothing_outside_the_published_days(province_side, path):
    with serve(province_side) as s:
        assert get(s.base + path.format(name=province_side.name))[0] == 404


def test_server_is_read_only(province_side):
    with serve(province_side) as s:
        status, headers, _ = get(f"{s.base}/{province_side.name}/", method="POST")
        assert status == 405 and headers["Allow"] == "GET, HEAD"


# -- fetching --------------------------------------------------------------------------------------

def test_fetch_brings_the_day_byte_for_byte_and_again_changes_nothing(province_side, commune):
    with serve(province_side) as s:
        result = fetch_day(load_station(commune), MONDAY, source=f"{s.base}/{province_side.name}")
        assert not result.unchanged and result.downloaded == result.files > 0
        assert files_of(day_folder(commune)) == files_of(day_folder(province_side))
        assert read_manifest(day_folder(commune))["station"] == load_station(commune).station.name
        again = fetch_day(load_station(commune), MONDAY, source=f"{s.base}/{province_side.name}")
        assert again.unchanged and again.bytes == 0
    assert not list((commune / "audio_out").glob(".*"))


def test_file_altered_after_signing_is_refused_and_the_good_day_stays(built, province_side, commune):
    import hashlib

    with serve(province_side) as s:
        url = f"{s.base}/{province_side.name}"
        fetch_day(load_station(commune), MONDAY, source=url)
        good = files_of(day_folder(commune))
        # The province rebuilds the day with a new last programme and signs it ...
        folder = day_folder(province_side)
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        entry = manifest["programmes"][-1]
        victim = folder / entry["file"]
        data = bytearray(victim.read_bytes())
        data[-1] ^= 0x01
        victim.write_bytes(bytes(data))
        entry["sha256"], entry["bytes"] = hashlib.sha256(data).hexdigest(), len(data)
        (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
        sign_day(folder, built["key"])
        # ... and that file is altered after signing (same size, one byte).
        data[len(data) // 2] ^= 0xFF
        victim.write_bytes(bytes(data))
        with pytest.raises(DeliveryError, match="sai mã băm") as caught:
            fetch_day(load_station(commune), MONDAY, source=url)
    assert "giữ nguyên chương trình đang có" in str(caught.value)
    assert files_of(day_folder(commune)) == good


class CutOnce(DayHandler):
    """Sends half of the first programme file asked for, then drops the connection."""

    cut: list[str] = []
    ranges: list[str] = []

    def copy_body(self, handle, length):
        if self.headers.get("Range"):
            CutOnce.ranges.append(self.headers["Range"])
        if self.path.endswith((".wav", ".mp3")) and not CutOnce.cut:
            CutOnce.cut.append(self.path)
            self.wfile.write(handle.read(length // 2))
            self.wfile.flush()
            self.close_connection = True
            return
        super().copy_body(handle, length)


def test_cut_download_is_refused_then_resumed_with_a_range(province_side, commune):
    CutOnce.cut, CutOnce.ranges = [], []
    with serve(province_side, CutOnce) as s:
        url = f"{s.base}/{province_side.name}"
        with pytest.raises(DeliveryError, match="chưa xong"):
            fetch_day(load_station(commune), MONDAY, source=url)
        assert not day_folder(commune).exists()           # nothing half-installed
        result = fetch_day(load_station(commune), MONDAY, source=url)
    assert len(CutOnce.ranges) == 1 and CutOnce.ranges[0].startswith("bytes=")
    assert result.downloaded >= 1
    assert files_of(day_folder(commune)) == files_of(day_folder(province_side))


def test_another_communes_day_is_refused(province_side, commune):
    config = commune / "broadcast.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('name = "Hòa An"', 'name = "Tân Lợi"'),
                      encoding="utf-8")
    with serve(province_side) as s, pytest.raises(DeliveryError, match="không phải của xã Tân Lợi"):
        fetch_day(load_station(commune), MONDAY, source=f"{s.base}/{province_side.name}")


def test_a_day_signed_by_another_key_is_refused(province_side, commune, tmp_path):
    other = generate_key(tmp_path / "khac.key")
    with serve(province_side) as s, pytest.raises(SignatureError):
        fetch_day(load_station(commune), MONDAY, source=f"{s.base}/{province_side.name}", public_key=other)


def test_a_day_the_province_has_not_built_says_so(province_side, commune):
    with serve(province_side) as s, pytest.raises(DeliveryError, match="chưa có chương trình ngày 08/12/2026"):
        fetch_day(load_station(commune), date(2026, 12, 8), source=f"{s.base}/{province_side.name}")


def test_manifest_changed_after_signing_is_refused(province_side, commune):
    folder = day_folder(province_side)
    text = (folder / MANIFEST).read_text(encoding="utf-8")
    (folder / MANIFEST).write_text(text.replace('"generated_at": "', '"generated_at": "1'), encoding="utf-8")
    with serve(province_side) as s, pytest.raises(DeliveryError, match="chữ ký") as caught:
        fetch_day(load_station(commune), MONDAY, source=f"{s.base}/{province_side.name}")
    assert "giữ nguyên" in str(caught.value)
    assert not day_folder(commune).exists()


def test_fetch_command_and_a_refusal_exit_code(province_side, commune):
    from click.testing import CliRunner

    from broadcast.cli import cli

    with serve(province_side) as s:
        url = f"{s.base}/{province_side.name}"
        ok = CliRunner().invoke(cli, ["--station", str(commune), "fetch", "--from", url, "--date", "2026-12-07"])
        assert ok.exit_code == 0 and "07/12/2026" in ok.output
        missing = CliRunner().invoke(cli, ["--station", str(commune), "fetch", "--from", url,
                                           "--date", "2026-12-08"])
    assert missing.exit_code == 1 and "chưa có chương trình ngày 08/12/2026" in missing.output


def test_daemon_build_ahead_fetches_when_the_commune_has_a_source(province_side, commune):
    from broadcast.daemon import daemon_for_station

    with serve(province_side) as s:
        config = commune / "broadcast.toml"
        config.write_text(config.read_text(encoding="utf-8").replace(
            'output = "device"', 'output = "null"') + f'source = "{s.base}/{province_side.name}"\n',
            encoding="utf-8")
        daemon = daemon_for_station(load_station(commune))
        daemon.builder(MONDAY)
    assert files_of(day_folder(commune)) == files_of(day_folder(province_side))
    from broadcast.province.fetch import fetched_days

    [noted] = fetched_days(commune / "var")               # the listener's next report carries it up
    built_at = json.loads((day_folder(province_side) / MANIFEST).read_text(encoding="utf-8"))["generated_at"]
    assert noted["date"] == MONDAY.isoformat() and noted["built_at"] == built_at and noted["fetched_at"]


# -- no rollback -----------------------------------------------------------------------------------

def rebuilt(folder, key, generated_at, note=None):
    """The province's day re-signed with another `generated_at` (and a changed title: new bytes)."""
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    if generated_at is None:
        manifest.pop("generated_at", None)
    else:
        manifest["generated_at"] = generated_at
    if note:
        manifest["programmes"][0]["title"] += note
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    sign_day(folder, key)


def signed_files(folder):
    """The day's files but the playlist (the commune writes its own from the manifest)."""
    return {name: data for name, data in files_of(folder).items() if name != "playlist.m3u8"}


NEWER, OLDER = "2026-12-06T21:00:00+07:00", "2026-12-06T09:00:00+07:00"


@pytest.mark.parametrize("served_at", [
    OLDER,                                   # an earlier build of the same day
    "2026-12-06T20:59:59+07:00",             # one second earlier
    "2026-12-06T13:59:59+00:00",             # earlier, written in another zone
    "2026-12-05T21:00:00+07:00",             # the day before's build
    None,                                    # no generated_at at all (unknown: never newer)
    "hôm qua",                               # unreadable
    "2026-12-06T22:00:00",                   # no zone: cannot be ordered
])
def test_an_older_signed_build_never_replaces_the_day_here(built, province_side, commune, served_at):
    from broadcast.province.fetch import RollbackError

    folder = day_folder(province_side)
    with serve(province_side) as s:
        url = f"{s.base}/{province_side.name}"
        rebuilt(folder, built["key"], NEWER, note=" (có thông báo mới)")
        fetch_day(load_station(commune), MONDAY, source=url)
        newer = files_of(day_folder(commune))
        rebuilt(folder, built["key"], served_at)                 # the old build served again, signed
        with pytest.raises(RollbackError, match="cũ hơn bản đang có") as caught:
            fetch_day(load_station(commune), MONDAY, source=url)
    assert caught.value.exit_code == 2 and "--allow-older" in caught.value.hint
    assert files_of(day_folder(commune)) == newer
    assert not list((commune / "audio_out").glob(".*"))


@pytest.mark.parametrize("served_at", [NEWER, "2026-12-06T21:00:01+07:00", "2026-12-06T15:00:00+00:00"])
def test_a_build_as_new_or_newer_replaces_the_day(built, province_side, commune, served_at):
    folder = day_folder(province_side)
    with serve(province_side) as s:
        url = f"{s.base}/{province_side.name}"
        rebuilt(folder, built["key"], NEWER)
        fetch_day(load_station(commune), MONDAY, source=url)
        rebuilt(folder, built["key"], served_at, note=" (sửa)")
        result = fetch_day(load_station(commune), MONDAY, source=url)
    assert not result.unchanged
    assert signed_files(day_folder(commune)) == signed_files(folder)


def test_a_day_here_without_a_build_time_does_not_block_the_province(built, province_side, commune):
    folder = day_folder(province_side)
    with serve(province_side) as s:
        url = f"{s.base}/{province_side.name}"
        rebuilt(folder, built["key"], None)
        fetch_day(load_station(commune), MONDAY, source=url)
        rebuilt(folder, built["key"], OLDER, note=" (sửa)")
        fetch_day(load_station(commune), MONDAY, source=url)
    assert signed_files(day_folder(commune)) == signed_files(folder)


def test_fetch_refuses_a_rollback_with_exit_2_unless_allow_older(built, province_side, commune):
    from click.testing import CliRunner

    from broadcast.cli import cli

    folder = day_folder(province_side)
    args = ["--station", str(commune), "fetch", "--date", "2026-12-07"]
    with serve(province_side) as s:
        args += ["--from", f"{s.base}/{province_side.name}"]
        rebuilt(folder, built["key"], NEWER, note=" (mới)")
        assert CliRunner().invoke(cli, args).exit_code == 0
        newer = files_of(day_folder(commune))
        rebuilt(folder, built["key"], OLDER)
        refused = CliRunner().invoke(cli, args)
        assert files_of(day_folder(commune)) == newer
        rolled_back = CliRunner().invoke(cli, [*args, "--allow-older"])
    assert refused.exit_code == 2, refused.output
    assert "07/12/2026: Lỗi:" in refused.output and "cũ hơn bản đang có" in refused.output
    assert "21:00:00 ngày 06/12/2026" in refused.output and "09:00:00 ngày 06/12/2026" in refused.output
    assert "Traceback" not in refused.output
    assert rolled_back.exit_code == 0, rolled_back.output
    assert signed_files(day_folder(commune)) == signed_files(folder)


def test_the_daemon_keeps_the_newer_day_when_the_province_serves_an_older_one(built, province_side, commune):
    from broadcast.daemon import daemon_for_station
    from broadcast.province.fetch import RollbackError

    folder = day_folder(province_side)
    with serve(province_side) as s:
        url = f"{s.base}/{province_side.name}"
        config = commune / "broadcast.toml"
        config.write_text(config.read_text(encoding="utf-8").replace(
            'output = "device"', 'output = "null"') + f'source = "{url}"\n', encoding="utf-8")
        rebuilt(folder, built["key"], NEWER, note=" (mới)")
        daemon = daemon_for_station(load_station(commune))
        daemon.builder(MONDAY)
        newer = files_of(day_folder(commune))
        rebuilt(folder, built["key"], OLDER)
        with pytest.raises(RollbackError):
            daemon.builder(MONDAY)
    assert files_of(day_folder(commune)) == newer


# -- modes -----------------------------------------------------------------------------------------

def modes(folder):
    return {p.name: p.stat().st_mode & 0o777 for p in [folder, *folder.iterdir()]}


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
@pytest.mark.parametrize(("umask", "file_mode", "dir_mode"), [(0o022, 0o644, 0o755), (0o027, 0o640, 0o750)],
                         ids=["umask-022", "umask-027"])
def test_a_fetched_day_follows_the_umask(built, province_side, commune, umask, file_mode, dir_mode):
    """Files and the day's folder as a build makes them, whether downloaded, linked or re-fetched."""
    folder = day_folder(province_side)
    old = os.umask(umask)
    try:
        with serve(province_side) as s:
            url = f"{s.base}/{province_side.name}"
            fetch_day(load_station(commune), MONDAY, source=url)
            first = modes(day_folder(commune))
            rebuilt(folder, built["key"], "2099-01-01T00:00:00+07:00", note=" (mới)")   # files linked
            fetch_day(load_station(commune), MONDAY, source=url)
            second = modes(day_folder(commune))
            for path in day_folder(commune).iterdir():               # a day fetched by an older version
                path.chmod(0o600)
            assert fetch_day(load_station(commune), MONDAY, source=url).unchanged
            again = modes(day_folder(commune))
    finally:
        os.umask(old)
    expected = {name: dir_mode if name == MONDAY.isoformat() else file_mode for name in first}
    assert len(expected) >= 4                                         # manifest, signature, playlist, audio
    assert first == second == again == expected


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_a_signature_added_to_a_published_day_follows_the_umask(built, province_side):
    from broadcast.province.signing import ensure_signed

    folder = day_folder(province_side)
    (folder / SIGNATURE).unlink()
    old = os.umask(0o022)
    try:
        assert ensure_signed(folder, built["key"])
    finally:
        os.umask(old)
    assert (folder / SIGNATURE).stat().st_mode & 0o777 == 0o644
