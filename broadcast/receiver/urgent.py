"""The receiver's side of urgent pushes: a long poll on the station, every push checked before it is used.

The receiver keeps one request open (`GET /day-kenh?after=N&wait=S`, long polling: plain HTTP that
proxies pass) and the station answers it as soon as it records a push for the zone. A push is used
only when the station's pinned key signed it, its sequence is newer than the last one taken (a
replayed or older push is refused), it names this cluster's zone and it has not expired; its audio
is fetched through a signed GET (all of it within a deadline: a link that drips is given up) and must
match the SHA-256 and size the document names; a body cut short, too slow or altered is refused, said in
Vietnamese in the heartbeat's notes, and asked for again while the push is valid. The audio is the
station's mono 16-bit WAV, played as it is (`broadcast.play.pcmfile`). The last
sequence and the cancelled ids live in `<folder>/khan-cap/state.json`, so a restart refuses replays too.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from broadcast.atomic import write_bytes_atomic
from broadcast.clusters import protocol
from broadcast.errors import BroadcastError
from broadcast.receiver.config import ReceiverConfig

WAIT_S = 25.0                     # how long the station may hold one poll open
RETRY_S = 2.0
MAX_AUDIO = 64 << 20
AUDIO_FLOOR_S = 20.0              # the audio must all be here within this, or its size at MIN_AUDIO_RATE if longer
MIN_AUDIO_RATE = 16_000           # bytes a second: a third of the audio's own rate; slower, the link is given up
FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,120}")
URGENT, CANCEL = "khan-cap", "huy"


@dataclass
class PushState:
    """What survives a restart: the last sequence taken, the cancelled ids."""

    path: Path
    last_seq: int = 0
    cancelled: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, folder: Path) -> PushState:
        path = folder / "khan-cap" / "state.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(path, int(data.get("last_seq", 0)), [str(c) for c in data.get("cancelled", [])][-200:])
        except (OSError, ValueError, TypeError, AttributeError):
            return cls(path)

    def save(self, *, durable: bool = True) -> None:
        """Write the state; not `durable`: no fsync (a crash of the process keeps it, a power cut may not)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"last_seq": self.last_seq, "cancelled": self.cancelled[-200:]}) + "\n"
        write_bytes_atomic(self.path, text.encode("utf-8"), durable=durable)


def check_push(config: ReceiverConfig, item: Any, last_seq: int, now: datetime) -> tuple[dict | None, str | None]:
    """(the document, None) when the push is the station's, newer, for this zone and unexpired; else (doc|None, why)."""
    if not isinstance(item, dict) or not isinstance(item.get("document"), str):
        return None, "bản tin đẩy sai cấu trúc"
    data = item["document"].encode("utf-8")
    if not protocol.verify_bytes(data, str(item.get("signature", "")), protocol.load_public(config.station_public_key)):
        return None, "chữ ký bản tin đẩy không phải của đài (đã từ chối)"
    try:
        document = json.loads(data)
        seq = int(document["seq"])
        expires = datetime.fromisoformat(str(document["expires_at"]))
        kind = document["kind"]
    except (ValueError, KeyError, TypeError):
        return None, "bản tin đẩy thiếu số thứ tự hoặc hạn"
    if seq <= last_seq:
        return None, f"bản tin đẩy số {seq} cũ hoặc bị gửi lại (đã nhận tới số {last_seq})"
    zones = document.get("zones") or []
    if zones and config.zone not in zones:
        return document, f"bản tin đẩy số {seq} không dành cho vùng {config.zone}"
    if expires <= now:
        return document, f"thông báo khẩn '{document.get('id')}' đã hết hạn lúc {expires:%H:%M %d/%m}"
    if kind == URGENT and not FILE_NAME.fullmatch(str(document.get("audio", ""))):
        return document, "tên tệp âm thanh của bản tin đẩy không hợp lệ"
    if kind not in (URGENT, CANCEL):
        return document, f"loại bản tin đẩy '{kind}' không biết"
    return document, None


