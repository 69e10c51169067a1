"""A scratch province: N commune copies of one station around a shared province folder.

Used by the benchmark and the tests, and handy for trying a province build out:

    make_province(Path("."), Path("/tmp/tinh-thu"), 10)
    # /tmp/tinh-thu/tinh/{scripts_vi,schedules}/   the province's column and notice (written once)
    # /tmp/tinh-thu/xa-001 ... xa-010/             copies of the station, each with its own name,
    #                                               [province] include = "../tinh", shared cache
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

SAMPLE = Path(__file__).with_name("sample")      # the province folder's templates and schedules
PROVINCE_FOLDER = "tinh"
SHARED_CACHE = "../tinh/.cache/tts"
# Two syllables each: 100 distinct commune names ("Hòa An", "Tân Phú", ...).
_FIRST = ("Hòa", "Tân", "Phú", "Bình", "Vĩnh", "Thạnh", "Long", "Hưng", "Thuận", "Minh")
_SECOND = ("An", "Lợi", "Phước", "Sơn", "Thủy", "Lâm", "Hải", "Xuân", "Trung", "Đông")


def commune_name(index: int) -> str:
    """The index-th distinct commune name (0-based, up to 99)."""
    if not 0 <= index < len(_FIRST) * len(_SECOND):
        raise ValueError(f"at most {len(_FIRST) * len(_SECOND)} communes")
    return f"{_FIRST[index // len(_SECOND)]} {_SECOND[index % len(_SECOND)]}"


@dataclass(frozen=True)
class ScratchProvince:
    root: Path
    province: Path               # the shared folder (templates, schedules, speech cache)
    stations: tuple[Path, ...]


def make_province(sample: Path, dest: Path, count: int, *, engines: str = '["espeak"]',
                  fast_audio: bool = False, fake_delay_s: float = 0.0,
                  shared_cache: bool = True, schedules: tuple[str, ...] | None = None,
                  tune_seconds: float = 12.0) -> ScratchProvince:
    """`count` copies of the station at `sample` (config, scripts, schedules, tune) in `dest`.

    `engines` replaces the [speech] engines list; `fast_audio` writes 16 kHz WAV instead of MP3
    (tests); `fake_delay_s` sets the fake engine's per-call delay; `shared_cache` points
    [province] cache at the province folder's cache (else each station keeps its own);
    `schedules` keeps only these of the sample's schedule files (small days for tests);
    `tune_seconds` is the length of the tune generated when the sample has none.
    """
    dest.mkdir(parents=True, exist_ok=True)
    province = dest / PROVINCE_FOLDER
    if not province.exists():
        shutil.copytree(SAMPLE, province)
    tune = dest / "nhac_hieu.wav"              # one generated tune for every copy that has none
    if not (sample / "assets" / "nhac_hieu.wav").is_file() and not tune.is_file():
        from broadcast import audio

        audio.generate_signature_tune(tune, seconds=tune_seconds, sample_rate=44100)
    stations = []
    for index in range(count):
        station = dest / f"xa-{index + 1:03d}"
        copy_station(sample, station, name=commune_name(index), engines=engines, fast_audio=fast_audio,
                     fake_delay_s=fake_delay_s, shared_cache=shared_cache, schedules=schedules)
        if tune.is_file() and not (station / "assets" / "nhac_hieu.wav").is_file():
            (station / "assets").mkdir(exist_ok=True)
            shutil.copy2(tune, station / "assets" / "nhac_hieu.wav")
        stations.append(station)
    return ScratchProvince(dest, province, tuple(stations))


def copy_station(sample: Path, station: Path, *, name: str, engines: str, fast_audio: bool,
                 fake_delay_s: float, shared_cache: bool, schedules: tuple[str, ...] | None = None) -> Path:
    """One commune: the sample's folders and a broadcast.toml with its own name and [province]."""
    station.mkdir(parents=True, exist_ok=True)
    for folder in ("scripts_vi", "schedules", "assets"):
        if (sample / folder).is_dir() and not (station / folder).exists():
            shutil.copytree(sample / folder, station / folder)
    if schedules is not None:
        for file in (station / "schedules").glob("*.yaml"):
            if file.name not in schedules:
                file.unlink()
    if (sample / "pronunciations.tsv").is_file():
        shutil.copy2(sample / "pronunciations.tsv", station / "pronunciations.tsv")
    text = (sample / "broadcast.toml").read_text(encoding="utf-8")
    text = re.sub(r'(?m)^name = ".*"$', f'name = "{name}"', text, count=1)
    text = re.sub(r"(?m)^engines = .*$", f"engines = {engines}", text, count=1)
    if fake_delay_s:
        text = text.replace("[speech]\n", f"[speech]\nfake_delay_s = {fake_delay_s}\n", 1)
    if fast_audio:
        text = text.replace('format = "mp3"', 'format = "wav"\nsample_rate = 16000')
    text += f'\n[province]\ninclude = "../{PROVINCE_FOLDER}"\n'
    if shared_cache:
        text += f'cache = "{SHARED_CACHE}"\n'
    (station / "broadcast.toml").write_text(text, encoding="utf-8")
    return station
