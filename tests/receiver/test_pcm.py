"""Programmes decoded to PCM once, when the day comes, and that PCM on air: no decoder while a village listens,
and one player process only while a programme plays."""

from __future__ import annotations

import json
import subprocess
import time
import wave
from datetime import date, datetime, timedelta
from pathlib import Path

from test_receiver_plays import TZ, day_starting_in, receiver_up, stop, tone, wait_for

from broadcast.audio import ffmpeg_exe
from broadcast.clusters.registry import ClusterRegistry
from broadcast.digest import file_sha256
from broadcast.receiver import pcm

DAY = date(2026, 12, 7)


def mp3(wav: Path) -> Path:
    """The tone as the station encodes its days (MP3, mono, the tone's rate)."""
    target = wav.with_suffix(".mp3")
    subprocess.run([ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y", "-i", str(wav), "-c:a", "libmp3lame",
                    "-b:a", "64k", str(target)], check=True)
    wav.unlink()
    return target


def day_folder(audio_out: Path, day: date, seconds: float = 2.0) -> tuple[Path, dict]:
    """A fetched day with one MP3 programme for thon-dong, its manifest entry."""
    folder = audio_out / day.isoformat()
    folder.mkdir(parents=True)
    tone(folder / "sang.wav", seconds, rate=22050)
    source = mp3(folder / "sang.wav")
    entry = {"id": "sang", "file": source.name, "zones": ["thon-dong"], "duration_s": seconds,
             "sha256": file_sha256(source), "bytes": source.stat().st_size}
    (folder / "manifest.json").write_text(json.dumps({"programmes": [entry]}), encoding="utf-8")
    return source, entry


def wav_info(path: Path) -> tuple[int, int, int]:
    with wave.open(str(path)) as read:
        return read.getframerate(), read.getnchannels(), read.getsampwidth()


