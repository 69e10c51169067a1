"""The receiver's folder: its key (0600), what pairing told it (`receiver.json`), its days and its outbox.

    <folder>/receiver.key      the receiver's own Ed25519 key, made at pairing, never sent
    <folder>/receiver.json     station URL, cluster name, zone, station name, the station's pinned public key
    <folder>/audio_out/<day>/  the zone's days as the station signed them
    <folder>/outbox.sqlite     as-run rows not yet acknowledged by the station
    <folder>/lenh.json         the station's orders applied here (a restart: `receiver.orders`)

Standard library and `cryptography` only (the receiver's install is the base one).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from broadcast.atomic import write_text_atomic
from broadcast.clusters import protocol
from broadcast.errors import ConfigError
from broadcast.receiver.monitor import MonitorSpec

FOLDER_ENV = "BROADCAST_RECEIVER"
DEFAULT_FOLDER = "/var/lib/broadcast-receiver"
CONFIG_NAME = "receiver.json"
KEY_NAME = "receiver.key"


@dataclass(frozen=True)
class ReceiverConfig:
    folder: Path
    station_url: str
    cluster: str
    zone: str
    station: str
    station_public_key: str
    outputs: tuple[str, ...] = ("device",)
    prepare_s: float = 5.0
    keep_days: int = 3
    heartbeat_s: float = 30.0
    sync_s: float = 600.0
    warm_player: bool = True          # keep one player process started ahead for urgent pushes (about 15 MB)
    monitor: Any = None               # the monitor input ({"source", "silent_db", "after_s"}: receiver.monitor)

    @property
    def audio_out(self) -> Path:
        return self.folder / "audio_out"

    def key(self) -> Ed25519PrivateKey:
        return protocol.load_private((self.folder / KEY_NAME).read_bytes())


def folder_of(explicit: str | os.PathLike | None) -> Path:
    return Path(explicit or os.environ.get(FOLDER_ENV) or DEFAULT_FOLDER)


def new_key(folder: Path) -> Ed25519PrivateKey:
    """A fresh key for pairing, written 0600 (an earlier pairing's key is replaced)."""
    folder.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    path = folder / KEY_NAME
    temporary = folder / (KEY_NAME + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(protocol.private_pem(key))
    os.replace(temporary, path)
    return key


def save(config: ReceiverConfig) -> None:
    data = asdict(config)
    data.pop("folder")
    data["outputs"] = list(config.outputs)
    write_text_atomic(config.folder / CONFIG_NAME, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def load(folder: Path) -> ReceiverConfig:
    """The paired receiver in `folder`; ConfigError saying how to pair when it is not."""
    path = folder / CONFIG_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        config = ReceiverConfig(folder=folder, station_url=str(data["station_url"]), cluster=str(data["cluster"]),
                                zone=str(data["zone"]), station=str(data["station"]),
                                station_public_key=str(data["station_public_key"]),
                                outputs=tuple(str(o) for o in data.get("outputs", ["device"])),
                                prepare_s=float(data.get("prepare_s", 5.0)), keep_days=int(data.get("keep_days", 3)),
                                heartbeat_s=float(data.get("heartbeat_s", 30.0)),
                                sync_s=float(data.get("sync_s", 600.0)),
                                warm_player=bool(data.get("warm_player", True)), monitor=data.get("monitor"))
        MonitorSpec.from_config(config.monitor)
        protocol.load_public(config.station_public_key)
    except FileNotFoundError:
        raise ConfigError(f"máy này chưa ghép với đài (không có {path})",
                          hint="chạy 'broadcast receiver pair ĐỊA-CHỈ-ĐÀI MÃ-GHÉP' với mã do đài cấp") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"tệp cấu hình của cụm loa hỏng: {exc}", path=str(path),
                          hint="ghép lại bằng 'broadcast receiver pair ĐỊA-CHỈ-ĐÀI MÃ-GHÉP'") from None
    if not (folder / KEY_NAME).is_file():
        raise ConfigError(f"thiếu khóa của cụm loa ({folder / KEY_NAME})",
                          hint="ghép lại bằng 'broadcast receiver pair ĐỊA-CHỈ-ĐÀI MÃ-GHÉP'")
    return config
