"""The province's station set (folders named or listed in a file) and what became of each station's day."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from broadcast.errors import BroadcastError, InputError, MultiError
from broadcast.station.config import CONFIG_NAME, Station, load_station


def station_set(folders: Iterable[str] = (), listing: str | None = None) -> list[Path]:
    """Station folders in order, each once: `folders`, then those listed in `listing`.

    A listing has one folder per line, relative to the listing's own folder; blank lines and
    lines starting with '#' are skipped. Every folder without a broadcast.toml is reported at once.
    """
    found: list[tuple[Path, str]] = [(Path(f), f) for f in folders]
    if listing:
        path = Path(listing)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"không đọc được danh sách đài: {exc}", path=str(path),
                             hint="mỗi dòng một thư mục đài, tính từ thư mục chứa tệp danh sách") from None
        for number, line in enumerate(lines, 1):
            text = line.strip()
            if text and not text.startswith("#"):
                found.append((path.parent / text, f"{path}:{number}"))
    if not found:
        raise InputError("chưa có đài nào để dựng", hint="dùng --stations THƯ_MỤC... hoặc --stations-from TỆP")
    errors = []
    seen: dict[Path, None] = {}
    for folder, where in found:
        resolved = folder.expanduser().resolve()
        if not (resolved / CONFIG_NAME).is_file():
            errors.append(InputError(f"'{folder}' không phải thư mục đài (thiếu {CONFIG_NAME})", path=where
                                     if where != str(folder) else None, hint="sửa đường dẫn hoặc bỏ dòng này"))
            continue
        seen.setdefault(resolved, None)
    if errors:
        raise errors[0] if len(errors) == 1 else MultiError(errors, summary=f"Có {len(errors)} thư mục đài sai:")
    return list(seen)


# -- what became of each station's day, for either way of building the province ----------------

@dataclass(frozen=True)
class Outcome:
    """What happened to one station's day."""

    station: str                 # the station folder as given
    name: str                    # the commune's name ("" when its config could not be read)
    day: date
    ok: bool
    message: str = ""            # why it failed (Vietnamese, with file and line)
    exit_code: int = 0
    programmes: int = 0
    encoded: int = 0
    reused: int = 0
    unchanged: bool = False


@dataclass
class ProvinceResult:
    outcomes: list[Outcome] = field(default_factory=list)
    speech_items: int = 0        # texts over every programme built: what separate builds would speak
    distinct_texts: int = 0      # distinct synthesis keys in the graph
    synthesized: int = 0         # texts synthesized now (cache misses), fallbacks included
    seconds: float = 0.0
    workers: int = 0             # processes that finished the build (a killed worker is not counted)
    scheduler: str = ""

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def exit_code(self) -> int:
        """0 when every day was published; 2 when only bad input failed; 1 otherwise."""
        codes = {o.exit_code for o in self.failures}
        return 0 if not codes else (2 if codes == {2} else 1)

    def summary(self) -> dict[str, Any]:
        """The `--json` object."""
        return {
            "stations": len({o.station for o in self.outcomes}),
            "days": len({o.day for o in self.outcomes}),
            "published": sum(o.ok for o in self.outcomes),
            "programmes": sum(o.programmes for o in self.outcomes),
            "encoded": sum(o.encoded for o in self.outcomes),
            "reused": sum(o.reused for o in self.outcomes),
            "speech_items": self.speech_items, "distinct_texts": self.distinct_texts,
            "synthesized": self.synthesized, "seconds": round(self.seconds, 2),
            "workers": self.workers, "scheduler": self.scheduler,
            "failures": [{"station": o.station, "name": o.name, "day": o.day.isoformat(),
                          "message": o.message, "exit_code": o.exit_code} for o in self.failures],
        }


def loaded_stations(stations: Iterable[str | os.PathLike], days: Sequence[date],
                    record: Callable[[Outcome], None]) -> Iterator[tuple[str, Station]]:
    """(folder, station) for each station whose config loads; the others fail every day alone."""
    for folder in map(str, stations):
        try:
            station = load_station(folder)
        except BroadcastError as exc:
            for day in days:
                record(Outcome(folder, "", day, False, str(exc), exc.exit_code))
            continue
        yield folder, station


def signing_key_for(station: Station, override: str | os.PathLike | None) -> str | None:
    """The key file that signs this station's days: `--key`, else its [province] signing_key."""
    if override:
        return str(Path(override).resolve())
    if station.province.signing_key:
        return str(station.path(station.province.signing_key).resolve())
    return None