def test_a_days_programmes_are_decoded_once_to_checked_mono_pcm_and_that_is_what_airs(tmp_path):
    audio_out = tmp_path / "audio_out"
    source, entry = day_folder(audio_out, DAY)
    assert pcm.on_air(tmp_path, DAY, entry, source) is None               # not decoded yet: the source, decoded on air
    assert pcm.prepare_days(tmp_path, audio_out, [DAY], "thon-dong", ffmpeg_exe, may_decode=lambda: False) == []
    made = pcm.prepare_days(tmp_path, audio_out, [DAY], "thon-dong", ffmpeg_exe)
    target = pcm.pcm_path(tmp_path, DAY, entry)
    assert made == [target.name] and target.name == f"{entry['sha256']}.wav"
    assert wav_info(target) == (22050, 1, 2)                  # the file's own rate, mono, 16-bit
    assert pcm.on_air(tmp_path, DAY, entry, source) == target
    assert pcm.prepare_days(tmp_path, audio_out, [DAY], "thon-dong", ffmpeg_exe) == []     # once
    assert not list(target.parent.glob(".*"))                 # no partial file left
    with wave.open(str(target)) as read:                      # cut short (a full SD card, a crash): not played
        frames = read.readframes(read.getnframes() // 4)
    with wave.open(str(target), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(22050)
        out.writeframes(frames)
    assert pcm.on_air(tmp_path, DAY, entry, source) is None
    assert pcm.prepare_days(tmp_path, audio_out, [DAY], "thon-dong", ffmpeg_exe) == [target.name]
    assert pcm.on_air(tmp_path, DAY, entry, source) == target
    whole = target.read_bytes()
    target.write_bytes(whole[:len(whole) // 2])              # the header intact, half the samples gone
    assert pcm.on_air(tmp_path, DAY, entry, source) is None


def test_a_mono_wav_source_airs_as_it_is_and_other_zones_are_not_decoded(tmp_path):
    audio_out = tmp_path / "audio_out"
    folder = audio_out / DAY.isoformat()
    folder.mkdir(parents=True)
    tone(folder / "sang.wav", 1.0)
    entry = {"id": "sang", "file": "sang.wav", "zones": ["thon-dong"], "duration_s": 1.0,
             "sha256": file_sha256(folder / "sang.wav")}
    (folder / "manifest.json").write_text(json.dumps({"programmes": [entry]}), encoding="utf-8")
    assert pcm.on_air(tmp_path, DAY, entry, folder / "sang.wav") == folder / "sang.wav"
    assert pcm.prepare_days(tmp_path, audio_out, [DAY], "thon-dong", ffmpeg_exe) == []
    assert pcm.prepare_days(tmp_path, audio_out, [DAY], "thon-tay", ffmpeg_exe) == []
    assert not (tmp_path / pcm.PCM_DIR).exists()


def test_a_rebuilt_days_old_decode_and_the_days_before_today_lose_their_pcm(tmp_path):
    audio_out = tmp_path / "audio_out"
    yesterday = DAY - timedelta(days=1)
    for day in (yesterday, DAY):
        day_folder(audio_out, day)
    pcm.prepare_days(tmp_path, audio_out, [yesterday, DAY], "thon-dong", ffmpeg_exe)
    old = tmp_path / pcm.PCM_DIR / DAY.isoformat() / f"{'0' * 64}.wav"
    old.write_bytes(b"RIFF")                                  # a decode of an earlier build of the day
    assert pcm.prune(tmp_path, DAY) == [yesterday.isoformat()]
    assert not (tmp_path / pcm.PCM_DIR / yesterday.isoformat()).exists()
    pcm.prepare_days(tmp_path, audio_out, [DAY], "thon-dong", ffmpeg_exe)
    assert not old.exists() and len(list(old.parent.iterdir())) == 1


def _gates(pid: int) -> list[int]:
    """The player processes below the receiver."""
    found, children = [], []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            children += (task / "children").read_text().split()
        except OSError:
            continue                  # a thread that ended meanwhile
    for child in children:
        try:
            if b"broadcast.play.gate" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.append(int(child))
        except OSError:
            continue
    return found


def test_the_receiver_airs_the_pcm_made_at_fetch_in_its_one_spare_player(paired):
    station, folder, _server, _port = paired

    def as_mp3(aside, entry):
        source = mp3(aside / "sang.wav")
        entry.update(file=source.name, sha256=file_sha256(source), bytes=source.stat().st_size)

    registry = ClusterRegistry(station / "var" / "cum-loa")
    running = receiver_up(folder, registry)
    players: set[int] = set()
    try:
        day, start = day_starting_in(station, 10, length=5.0, edit=as_mp3)
        manifest = json.loads((station / "audio_out" / day / "manifest.json").read_text(encoding="utf-8"))
        decoded = folder / pcm.PCM_DIR / day / f"{manifest['programmes'][0]['sha256']}.wav"
        assert wait_for(decoded.is_file, 30), "the programme was not decoded when its day came"
        assert wait_for(lambda: datetime.now(TZ) >= start, 30)
        while not registry.rows("dong-1") and datetime.now(TZ) < start + timedelta(seconds=60):
            gates = _gates(running.pid)
            if datetime.now(TZ) < start + timedelta(seconds=4):       # while the programme plays
                assert len(gates) <= 1, gates                          # no second player beside it
                players.update(gates)
            time.sleep(0.1)
    finally:
        output = stop(running)
    (row,) = registry.rows("dong-1")
    assert row["status"] == "played", (row, output)
    assert len(players) == 1
    (played,) = (folder / "playout").glob("*.wav")
    assert wav_info(played) == wav_info(decoded)              # the PCM as it is (a decode on air is 48 kHz stereo)
    with wave.open(str(played)) as aired, wave.open(str(decoded)) as made:
        assert aired.readframes(aired.getnframes()) == made.readframes(made.getnframes())


def test_nothing_is_decoded_and_no_timedatectl_runs_while_a_programme_is_prepared_or_on_air(tmp_path, monkeypatch):
    from broadcast.receiver import linkside

    asked: list[int] = []
    monkeypatch.setattr(linkside, "ntp_state", lambda: asked.append(1) or "synced")
    source, entry = day_folder(tmp_path / "audio_out", DAY)

    class Side(linkside.LinkSide):
        config = type("Config", (), {"folder": tmp_path, "audio_out": tmp_path / "audio_out", "zone": "thon-dong"})
        clock = type("Clock", (), {"now": staticmethod(lambda: datetime(2026, 12, 7, 5, 0, tzinfo=TZ))})

    side = Side()
    side.airing = True
    side.decode_ahead()
    assert side.ntp() == "unknown" and not asked
    assert pcm.on_air(tmp_path, DAY, entry, source) is None
    side.airing, side.playing = False, None
    side.decode_ahead()
    assert side.ntp() == "synced" and side.ntp() == "synced" and len(asked) == 1      # then once in a while
    assert pcm.on_air(tmp_path, DAY, entry, source) == pcm.pcm_path(tmp_path, DAY, entry)
