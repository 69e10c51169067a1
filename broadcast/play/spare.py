"""A player process started ahead (interpreter up, modules imported), playing what it is handed, again and again.

`GatedOutput.prepare(..., spare=...)` hands it a play: the play's config as one message on a Unix
socket (the player's stdin) with the play's gate fd beside it (SCM_RIGHTS), so no interpreter is
spawned on the critical path of an urgent announcement. When the play is done the same process
waits for the next one (`idle` again): a receiver pays the spawn once, not once per urgent. A play
is stopped by a message naming it (`stop(n)`: a stop meant for an earlier play never touches a
later one), and the process then waits for the next play: the receiver's programme, stopped for an
urgent, hands its player to the urgent, then takes it back to resume. SIGTERM ends the process
after its play; `usable` is then false and the receiver starts another. `close()` ends it (the
channel closed: it exits between plays).
"""

from __future__ import annotations

import json
import os
import queue
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

    def hand(self, config: dict[str, Any], gate_fd: int) -> int:
        """Give it one play (OSError when it is gone); the play's number, for `stop`."""
        self.busy = True
        self.plays += 1
        socket.send_fds(self.channel, [json.dumps({**config, "play": self.plays}).encode("utf-8")], [gate_fd])
        return self.plays

    def stop(self, play: int) -> None:
        """End play number `play` (if it is still the one playing); the process waits for the next."""
        try:
            self.channel.send(json.dumps({"stop": play}).encode("utf-8"))
        except OSError:
            pass                             # gone already: nothing plays

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


def serve(channel: socket.socket, play: Callable[[dict[str, Any]], int], stopping: threading.Event,
          ending: threading.Event) -> int:
    """The player's side (`python -m broadcast.play.gate -`): each play comes as one message on `channel`
    with its gate's fd; played one after another until the channel closes (the receiver stopped) or
    `ending` is set (SIGTERM). A `{"stop": n}` message sets `stopping` while play n is the current one."""
    plays: queue.Queue = queue.Queue()
    current, stopped = [0], set()

    def listen() -> None:            # one reader, in order: a stop is always handled before the next play comes
        while True:
            try:
                data, fds, _flags, _address = socket.recv_fds(channel, 1 << 20, 1)
            except OSError:
                data, fds = b"", []
            message = json.loads(data) if data else None
            if not isinstance(message, dict) or "stop" in message:
                for fd in fds:
                    os.close(fd)
                if message is None or not isinstance(message, dict):
                    plays.put(None)      # the receiver closed the channel: no more plays
                    return
                stopped.add(message["stop"])
                if message["stop"] == current[0]:
                    stopping.set()
                continue
            plays.put((message, fds))

    threading.Thread(target=listen, daemon=True, name="spare-channel").start()
    while not ending.is_set():
        try:
            item = plays.get(timeout=0.5)
        except queue.Empty:
            continue
        if item is None:
            return 0
        message, fds = item
        current[0] = message.get("play", 0)
        stopping.clear()             # a stop of an earlier play (it ended by itself first) is not this one's
        if current[0] in stopped:    # ... but one sent before this play was taken up is
            stopping.set()
        try:
            play({**message, **({"gate_fd": fds[0]} if fds else {})})
        finally:
            for fd in fds:
                os.close(fd)
    return 0
