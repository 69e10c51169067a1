"""The `broadcast` command line; the only place where errors become messages and exit codes."""

from __future__ import annotations

import importlib
import sys
import traceback

import click

from broadcast import __version__
from broadcast.cli.common import AppContext
from broadcast.errors import BroadcastError

# One module per command (broadcast/cli/<name>.py, each defining `command`); order is the help order.
COMMAND_MODULES = (
    "preview", "render", "say", "normalize", "engines", "voices", "check", "settings",
    "plan", "build", "export",
    "run", "simulate", "announce", "play", "log", "report", "schedule",
)


class BroadcastGroup(click.Group):
    """Turns every expected error into one plain line and its exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BroadcastError as exc:
            app = ctx.find_object(AppContext)
            if app is not None and app.verbose:
                traceback.print_exc()
            click.echo(f"Lỗi: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Đã dừng.", err=True)
            ctx.exit(130)


@click.group(cls=BroadcastGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--station", "station_dir", envvar="BROADCAST_STATION", metavar="DIR",
              help="Thư mục của đài (chứa broadcast.toml). Mặc định: thư mục hiện tại.")
@click.option("-v", "--verbose", is_flag=True, help="In chi tiết lỗi (traceback) để gỡ rối.")
@click.version_option(__version__, prog_name="broadcast")
@click.pass_context
def cli(ctx: click.Context, station_dir: str | None, verbose: bool) -> None:
    """Đài truyền thanh xã: từ kịch bản tiếng Việt đến loa.

    \b
    Ví dụ:
      broadcast build                      dựng chương trình hôm nay
      broadcast plan --date 2026-12-05     xem chương trình một ngày
      broadcast preview tiem_chung --data scripts_vi/examples/tiem_chung.yaml
      echo "UBND xã" | broadcast normalize
    """
    ctx.obj = AppContext(station_dir=station_dir, verbose=verbose)


for _name in COMMAND_MODULES:
    _module = importlib.import_module(f"broadcast.cli.{_name}")
    cli.add_command(_module.command)


def main() -> None:
    """Console-script entry point."""
    # Windows consoles default to a legacy code page: Vietnamese needs UTF-8.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="replace")
    cli(prog_name="broadcast")
