"""The officer's remote settings for one cluster (volume, mute, on-air hours): checked once, for the CLI and the console.

`broadcast clusters set` and the console's Cụm loa page both call `set_remote`; the receiver
takes the merged settings with the answer to its next heartbeat.
"""

from __future__ import annotations

from typing import Any

from broadcast.errors import InputError


def control_changes(*, volume: Any = None, mute: bool | None = None, hours: str | None = None) -> dict[str, Any]:
    """The changes to merge; InputError in Vietnamese for a volume outside 0-100, unreadable hours or nothing."""
    from broadcast.receiver.control import parse_hours

    changes: dict[str, Any] = {}
    if volume is not None:
        try:
            level = int(str(volume).strip())
        except ValueError:
            level = -1
        if not 0 <= level <= 100:
            raise InputError(f"âm lượng '{str(volume)[:10]}' không hợp lệ", hint="ghi một số từ 0 đến 100")
        changes["volume"] = level
    if mute is not None:
        changes["mute"] = bool(mute)
    if hours is not None:
        if hours:
            try:
                parse_hours(hours)
            except ValueError:
                raise InputError(f"giờ phát '{hours}' không hợp lệ",
                                 hint="viết GIỜ:PHÚT-GIỜ:PHÚT, ví dụ 06:00-21:00") from None
        changes["hours"] = hours or None
    if not changes:
        raise InputError("chưa nói đổi gì", hint="dùng --volume, --mute/--unmute hoặc --hours")
    return changes


def set_remote(registry: Any, name: str, *, volume: Any = None, mute: bool | None = None,
               hours: str | None = None) -> dict[str, Any]:
    """Check and merge the settings of cluster `name`; returns its settings as they now are."""
    return registry.set_control(name, control_changes(volume=volume, mute=mute, hours=hours))
