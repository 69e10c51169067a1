"""Click's own words in Vietnamese ("Usage:" → "Cách dùng:"), so no English leaks into `broadcast`.

Click 8.x marks its messages with gettext (`_()` and `ngettext()` bound in each module); `install()`
rebinds those names in Click's modules to a lookup in `WORDS` (English text → Vietnamese, with
the same `{placeholders}`); a message not in the table stays as Click wrote it.
"""

from __future__ import annotations

import importlib

from broadcast.errors import closest

WORDS = {
    "Usage:": "Cách dùng:",
    "Options": "Tùy chọn",
    "Commands": "Lệnh",
    "Show this message and exit.": "Hiện hướng dẫn này rồi thoát.",
    "Show the version and exit.": "Hiện phiên bản rồi thoát.",
    "%(prog)s, version %(version)s": "%(prog)s, phiên bản %(version)s",
    "Error: {message}": "Lỗi: {message}",
    "Error: {e.message}": "Lỗi: {e.message}",
    "Try '{command} {option}' for help.": "Xem hướng dẫn: '{command} {option}'.",
    "No such command {name!r}.": "Không có lệnh '{name}'.",
    "No such option: {name}": "Không có tùy chọn {name}",
    "Did you mean {possibility}?": "Có phải ý bạn là {possibility}?",
    "(Possible options: {possibilities})": "(Các tùy chọn gần giống: {possibilities})",
    "Missing argument": "Thiếu đối số",
    "Missing option": "Thiếu tùy chọn",
    "Missing parameter": "Thiếu tham số",
    "Missing command.": "Thiếu tên lệnh.",
    "Missing {param_type}": "Thiếu {param_type}",
    "Missing parameter: {param_name}": "Thiếu tham số: {param_name}",
    "Invalid value for {param_hint}: {message}": "Giá trị không hợp lệ cho {param_hint}: {message}",
    "Invalid value: {message}": "Giá trị không hợp lệ: {message}",
    "Option {name!r} does not take a value.": "Tùy chọn {name} không nhận giá trị.",
    "Option {name!r} requires an argument.": "Tùy chọn {name} cần một giá trị.",
    "Option {name!r} requires {nargs} arguments.": "Tùy chọn {name} cần {nargs} giá trị.",
    "Got unexpected extra argument ({args})": "Thừa đối số ({args})",
    "Got unexpected extra arguments ({args})": "Thừa các đối số ({args})",
    "Argument {name!r} takes {nargs} values.": "Đối số {name} cần {nargs} giá trị.",
    "default: {default}": "mặc định: {default}",
    "env var: {var}": "biến môi trường: {var}",
    "required": "bắt buộc",
    "Aborted!": "Đã hủy.",
    "{value!r} is not {choice}.": "'{value}' không phải là {choice}.",
    "{value!r} is not one of {choices}.": "'{value}' không nằm trong: {choices}.",
    "Choose from:\n\t{choices}": "Chọn một trong:\n\t{choices}",
    "{value!r} is not a valid {number_type}.": "'{value}' không phải là {number_type} hợp lệ.",
    "{value} is not in the range {range}.": "{value} nằm ngoài khoảng {range}.",
    "{value!r} is not a valid boolean.": "'{value}' không phải có/không (true/false).",
    "{name} {filename!r} does not exist.": "{name} '{filename}' không có.",
    "{name} {filename!r} is a directory.": "{name} '{filename}' là một thư mục.",
    "{name} {filename!r} is a file.": "{name} '{filename}' là một tệp.",
    "{name} {filename!r} is not readable.": "{name} '{filename}' không đọc được.",
    "{name} {filename!r} is not writable.": "{name} '{filename}' không ghi được.",
    "Could not open file {filename!r}: {message}": "Không mở được tệp '{filename}': {message}",
    "file": "tệp", "directory": "thư mục", "path": "đường dẫn",
    "(Deprecated) {text}": "(Không nên dùng nữa) {text}",
    "Value must be an iterable.": "Giá trị phải là một danh sách.",
    "unknown error": "lỗi không rõ",
}
_MODULES = ("click.core", "click.decorators", "click.exceptions", "click.formatting", "click.parser",
            "click.types", "click.termui")


def translate(message: str) -> str:
    return WORDS.get(message, message)


def translate_plural(singular: str, plural: str, n: int) -> str:
    return translate(singular if n == 1 else plural)


def install() -> None:
    """Rebind `_`/`ngettext` in Click's modules (idempotent)."""
    for name in _MODULES:
        module = importlib.import_module(name)
        if hasattr(module, "_"):
            module._ = translate
        if hasattr(module, "ngettext"):
            module.ngettext = translate_plural


def metavars(command) -> None:
    """'[TÙY CHỌN]' for '[OPTIONS]' in a usage line, 'LỆNH [ĐỐI SỐ]...' for a group's commands (sub-groups too)."""
    command.options_metavar = "[TÙY CHỌN]"
    if hasattr(command, "commands"):
        command.subcommand_metavar = "LỆNH [ĐỐI SỐ]..."
        for sub in dict.values(command.commands):
            metavars(sub)


def did_you_mean(name: str, known: list[str]) -> str:
    """' Có phải ý bạn là 'build'?' for a mistyped command, else ''."""
    close = closest(name, known)
    return f" Có phải ý bạn là '{close}'?" if close else ""


def station_first(args: list[str], commands: tuple[str, ...]) -> list[str]:
    """`broadcast build --station DIR` → `broadcast --station DIR build`: the option works on either side.

    Only the part after the command name and before a `--` is looked at.
    """
    args = list(args)
    command_at = next((i for i, a in enumerate(args) if a in commands), None)
    if command_at is None:
        return args
    moved: list[str] = []
    i = command_at + 1
    while i < len(args) and args[i] != "--":
        if args[i] == "--station" and i + 1 < len(args):
            moved += args[i:i + 2]
            del args[i:i + 2]
        elif args[i].startswith("--station="):
            moved.append(args.pop(i))
        else:
            i += 1
    return moved + args if moved else args
