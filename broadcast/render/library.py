"""Template library: load scripts_vi/*.j2 with their metadata, check them, render in a sandbox.

A template opens with a Jinja comment holding YAML metadata (see docs/formats.md):

    {#---
    title: Thông báo tiêm chủng mở rộng
    kind: thong-bao
    priority: uu-tien
    variables:
      ngay: {type: date, label: Ngày tiêm}
    ---#}
    Trạm Y tế xã {{ ten_xa }} thông báo: vào {{ ngay.weekday }}, ngày {{ ngay }}, ...

Everything the officer can get wrong (metadata, syntax, a variable used but not declared, a
value missing or badly typed, a sandbox violation, output too long) becomes one `TemplateError`
naming the file and line, e.g. `scripts_vi/tiem_chung.j2:12: ...`.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from jinja2 import TemplateSyntaxError as _JinjaSyntaxError
from jinja2 import nodes
from jinja2.meta import find_undeclared_variables

from broadcast.errors import TemplateError
from broadcast.model import AUDIENCE_VARIABLE
from broadcast.render.budget import (
    count_loops,
    work_budget,
)
from broadcast.render.compiled import CompiledStore
from broadcast.render.meta import TemplateInfo, _parse_metadata
from broadcast.render.sandbox import (
    _private_access,
    _runtime_hint,
    _runtime_message,
    _Sandbox,
    _template_line,
    syntax_message,
)
from broadcast.render.text import TextList
from broadcast.render.types import (
    VAR_TYPES,
    did_you_mean,
    is_blank,
    parse_value,
)
from broadcast.render.yaml_lines import load_values_file
from broadcast.station import files as station_files
from broadcast.station.text_limits import control_problem, find_control

__all__ = ["STATION_GLOBALS", "Rendered", "TemplateInfo", "TemplateLibrary", "load_values_file", "tidy_text"]

STATION_GLOBALS = ("ten_xa", "ten_dai", "ten_huyen", "ten_tinh", "ten_trung_tam")
# Set per notice by the build (broadcast.plan.zones): the titles of the zones it targets; empty for all.
ITEM_GLOBALS = (AUDIENCE_VARIABLE,)
MAX_TEMPLATE_BYTES = 64 * 1024
MAX_OUTPUT_CHARS = 10_000                # default of [limits] text_max_chars
MAX_STEPS = 200_000                     # default of [limits] render_max_steps
_PULLS = {nodes.Include: "{% include %}", nodes.Extends: "{% extends %}", nodes.Import: "{% import %}",
          nodes.FromImport: "{% from ... import %}"}
_TEMPLATE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


@dataclass(frozen=True)
class Rendered:
    """A filled-in script: NFC text with tidy whitespace, and the typed values used."""

    template: str
    title: str
    text: str
    values: Mapping[str, Any]


@dataclass(frozen=True)
class _Loaded:
    info: TemplateInfo
    template: Any                        # jinja2.Template
    filename: str                        # as compiled: tracebacks carry it


class TemplateLibrary:
    """The templates of one folder (scripts_vi/), loaded lazily and re-read when a file changes."""

    def __init__(self, root: Path, globals: Mapping[str, Any] | None = None, *,  # noqa: A002
                 display_root: Path | None = None,
                 max_template_bytes: int = MAX_TEMPLATE_BYTES,
                 max_output_chars: int = MAX_OUTPUT_CHARS, include: Sequence[Path] = (),
                 max_steps: int = MAX_STEPS, compiled: Path | None = None) -> None:
        self.root = Path(root)
        # Where templates that passed every check are kept compiled (`broadcast.render.compiled`)
        self.compiled = None if compiled is None else CompiledStore(Path(compiled))
        # Shared folders (a province's scripts_vi/) after the station's own: the station wins a name.
        self.roots = (self.root, *(Path(p) for p in include))
        self.display_root = Path(display_root) if display_root is not None else self.root.parent
        self.globals = {k: unicodedata.normalize("NFC", v) if isinstance(v, str) else v
                        for k, v in (globals or {}).items()}
        self.max_template_bytes = max_template_bytes
        self.max_output_chars = max_output_chars
        self.max_steps = max_steps
        self._env = _Sandbox(size_limit=max_output_chars)
        self._cache: dict[str, tuple[tuple[int, ...] | None, _Loaded | TemplateError]] = {}
        # Where a template may really lie (links followed): the template folders (wherever a link
        # to the folder itself leads), the station's folder and the shared ones'.
        self.inside = (*self.roots, self.display_root, *(r.parent for r in self.roots))

    # -- public

    def names(self) -> list[str]:
        # Every entry so named, not only regular files: a folder, FIFO or device called x.j2 is
        # listed and refused when loaded (broadcast.station.files), so `check` names it.
        return sorted({p.stem for root in self.roots if root.is_dir() for p in root.glob("*.j2")
                       if _TEMPLATE_NAME.fullmatch(p.stem)})

    def get(self, name: str) -> TemplateInfo:
        return self._load(name).info

    def check_values(self, name: str, values: Mapping[str, Any]) -> list[str]:
        try:
            loaded = self._load(name)
        except TemplateError as exc:
            return [str(exc)]
        _, problems = self._typed_values(loaded, values)
        return [str(p) for p in problems]

    def render(self, name: str, values: Mapping[str, Any]) -> Rendered:
        loaded = self._load(name)
        typed, problems = self._typed_values(loaded, values)
        if len(problems) == 1:
            raise problems[0]
        if problems:                                   # every wrong value at once, not the first only
            lines = [p.message + (f" ({p.hint})" if p.hint else "") for p in problems]
            raise TemplateError(f"có {len(problems)} giá trị cần sửa:\n" + "\n".join(f"  - {x}" for x in lines),
                                path=self._shown(loaded.info.path))
        context = {**self.globals, AUDIENCE_VARIABLE: _audience(values.get(AUDIENCE_VARIABLE)), **typed}
        limit = 2 * self.max_output_chars              # raw text still has template indentation
        chunks: list[str] = []
        size = 0
        try:
            with work_budget(self.max_steps):
                for chunk in loaded.template.generate(context):
                    size += len(chunk)
                    if size > limit:
                        raise self._env.refuse("nội dung sau khi điền")
                    chunks.append(chunk)
        except Exception as exc:                       # noqa: BLE001 - any failure is the template's
            raise TemplateError(_runtime_message(exc), path=self._shown(loaded.info.path),
                                line=_template_line(exc, loaded.filename),
                                hint=_runtime_hint(exc)) from exc
        text = tidy_text("".join(chunks))
        control = control_problem(text)
        if control is not None:
            raise TemplateError(f"nội dung sau khi điền có {control[0]}", path=self._shown(loaded.info.path),
                                hint="Sửa: xóa ký tự điều khiển trong mẫu hoặc trong giá trị")
        if len(text) > self.max_output_chars:
            raise TemplateError(
                str(self._env.refuse(f"nội dung sau khi điền ({len(text):,} ký tự)")).replace(",", "."),
                path=self._shown(loaded.info.path),
                hint="Sửa: chia thành nhiều thông báo ngắn hơn, hoặc tăng 'text_max_chars' trong mục "
                     "[limits] của broadcast.toml")
        return Rendered(template=loaded.info.name, title=loaded.info.title, text=text,
                        values=MappingProxyType(typed))

    def check_all(self) -> list[TemplateError]:
        errors = []
        for name in self.names():
            try:
                self._load(name)
            except TemplateError as exc:
                errors.append(exc)
        return errors

    # -- loading

    def _shown(self, path: Path) -> str:
        try:
            return path.relative_to(self.display_root).as_posix()
        except ValueError:
            pass
        try:                                           # a shared folder beside the station: ../tinh/...
            return Path(os.path.relpath(path, self.display_root)).as_posix()
        except ValueError:
            return str(path)

    def _path_of(self, name: str) -> Path:
        stem = name[:-3] if name.endswith(".j2") else name
        for root in self.roots if _TEMPLATE_NAME.fullmatch(stem) else ():
            if os.path.lexists(root / f"{stem}.j2"):
                return root / f"{stem}.j2"
        known = self.names()
        where = self._shown(self.root)
        raise TemplateError(
            f"không có mẫu '{name}' trong {where}",
            hint=did_you_mean(stem, known) or (f"các mẫu hiện có: {', '.join(known)}"
                                               if known else "thư mục chưa có mẫu nào"))

    def _load(self, name: str) -> _Loaded:
        path = self._path_of(name)
        try:
            stat = path.stat()
            # The inode and ctime too: an atomic save (a new file renamed over the old one) of the
            # same size within one clock tick of the last keeps mtime and size, never the inode.
            stamp: tuple[int, ...] | None = (stat.st_mtime_ns, stat.st_size, stat.st_mode,
                                             stat.st_ino, stat.st_ctime_ns)
        except OSError:                                # a broken link: _compile says so
            stamp = None
        cached = self._cache.get(path.stem)
        if cached is None or cached[0] != stamp:
            try:
                result: _Loaded | TemplateError = self._compile(path)
            except TemplateError as exc:
                result = exc
            cached = (stamp, result)
            self._cache[path.stem] = cached
        if isinstance(cached[1], TemplateError):
            raise cached[1]
        return cached[1]

    def _compile(self, path: Path) -> _Loaded:
        shown = self._shown(path)

        def fail(message: str, line: int | None = None, hint: str | None = None) -> TemplateError:
            return TemplateError(message, path=shown, line=line, hint=hint)

        try:
            with station_files.open_file(path, max_bytes=None, inside=self.inside, shown=shown) as handle:
                raw = handle.read(self.max_template_bytes + 1)
                size = max(len(raw), os.fstat(handle.fileno()).st_size)
        except station_files.StationFileError as exc:
            raise fail(f"không đọc mẫu này vì nó {exc.reason}", hint=station_files.HINT) from None
        except OSError as exc:
            raise fail(f"không đọc được mẫu ({exc.strerror or exc})") from None
        if len(raw) > self.max_template_bytes:
            raise fail(f"mẫu quá lớn ({size // 1024} KiB, tối đa "
                       f"{self.max_template_bytes // 1024} KiB)")
        try:
            source = unicodedata.normalize("NFC", raw.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise fail("mẫu phải được lưu bằng mã UTF-8") from None
        info = _parse_metadata(path, source, fail, reserved=set(STATION_GLOBALS) | set(ITEM_GLOBALS)
                                                               | set(self.globals))

        filename = str(path)
        key = None
        if self.compiled is not None:
            key = self.compiled.key(source, filename, sorted(self.globals), sorted(self._env.globals),
                                    self.max_output_chars, self.max_steps)
            code = self.compiled.get(key)
            if code is not None:              # this very source passed the checks below before
                return self._loaded(info, code, filename)
        try:
            ast = self._env.parse(source, path.stem, filename)
        except _JinjaSyntaxError as exc:
            raise fail(syntax_message(exc.message), exc.lineno) from None
        self._check_body(ast, info, fail)
        count_loops(ast)
        try:
            code = self._env.compile(ast, path.stem, filename)
        except _JinjaSyntaxError as exc:
            raise fail(syntax_message(exc.message), exc.lineno) from None
        if key is not None:
            self.compiled.put(key, code)
        return self._loaded(info, code, filename)

    def _loaded(self, info: TemplateInfo, code: Any, filename: str) -> _Loaded:
        template = self._env.template_class.from_code(self._env, code, self._env.make_globals(None), None)
        return _Loaded(info=info, template=template, filename=filename)

    def _check_body(self, ast: nodes.Template, info: TemplateInfo,
                    fail: Callable[..., TemplateError]) -> None:
        """Refuse at load time what would fail at render time: unknown names, private attributes,
        attributes a typed value does not have."""
        # A template is whole in itself: another template pulled in would bring variables its header
        # does not declare, and files this check never read. Refused where it is written, whatever
        # the other template is (missing, itself, broken), so no Jinja English reaches the officer.
        for node in ast.find_all((nodes.Include, nodes.Extends, nodes.Import, nodes.FromImport)):
            tag = _PULLS[type(node)]
            target = f" '{node.template.value}'" if isinstance(node.template, nodes.Const) else ""
            raise fail(f"mẫu không được gọi mẫu khác{target} bằng {tag}: mỗi mẫu phải tự đủ nội dung và "
                       "khai báo biến của mình", node.lineno,
                       "Sửa: chép phần cần dùng vào mẫu này, hoặc viết {% macro %} ngay trong mẫu")
        allowed = (set(info.variables) | set(STATION_GLOBALS) | set(ITEM_GLOBALS) | set(self.globals)
                   | set(self._env.globals))
        unknown = find_undeclared_variables(ast) - allowed
        if unknown:
            uses = sorted((n.lineno, n.name) for n in ast.find_all(nodes.Name)
                          if n.name in unknown and n.ctx == "load")
            line, name = uses[0]
            raise fail(f"biến '{name}' được dùng trong mẫu nhưng chưa khai báo trong phần variables",
                       line, did_you_mean(name, allowed))

        for node in ast.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter)):
            attr = _private_access(node)
            if attr is not None:
                raise fail(f"mẫu không được truy cập '{attr}' (bị chặn vì lý do an toàn)",
                           node.lineno)

        for node in ast.find_all(nodes.Getattr):
            if isinstance(node.node, nodes.Name) and node.node.name in info.variables:
                spec = info.variables[node.node.name]
                attributes = VAR_TYPES[spec.type].attributes
                if attributes is not None and node.attr not in attributes:
                    raise fail(f"biến '{spec.name}' (kiểu {spec.type}) không có '{node.attr}'",
                               node.lineno, did_you_mean(node.attr, attributes)
                               or "có: " + ", ".join(sorted(attributes)))

        for loop in ast.find_all(nodes.For):
            if not (isinstance(loop.iter, nodes.Name) and isinstance(loop.target, nodes.Name)):
                continue
            spec = info.variables.get(loop.iter.name)
            if spec is None or spec.type != "records":
                continue
            row = loop.target.name
            for body in loop.body:
                for node in body.find_all(nodes.Getattr):
                    if (isinstance(node.node, nodes.Name) and node.node.name == row
                            and node.attr not in spec.fields):
                        raise fail(f"mỗi mục của '{spec.name}' chỉ có các trường "
                                   f"{', '.join(spec.fields)}, không có '{node.attr}'",
                                   node.lineno, did_you_mean(node.attr, spec.fields))

    # -- values

    def _typed_values(self, loaded: _Loaded, values: Mapping[str, Any],
                      ) -> tuple[dict[str, Any], list[TemplateError]]:
        info = loaded.info
        shown = self._shown(info.path)
        problems: list[TemplateError] = []
        for key in values:
            if key in info.variables or key in ITEM_GLOBALS:
                continue
            if key in STATION_GLOBALS or key in self.globals:
                problems.append(TemplateError(
                    f"'{key}' là biến chung của đài (lấy từ broadcast.toml), không cần truyền vào",
                    path=shown))
                continue
            declared = ", ".join(info.variables) or "không có biến nào"
            problems.append(TemplateError(
                f"mẫu không có biến '{key}'", path=shown,
                hint=did_you_mean(str(key), info.variables) or f"các biến của mẫu: {declared}"))
        typed: dict[str, Any] = {}
        for spec in info.variables.values():
            raw = values.get(spec.name)
            control = find_control(raw)
            if control is not None:
                problems.append(TemplateError(
                    f"giá trị của '{spec.name}' có ký tự điều khiển {control} (thường lẫn vào khi chép "
                    "từ Word, PDF hay bảng tính)", path=shown, hint="Sửa: xóa ký tự này hoặc gõ lại giá trị"))
                continue
            try:
                typed[spec.name] = parse_value(spec, raw)
            except ValueError as exc:
                missing_value = is_blank(raw)
                problems.append(TemplateError(str(exc), path=shown,
                                              line=spec.line if missing_value else None))
        return typed, problems


def _audience(raw: Any) -> TextList:
    """`vung_nghe`: the targeted zones' titles (a list from the planner); empty for the whole commune."""
    items = raw if isinstance(raw, (list, tuple)) else () if raw is None else (raw,)
    return TextList(tuple(unicodedata.normalize("NFC", str(x)) for x in items))


_SPACE_BEFORE_PUNCT = re.compile(r" +([,.;:!?…)\]])")
_SPACE_AFTER_OPEN = re.compile(r"([(\[]) +")


def tidy_text(text: str) -> str:
    """NFC; runs of spaces and single line breaks become one space; blank lines one paragraph
    break; no space before ',' or '.' (an optional value left empty leaves one)."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = []
    for para in re.split(r"\n[^\S\n]*\n\s*", text):
        para = re.sub(r"\s+", " ", para).strip()
        para = _SPACE_AFTER_OPEN.sub(r"\1", _SPACE_BEFORE_PUNCT.sub(r"\1", para))
        if para:
            paragraphs.append(para)
    return "\n\n".join(paragraphs)
