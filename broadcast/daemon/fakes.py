"""Stand-ins for tests and the benchmark: silent WAVs, a fake builder, the start-lateness measurement."""

from __future__ import annotations

import tempfile
import threading
import wave
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from broadcast.daemon.core import StationCore
from broadcast.daemon.settings import PlayoutSettings
from broadcast.daemon.wallclock import Daemon
from broadcast.log.asrun import AsRunLog, iso
from broadcast.play import SystemClock
from broadcast.play.outputs import FileOutput, Output, check_playable


def write_silence_wav(path: Path, seconds: float = 0.05, rate: int = 8000) -> Path:
    """A tiny mono 16-bit WAV of silence (tests, benchmark)."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\0\0" * int(seconds * rate))
    return path


def measure_start_lateness(n: int = 50, output: Output | None = None, *, spacing_s: float = 0.2,
                           lead_s: float = 1.5, timeout_s: float | None = None,
                           check: Callable[[Path], str | None] = check_playable,
                           prepare_s: float | None = None) -> list[float]:
    """Seconds each of `n` tiny programmes, 0.2 s apart, started after its slot (real clock, APScheduler).

    Measured as the log records it: once the player runs. Each slot is prepared (file check,
    player made ready) `prepare_s` before it, by default half the spacing, so that no slot's
    preparation runs at another slot's time (in service slots are minutes apart; 30 s ahead).
    """
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    clock = SystemClock(tz)
    with tempfile.TemporaryDirectory(prefix="broadcast-bench-") as tmp:
        root = Path(tmp)
        first = clock.now() + timedelta(seconds=lead_s)
        output = output or FileOutput(root / "out", clock=clock, copy_files=False)
        manifests: dict[date, dict] = {}
        for i in range(n):
            start = first + timedelta(seconds=i * spacing_s)
            day = start.date()
            folder = root / "audio_out" / day.isoformat()
            folder.mkdir(parents=True, exist_ok=True)
            name = f"{i:04d}.wav"
            write_silence_wav(folder / name)
            manifest = manifests.setdefault(day, {"schema": 1, "date": day.isoformat(), "station": "bench",
                                                  "timezone": str(tz), "generated_at": iso(clock.now()),
                                                  "programmes": []})
            manifest["programmes"].append(fake_entry(f"{day}-b{i:04d}", f"b{i:04d}", start, name, 0.05))
        import json

        for day, manifest in manifests.items():
            (root / "audio_out" / day.isoformat() / "manifest.json").write_text(json.dumps(manifest))
        log = AsRunLog(root / "asrun.sqlite", synchronous="NORMAL")
        settings = PlayoutSettings(prepare_s=spacing_s / 2 if prepare_s is None else prepare_s)
        core = StationCore(log=log, output=output, clock=clock, audio_out=root / "audio_out",
                           settings=settings, check=check)
        daemon = Daemon(core, settings=core.settings)
        daemon.start()
        deadline = first + timedelta(seconds=n * spacing_s + (timeout_s or 10.0))
        done = threading.Event()
        while clock.now() < deadline and not done.wait(0.1):
            rows = [r for d in manifests for r in log.rows(d, d) if r["kind"] == "programme"]
            if len(rows) >= n and all(r["status"] != "playing" for r in rows):
                break
        daemon.stop("đo xong")
        rows = [r for d in manifests for r in log.rows(d, d) if r["kind"] == "programme" and r["started_at"]]
        log.close()
    return [(datetime.fromisoformat(r["started_at"]) - datetime.fromisoformat(r["scheduled_at"])).total_seconds()
            for r in rows]


class FakeBuilder:
    """A stand-in for `build_day`: publishes a manifest with tiny WAV files (tests, benchmark).

    `slots` maps a slot name to (HH:MM, manifest duration in seconds); each programme has two
    items splitting that duration. The WAVs are a few milliseconds long: the manifest's
    durations are what the simulation and the paced file output use.
    """

    def __init__(self, audio_out: Path, slots: Mapping[str, tuple[str, float]], tz: Any = None) -> None:
        self.audio_out = Path(audio_out)
        self.slots = dict(slots)
        self.tz = tz or ZoneInfo("Asia/Ho_Chi_Minh")
        self.built: list[date] = []

    def __call__(self, day: date) -> Path:
        import json

        folder = self.audio_out / day.isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        programmes = []
        for slot, (clock, duration) in sorted(self.slots.items(), key=lambda kv: kv[1][0]):
            hour, minute = (int(p) for p in clock.split(":"))
            start = datetime.combine(day, time(hour, minute), self.tz)
            name = f"{hour:02d}{minute:02d}-{slot}.wav"
            write_silence_wav(folder / name, seconds=0.02)
            half = round(duration / 2, 3)
            programmes.append(fake_entry(f"{day}-{slot}", slot, start, name, duration, items=[
                {"id": "mo-dau", "kind": "mo-dau", "template": "mo_dau", "title": "Lời mở đầu", "tags": [],
                 "priority": "thuong", "repeat": 1, "episode": None, "source": "tu-san-xuat",
                 "values": {}, "offset_s": 0.0, "duration_s": half, "text": "", "spoken": ""},
                {"id": "tiem-chung", "kind": "thong-bao", "template": "tiem_chung", "title": "Tiêm chủng",
                 "tags": ["yte"], "priority": "uu-tien", "repeat": 2, "episode": None, "source": "tu-san-xuat",
                 "values": {"ngay": "05/12/2026"}, "offset_s": half, "duration_s": duration - half,
                 "text": "", "spoken": ""}]))
        manifest = {"schema": 1, "date": day.isoformat(), "station": "Thử", "timezone": str(self.tz),
                    "generated_at": iso(datetime.now(self.tz)), "programmes": programmes}
        part = folder / ".manifest.json.part"
        part.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
        part.replace(folder / "manifest.json")
        self.built.append(day)
        return folder


def fake_entry(programme_id: str, slot: str, start: datetime, name: str, duration_s: float,
               items: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """A manifest programme entry with the keys `read_manifest` requires."""
    return {"id": programme_id, "slot": slot, "title": f"Chương trình {slot}", "start": start.isoformat(),
            "file": name, "duration_s": duration_s, "loudness_lufs": -16.0, "true_peak_dbtp": -1.0,
            "engine": "fake", "engine_notes": [], "inputs_hash": "", "items": list(items)}
