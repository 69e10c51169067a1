"""The playout state a web console reads (`broadcast.play.state`) comes without the scheduler."""

from __future__ import annotations

from datetime import date

from fresh_python import last_line

import broadcast.daemon
from broadcast.play.state import read_day, state_paths


def test_the_web_console_loads_without_the_daemon_or_apscheduler():
    code = ("import importlib, pkgutil, sys\n"
            "import broadcast.web, broadcast.web.routes as routes\n"
            "for m in pkgutil.iter_modules(routes.__path__): importlib.import_module(routes.__name__ + '.' + m.name)\n"
            "print(sorted({m.split('.')[0] if m.startswith('apscheduler') else m for m in sys.modules\n"
            "              if m.startswith(('apscheduler', 'broadcast.daemon'))}))\n")
    assert last_line(code) == "[]"


def test_the_daemon_still_exports_the_same_functions(tmp_path):
    assert broadcast.daemon.read_day is read_day and broadcast.daemon.state_paths is state_paths
    assert read_day(tmp_path, date(2026, 12, 1)) is None      # a day that was never built
