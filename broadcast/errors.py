"""One exception family for everything the officer can cause or the machine can refuse."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class BroadcastError(Exception):
    """Base of every expected error; the CLI prints it as one line and exits with `exit_code`.

    `message` is for the officer (Vietnamese, says what to fix); `hint` is an optional
    second sentence ("Sửa: ..."). `path`/`line` name the file at fault when there is one.
    """

    exit_code = 1

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.hint = hint

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        text = f"{where}{self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class InputError(BroadcastError):
    """Bad input from the officer (config, template, schedule, value): exit code 2."""

    exit_code = 2


class ConfigError(InputError):
    """broadcast.toml is missing, unreadable or has invalid keys."""


class TemplateError(InputError):
    """A template in scripts_vi/ is broken, or the values given to it are wrong."""


class ScheduleError(InputError):
    """A schedule file in schedules/ is broken."""


class MultiError(InputError):
    """Several input problems found at once; each is listed on its own line."""

    def __init__(self, errors: list[BroadcastError], *, summary: str | None = None) -> None:
        self.errors = list(errors)
        head = summary or f"Có {len(self.errors)} lỗi cần sửa:"
        super().__init__(head + "\n" + "\n".join(f"  - {e}" for e in self.errors))

    def __str__(self) -> str:
        return self.message


class EngineError(BroadcastError):
    """A TTS engine could not speak (offline, library missing, service refused)."""


class AudioError(BroadcastError):
    """ffmpeg failed, an audio file is missing or corrupt, or a measurement is off."""


class PlayoutError(BroadcastError):
    """Playing to an output failed (device, Icecast, daemon hand-over)."""


class DeliveryError(BroadcastError):
    """A day from the province was refused (bad signature, wrong hash, cut download, server down)."""


class StationWarning(UserWarning):
    """Allowed but probably wrong (an empty schedule file): raised with `warnings.warn` where it is
    found, printed once per command as 'Cảnh báo: ...' by the CLI (`broadcast.cli`)."""


def closest(word: Any, choices: Iterable[Any], *, cutoff: float = 0.6) -> str | None:
    """The choice nearest to `word` for a "có phải ý bạn là …?" hint, or None.

    Compared as written first, then without diacritics or case ('thon dong' finds 'thôn-đông'),
    so every did-you-mean of the station suggests the same way.
    """
    import difflib

    from broadcast.model import ascii_key

    options = sorted({str(c) for c in choices})
    close = difflib.get_close_matches(str(word), options, n=1, cutoff=cutoff)
    if not close:
        by_key = {ascii_key(c): c for c in options}
        close = [by_key[k] for k in difflib.get_close_matches(ascii_key(word), list(by_key), n=1,
                                                                cutoff=cutoff)]
    return close[0] if close else None
