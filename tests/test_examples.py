"""Every CLI example runs: the help texts' "Ví dụ" and the officer's guide, on a copy of the sample station.

The copy speaks with the fake engine and plays to the `file` output (no sound card, no network).
Examples are run in order on one station, as an officer would type them: `build` before `play`.
Not run, by a visible rule:
- the commands in `NOT_RUN`, each with its reason: they never end on their own (the playout daemon,
  the web console, the province's server), need a server or network, a file the sample station does
  not have, or someone at the keyboard;
- guide lines ending with `SKIP_MARK` (they need a server, the network or a sound card; the guide
  says so beside each).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from broadcast.cli import cli

ROOT = Path(__file__).resolve().parent.parent
GUIDE = [ROOT / "README.md", *sorted((ROOT / "docs" / "huong-dan").glob("*.md"))]
SKIP_MARK = "# không chạy khi kiểm thử"
# (leading command words, reason, unless this option is given)
NOT_RUN: tuple[tuple[tuple[str, ...], str, str | None], ...] = (
    (("run",), "trình phát chạy cho đến khi dừng", None),
    (("web",), "bảng điều khiển web chạy cho đến khi dừng", None),
    (("province", "serve"), "máy chủ của tỉnh chạy cho đến khi dừng", None),
    (("province", "build"), "cần thư mục của nhiều xã trên máy chủ của tỉnh", None),
    (("province", "keygen"), "ghi khóa vào thư mục của máy chủ tỉnh", None),
    (("fetch",), "cần máy chủ của tỉnh trên mạng", None),
    (("province", "bulletin"), "cần khóa ký và cơ sở dữ liệu bản tin của tỉnh", None),
    (("province", "dashboard"), "cần cơ sở dữ liệu báo cáo của tỉnh", None),
    (("province", "console"), "trang bản tin của tỉnh chạy cho đến khi dừng", None),
    (("province", "users"), "cần người gõ mật khẩu, trên máy chủ của tỉnh", None),
    (("inbox", "schedule"), "cần bản tin tỉnh đã gửi đến hộp thư", None),
    (("inbox", "dismiss"), "cần bản tin tỉnh đã gửi đến hộp thư", None),
    (("voices", "add"), "cần tệp giọng đọc tải về, không có trong đài mẫu", None),
    (("clusters", "serve"), "máy chủ cho các cụm loa chạy cho đến khi dừng", None),
    (("clusters", "cancel"), "cần một thông báo khẩn đã đẩy tới các cụm loa", None),
    (("receiver",), "chạy trên máy của cụm loa, cần đài trên mạng", None),
    (("users", "add"), "hỏi mật khẩu trên bàn phím", "--password-stdin"),
    (("users", "passwd"), "hỏi mật khẩu trên bàn phím", "--password-stdin"),
)


def _commands(group: click.Group, path: tuple[str, ...] = ()):
    for name, command in group.commands.items():      # registration order: the help order
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


def help_examples() -> list[tuple[str, str]]:
    """(where, line) for each example line in every command's help, in the CLI's order."""
    found = []
    for path, command in [((), cli), *_commands(cli)]:
        ctx = click.Context(command, info_name=" ".join(("broadcast", *path)))
        for line in command.get_help(ctx).splitlines():
            line = re.split(r"\s{2,}", line.strip())[0]         # drop "   what it does" after the example
            if line.startswith("broadcast ") or re.match(r"(echo|cat) .*\| broadcast ", line):
                found.append((" ".join(("broadcast", *path, "--help")), line))
    return found


def guide_examples() -> list[tuple[str, str]]:
    """(file:line, line) for each `broadcast` line in the ```sh blocks of README.md and docs/huong-dan/."""
    found = []
    for path in GUIDE:
        in_sh, pending, start = False, "", 0
        for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            stripped = raw.strip()
            if stripped.startswith("```"):
                in_sh = not in_sh and stripped in ("```sh", "```bash", "```shell")
                continue
            if not in_sh:
                continue
            if pending or stripped.startswith("broadcast ") or re.match(r"(echo|cat) .*\| broadcast ", stripped):
                start = start or number
                pending += stripped[:-1] + " " if stripped.endswith("\\") else stripped
                if not stripped.endswith("\\"):
                    found.append((f"{path.relative_to(ROOT)}:{start}", pending))
                    pending, start = "", 0
    return found


def _runnable(line: str) -> str | None:
    """Why an example is not run, or None when it is."""
    if line.rstrip().endswith(SKIP_MARK):
        return "đánh dấu trong hướng dẫn"
    words = shlex.split(line.split(" | ")[-1], comments=True)[1:]
    leading = []
    for word in words:
        if word.startswith("-"):
            break
        leading.append(word)
    for prefix, reason, unless in NOT_RUN:
        if tuple(leading[:len(prefix)]) == prefix and not (unless and unless in words):
            return reason
    return None


def _unique(examples: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The same command in several places (help, README, guide) runs once, where it first appears."""
    seen: set[tuple[str, ...]] = set()
    out = []
    for where, line in examples:
        key = tuple(shlex.split(line, comments=True))
        if key not in seen:
            seen.add(key)
            out.append((where, line))
    return out


ALL_EXAMPLES = help_examples() + guide_examples()
EXAMPLES = _unique(ALL_EXAMPLES)


@pytest.fixture(scope="module")
def station(tmp_path_factory, station_copier):
    root = station_copier(tmp_path_factory.mktemp("examples") / "hoa-an", fast_audio=False)
    toml = root / "broadcast.toml"
    text = toml.read_text(encoding="utf-8")
    assert 'output = "device"' in text and 'format = "mp3"' in text
    # MP3 as in the guide's file names, at 16 kHz to keep the encoder cheap; no sound card here.
    toml.write_text(text.replace('output = "device"', 'output = "file"')
                    .replace('format = "mp3"', 'format = "mp3"\nsample_rate = 16000'), encoding="utf-8")
    return root


def run_example(line: str, station: Path, monkeypatch):
    """One shell line as CliRunner: `echo TEXT | broadcast ...` and `cat FILE | broadcast ...` feed stdin."""
    monkeypatch.chdir(station)
    monkeypatch.setenv("BROADCAST_STATION", str(station))
    stdin = None
    if " | broadcast " in line:
        feeder, line = line.split(" | ", 1)
        words = shlex.split(feeder)
        stdin = (" ".join(words[1:]) + "\n") if words[0] == "echo" else (station / words[1]).read_text("utf-8")
    argv = shlex.split(line, comments=True)
    assert argv[0] == "broadcast", line
    return CliRunner().invoke(cli, argv[1:], input=stdin, catch_exceptions=False)


def test_the_examples_were_found():
    where = {w.split(":")[0] for w, _ in ALL_EXAMPLES}
    assert len(help_examples()) >= 25
    assert "docs/huong-dan/bao-cao.md" in where and "README.md" in where
    assert not any("mat_dien" in line for _, line in ALL_EXAMPLES)       # a template the library does not have


@pytest.mark.parametrize("where, line", EXAMPLES, ids=[f"{w} | {line[:60]}" for w, line in EXAMPLES])
def test_example_runs(where, line, station, monkeypatch):
    reason = _runnable(line)
    if reason:
        pytest.skip(f"{where}: {reason}")
    result = run_example(line, station, monkeypatch)
    assert result.exit_code == 0, f"{where}: {line}\n{result.output}"
    assert "Traceback" not in result.output