class UrgentListener:
    """Keeps the long poll open and hands checked pushes to `receiver` (urgent_arrived / cancel_urgent)."""

    def __init__(self, config: ReceiverConfig, link: Any, receiver: Any, *, wait_s: float = WAIT_S,
                 audio_floor_s: float = AUDIO_FLOOR_S) -> None:
        self.config, self.link, self.receiver, self.wait_s = config, link, receiver, wait_s
        self.audio_floor_s = audio_floor_s
        self.state = PushState.load(config.folder)
        self._saved = (self.state.last_seq, list(self.state.cancelled))
        self.folder = config.folder / "khan-cap"
        self.refused: list[str] = []
        self.answered_at: str | None = None
        self.sent_at: Any = None

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                answer = self.link.get(f"/day-kenh?after={self.state.last_seq}&wait={self.wait_s:g}",
                                       timeout=self.wait_s + 15)
                self.answered_at = self.receiver.clock.now().isoformat()    # where the time goes: see timing
                self.sent_at = answer.get("station_time")
                arrived: list[tuple[dict[str, Any], Path]] = []
                try:
                    for item in answer.get("pushes") or []:
                        self.take(item, arrived)
                finally:        # a cancellation in the same answer wins over its urgent
                    # Taken before it is handed over, so a receiver restarted after this never plays it
                    # twice; without an fsync on the way to the air, which follows the hand-over.
                    changed = self._save(durable=False)
                    for document, audio in arrived:
                        if str(document["id"]) not in self.state.cancelled:
                            self.receiver.urgent_arrived(document, audio)
                    if changed:
                        self.state.save()
            except BroadcastError as exc:
                self.receiver.note(str(exc))
                stop.wait(RETRY_S)

    def take(self, item: Any, arrived: list[tuple[dict[str, Any], Path]]) -> None:
        """Check one push: a cancellation acts now, an urgent is fetched into `arrived`; a failed download raises."""
        document, why = check_push(self.config, item, self.state.last_seq, self.receiver.clock.now())
        if why is not None:
            self.refused.append(why)
            self.receiver.note(why)
            if document is not None and isinstance(document.get("seq"), int) and document["seq"] > self.state.last_seq:
                self._advance(document["seq"])       # checked and signed, but not for us (zone, expiry): move on
            return
        assert document is not None
        if document["kind"] == CANCEL:
            self.state.cancelled.append(str(document["id"]))
            self.receiver.cancel_urgent(str(document["id"]))
        elif str(document["id"]) not in self.state.cancelled:
            audio = self.fetch_audio(document, item.get("audio_b64"))
            timing = {"answer": self.answered_at, "audio": self.receiver.clock.now().isoformat()}
            if isinstance(self.sent_at, (int, float)):
                timing["sent"] = datetime.fromtimestamp(self.sent_at, UTC).isoformat()
            arrived.append(({**document, "timing": timing}, audio))
        self._advance(int(document["seq"]))

    def fetch_audio(self, document: dict[str, Any], inline: Any = None) -> Path:
        """The push's audio, whole and as the station signed it (its size and SHA-256), else BroadcastError
        in Vietnamese: nothing is played, the push is asked for again while it is valid. Audio that came in
        the answer (`inline`, base64) is used when it matches; else it is fetched."""
        name, size = str(document["audio"]), int(document.get("bytes") or 0)
        target = self.folder / name
        data = _unbase64(inline) if isinstance(inline, str) else None
        if data is not None and len(data) == size and hashlib.sha256(data).hexdigest() == document.get("sha256"):
            self.folder.mkdir(parents=True, exist_ok=True)
            write_bytes_atomic(target, data, durable=False)      # checked by its hash before use: no fsync
            return target
        if not (target.is_file() and _sha256(target) == document.get("sha256")):
            self.folder.mkdir(parents=True, exist_ok=True)
            try:
                self.link.download(f"/day-kenh/{name}", target, min(size, MAX_AUDIO),
                                   within_s=max(self.audio_floor_s, size / MIN_AUDIO_RATE))
            except BroadcastError as exc:
                target.unlink(missing_ok=True)
                raise BroadcastError(f"âm thanh của thông báo khẩn '{document['id']}' chưa tải được, "
                                     f"chưa phát: {exc.message}") from None
            got = target.stat().st_size
            if got != size or _sha256(target) != document.get("sha256"):
                target.unlink(missing_ok=True)
                why = (f"không khớp cỡ đài ký: bị cắt cụt (nhận {got} trên {size} byte)" if got < size
                       else "không khớp mã băm đài ký")
                raise BroadcastError(f"âm thanh của thông báo khẩn '{document['id']}' {why}, đã từ chối")
        return target

    def _advance(self, seq: int) -> None:
        self.state.last_seq = seq            # saved once the answer's pushes are handed over (`_save`)

    def _save(self, *, durable: bool = True) -> bool:
        """Save the state when it moved on; True when it did."""
        if (self.state.last_seq, self.state.cancelled) == self._saved:
            return False
        self.state.save(durable=durable)
        self._saved = (self.state.last_seq, list(self.state.cancelled))
        return True


def _unbase64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error):
        return None


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
