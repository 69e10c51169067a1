"""Which modules a `broadcast plan` imports, asked of a fresh interpreter (shared by the plan tests)."""

from __future__ import annotations

import ast

from fresh_python import last_line


def modules_imported(station_dir, args: list[str], prefixes: tuple[str, ...]) -> list[str]:
    """The sorted names of the modules starting with one of `prefixes` that `broadcast args` imported."""
    code = ("import sys; from broadcast.cli import cli\n"
            f"try: cli.main(['--station', {str(station_dir)!r}, *{args!r}])\n"
            "except SystemExit: pass\n"
            f"print(sorted(m for m in sys.modules if m.startswith({prefixes!r})))")
    return ast.literal_eval(last_line(code))
