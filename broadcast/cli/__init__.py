"""The `broadcast` command line; the only place where errors become messages and exit codes."""

from __future__ import annotations

import ast
import gc
import importlib
import sys
import traceback
import warnings
from pathlib import Path

import click

from broadcast import __version__
from broadcast.cli import vietnamese
from broadcast.cli.common import AppContext
from broadcast.cli.extras import missing_extra_message
from broadcast.errors import BroadcastError, StationWarning
from broadcast.io_errors import describe_os_error

# One module per command (broadcast/cli/<name>.py, each defining `command`); order is the help order.
COMMAND_MODULES = (
    "preview", "render", "say", "normalize", "engines", "voices", "check", "settings",
    "zones", "plan", "build", "export",
    "run", "simulate", "announce", "play", "log", "report", "schedule",
    "fetch", "province", "inbox", "clusters", "receiver",
    "web", "users",
)


class _LazyCommands(dict):
    """Command name -> command, its module imported on first use (every one for a full listing)."""

    def _load(self, name: str) -> click.Command | None:
        if not dict.__contains__(self, name) and name in COMMAND_MODULES:
            command = importlib.import_module(f"broadcast.cli.{name}").command
            vietnamese.metavars(command)
            dict.__setitem__(self, name, command)
        return dict.get(self, name)

    def _load_all(self) -> None:
        for name in COMMAND_MODULES:
            self._load(name)

    def get(self, name, default=None):
        found = self._load(name)
        return default if found is None else found

    def __getitem__(self, name):
        found = self._load(name)
        if found is None:
            raise KeyError(name)
        return found

    def __contains__(self, name) -> bool:
        return name in COMMAND_MODULES or dict.__contains__(self, name)

    def __iter__(self):
        self._load_all()
        return dict.__iter__(self)

    def __len__(self) -> int:
        self._load_all()
        return dict.__len__(self)

    def items(self):
        self._load_all()
        return dict.items(self)

    def values(self):
        self._load_all()
        return dict.values(self)

    def keys(self):
        self._load_all()
        return dict.keys(self)


class BroadcastGroup(click.Group):
    """Turns every expected error into one plain line and its exit code; loads a command's module
    only when that command runs, so `broadcast --help` or `plan` never import the daemon, the
    scheduler, the calendar export or the DOCX writer."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _LazyCommands(self.commands)
        vietnamese.metavars(self)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_MODULES)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, vietnamese.station_first(args, COMMAND_MODULES))

    def resolve_command(self, ctx: click.Context, args: list[str]):
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            ctx.fail(f"Không có lệnh '{name}'.{vietnamese.did_you_mean(name, list(COMMAND_MODULES))} "
                     "Các lệnh: broadcast --help.")
        return super().resolve_command(ctx, args)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self.commands.get(name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from each module's docstring as written, without importing the module."""
        limit = formatter.width - 6 - max(len(name) for name in COMMAND_MODULES)
        rows = [(name, click.utils.make_default_short_help(_command_doc(name), limit))
                for name in self.list_commands(ctx)]
        with formatter.section("Lệnh"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("always", StationWarning)
                shown = warnings.showwarning

                def say(message, category, filename, lineno, file=None, line=None):
                    app = ctx.find_object(AppContext)
                    if issubclass(category, StationWarning) and app is not None:
                        app.warn(str(message))
                    else:
                        shown(message, category, filename, lineno, file, line)

                warnings.showwarning = say
                return super().invoke(ctx)
        except BroadcastError as exc:
            app = ctx.find_object(AppContext)
            if app is not None and app.verbose:
                traceback.print_exc()
            click.echo(f"Lỗi: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except BrokenPipeError:                 # `broadcast plan | head`: the reader left, end quietly
            _quiet_stdout()
            ctx.exit(0)
        except OSError as exc:                  # disk full, read-only folder, -o through a file...
            app = ctx.find_object(AppContext)
            if app is not None and app.verbose:
                traceback.print_exc()
            problem = describe_os_error(exc)
            click.echo(f"Lỗi: {problem}", err=True)
            ctx.exit(problem.exit_code)
        except ModuleNotFoundError as exc:      # an optional part of the install is not here
            message = missing_extra_message(exc)
            if message is None:
                raise
            click.echo(f"Lỗi: {message}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("Đã dừng.", err=True)
            ctx.exit(130)


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so Python's exit flush does not complain about the closed pipe."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


@click.group(cls=BroadcastGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--station", "station_dir", envvar="BROADCAST_STATION", metavar="DIR",
              help="Thư mục của đài (chứa broadcast.toml). Mặc định: thư mục hiện tại.")
@click.option("-v", "--verbose", is_flag=True, help="In chi tiết lỗi (traceback) để gỡ rối.")
@click.version_option(__version__, prog_name="broadcast", message="%(prog)s, phiên bản %(version)s",
                      help="Hiện phiên bản rồi thoát.")
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


def _command_doc(name: str) -> str:
    """The docstring of the function behind `command` in broadcast/cli/<name>.py (its help text)."""
    tree = ast.parse((Path(__file__).parent / f"{name}.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "command":
            return ast.get_docstring(node) or ""
    return importlib.import_module(f"broadcast.cli.{name}").command.help or ""


def main() -> None:
    """Console-script entry point."""
    # What is made by now (modules, classes, functions) lives as long as the process: the cyclic
    # collector need not walk it again (a cold build's one full collection took 15 ms of 30).
    gc.freeze()
    # Windows consoles default to a legacy code page: Vietnamese needs UTF-8.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="replace")
    try:
        cli(prog_name="broadcast")
    except BrokenPipeError:                     # the pipe closed while Click itself was printing
        _quiet_stdout()
        sys.exit(0)


vietnamese.install()
