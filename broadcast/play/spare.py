"""A player process started ahead (interpreter up, modules imported), playing what it is handed, again and again.

`GatedOutput.prepare(..., spare=...)` hands it a play: the play's config as one message on a Unix
socket (the player's stdin) with the play's gate fd beside it (SCM_RIGHTS), so no interpreter is
spawned on the critical path of an urgent announcement. When the play is done the same process
waits for the next one (`idle` again): a receiver pays the spawn once, not once per urgent. A play
stopped (SIGTERM) ends the process; `usable` is then false and the receiver starts another.
`close()` ends it (the channel closed: it exits between plays).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from typing import Any

from broadcast.play.child import popen


class SparePlayer:
    """See the module docstring; `busy` while one play is handed and not yet done."""

    def __init__(self) -> None:
        self.channel, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.err = tempfile.TemporaryFile()
        try:
            self.proc = popen([sys.executable, "-m", "broadcast.play.gate", "-"], stdin=theirs,
                              stdout=subprocess.PIPE, stderr=self.err)
        finally:
            theirs.close()
        self.busy = False
        self.plays = 0

    @property
    def usable(self) -> bool:
        """Alive, waiting for a play, its channel open."""
        return self.proc.poll() is None and not self.busy and self.channel.fileno() >= 0

    def hand(self, config: dict[str, Any], gate_fd: int) -> None:
        """Give it one play (OSError when it is gone)."""
        self.busy = True
        self.plays += 1
        socket.send_fds(self.channel, [json.dumps(config).encode("utf-8")], [gate_fd])

    def done(self) -> None:
        """Its play ended: it waits for the next one."""
        self.busy = False

    def close(self) -> None:
        self.channel.close()                 # end of the channel: a spare between plays exits
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self.err.close()


def serve(channel: socket.socket, play: Callable[[dict[str, Any]], int], stopping: threading.Event) -> int:
    """The player's side (`python -m broadcast.play.gate -`): each play comes as one message on `channel`
    with its gate's fd; played one after another until the channel closes (the receiver stopped) or
    `stopping` is set (SIGTERM: a play stopped, the receiver starts another)."""
    while not stopping.is_set():
        try:
            data, fds, _flags, _address = socket.recv_fds(channel, 1 << 20, 1)
        except OSError:
            return 0
        if not data:
            for fd in fds:
                os.close(fd)
            return 0              # the receiver closed the channel: no more plays
        try:
            play({**json.loads(data), **({"gate_fd": fds[0]} if fds else {})})
        finally:
            for fd in fds:
                os.close(fd)
    return 0
