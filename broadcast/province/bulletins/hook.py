"""The daemon's hook: `broadcast run` starts the province listener with itself and stops it before itself.

The daemon is not changed: its `start` and `stop` are wrapped on the instance. What the link does
(a bulletin refused, aired, cancelled) goes to the as-run log's events ('urgent'), so
`broadcast log` shows it beside the airings.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


def attach_listener(daemon: Any, station: Any) -> None:
    """Start the listener after the daemon starts; stop it first when the daemon stops."""
    from broadcast.province.bulletins.listener import start_for_station

    started: dict[str, Any] = {}
    start, stop = daemon.start, daemon.stop

    def log(message: str) -> None:
        try:
            daemon.core.log.event("urgent", datetime.now(station.tz), f"Tỉnh: {message}")
        except Exception:  # noqa: BLE001 - a log write must not stop the link
            pass

    def start_with_link() -> None:
        start()
        try:
            started["listener"] = start_for_station(station, log)
        except Exception as exc:  # noqa: BLE001 - a bad link setting must not keep the station off air
            log(f"không bật được liên lạc với tỉnh: {exc}")

    def stop_with_link(reason: str = "SIGTERM") -> None:
        listener = started.pop("listener", None)
        if listener is not None:
            listener.stop()
        stop(reason)

    daemon.start = start_with_link
    daemon.stop = stop_with_link
