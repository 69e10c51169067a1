"""A commune's real side effects for bulletins: speak a khẩn cấp one into the urgent spool, speak or fetch a file.

`urgent_airer` speaks the bulletin (its text, or its template rendered by the commune's own
library) exactly as `broadcast announce` does (`build.build_announcement`, khẩn cấp pre-roll)
and drops it in the spool the running daemon watches (`play.spool.submit`); a repeat begins
with the issue-time sentence. Nothing is spoken when no daemon holds the spool (the airing is
tried again at the next tick). `speaker` writes a free-text bulletin once to a file the
schedule names; `recording_fetcher` downloads a recording from the province and checks its hash.
"""

from __future__ import annotations

import hashlib
import urllib.request
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from broadcast.atomic import write_bytes_atomic
from broadcast.errors import DeliveryError
from broadcast.model import Priority
from broadcast.play import spool


def urgent_airer(station: Any, now: Any, fetch_recording: Any = None):
    """The `air(document, sentence)` callable of a station: True once the daemon has the announcement.

    A recorded bulletin airs as the spoken pre-roll (and issue time on a repeat) followed by
    the recording, fetched once from the province (`fetch_recording`) and kept under var/."""
    spool_dir = _spool_dir(station)

    def air(document: Mapping[str, Any], sentence: str | None) -> bool:
        if not spool.daemon_alive(spool_dir):
            return False
        from broadcast.build import Toolkit, build_announcement

        toolkit = Toolkit.from_station(station)
        when: datetime = now()
        out_dir = station.path(station.paths.state) / "announcements"
        recorded = "recording" in document["content"]
        text = f"Bản tin của tỉnh: {document['title']}." if recorded else content_text(toolkit, document, station)
        announcement = build_announcement(toolkit, out_dir, text=f"{sentence} {text}" if sentence else text,
                                          priority=Priority.KHAN_CAP, repeat=1 if recorded else None, now=when)
        audio_path, meta = announcement.audio, dict(announcement.meta)
        if recorded:
            audio_path, meta["duration_s"] = _with_recording(toolkit, announcement.audio, document, out_dir,
                                                             fetch_recording)
        meta.update({"title": document["title"], "bulletin": document["id"], "bulletin_seq": document["seq"],
                     "zones": list(document.get("zones") or []), "source": "tinh",
                     "id": f"{when:%Y-%m-%d}-tinh-{document['id']}-{when:%H%M%S}"})
        return spool.submit(spool_dir, audio_path, meta, now=when)

    return air


def _with_recording(toolkit: Any, intro: Path, document: Mapping[str, Any], out_dir: Path,
                    fetch_recording: Any) -> tuple[Path, float]:
    """The spoken intro, a gap, then the bulletin's recording, in one levelled file."""
    from broadcast import audio

    if fetch_recording is None:
        raise DeliveryError("không tải được tệp ghi âm của bản tin (chưa nối với tỉnh)")
    kept = sorted(out_dir.glob(f"tinh-{document['id']}.*"))
    recording = kept[0] if kept else fetch_recording(document, out_dir / f"tinh-{document['id']}")
    out = intro.with_name(f"{intro.stem}-ghi-am{intro.suffix}")
    result = audio.assemble([audio.Clip(intro), audio.Silence(toolkit.station.programme.gap_s),
                             audio.Clip(recording, trim=True)], out, toolkit.audio_format,
                            {"title": document["title"], "artist": toolkit.station.station_title},
                            store=toolkit.cache.root)
    return out, round(result.duration_s, 3)


def content_text(toolkit: Any, document: Mapping[str, Any], station: Any) -> str:
    """The written text of a bulletin: its text, or its template rendered with its values."""
    content = document["content"]
    if "text" in content:
        return content["text"]
    if "template" in content:
        return toolkit.prepare(content["template"], content.get("values") or {}).rendered.text
    return document["title"]          # a recording: the title is read (the file itself is scheduled)


def speaker(station: Any):
    """The `speak(text, base)` callable: the text spoken once into `base` + the station's audio suffix."""

    def speak(text: str, base: Path) -> Path:
        from broadcast.build import Toolkit
        from broadcast.build.announce import speak_to_file

        toolkit = Toolkit.from_station(station)
        out = base.with_name(f"{base.name}.{toolkit.audio_format.codec}")
        out.parent.mkdir(parents=True, exist_ok=True)
        part = out.with_name(f".{out.name}.part.{toolkit.audio_format.codec}")
        speak_to_file(toolkit, [toolkit.spoken(text).text], part, title=text[:60])
        part.replace(out)
        return out

    return speak


def recording_fetcher(base_url: str, timeout: float):
    """The `fetch_recording(document, base)` callable: download `/api/recordings/<sha256>` and check it."""

    def fetch(document: Mapping[str, Any], base: Path) -> Path:
        recording = document["content"]["recording"]
        url = f"{base_url}/api/recordings/{recording['sha256']}"
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:   # noqa: S310 - http(s) checked
                data = response.read(recording["bytes"] + 1)
        except OSError as exc:
            raise DeliveryError(f"không tải được tệp ghi âm của bản tin: {exc}", path=url) from None
        if len(data) != recording["bytes"] or hashlib.sha256(data).hexdigest() != recording["sha256"]:
            raise DeliveryError("tệp ghi âm của bản tin sai mã băm so với bản tin đã ký: không dùng", path=url)
        suffix = Path(recording["name"]).suffix or ".mp3"
        out = base.with_name(base.name + suffix)
        write_bytes_atomic(out, data)
        return out

    return fetch


def schedule_checker(station: Any):
    """The `check(name, content)` callable: the station's schedule loader reads the file before it is written."""

    def check(name: str, content: bytes) -> None:
        from broadcast.build import Toolkit
        from broadcast.schedule import load_schedule

        toolkit = Toolkit.from_station(station)
        shared = (station.province_dir / "schedules",) if station.province_dir else ()
        load_schedule(station.path(station.paths.schedules), library=toolkit.library, station_root=station.root,
                      require_approval=station.programme.require_approval, include=shared,
                      limits=station.yaml_limits, replacing={name: content})

    return check


def _spool_dir(station: Any) -> Path:
    from broadcast.play.state import state_paths

    return state_paths(station)[1]
