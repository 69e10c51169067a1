"""Template library: load scripts_vi/*.j2 with their metadata, check them, render in a sandbox.

A template opens with a Jinja comment holding YAML metadata (see docs/ARCHITECTURE.md):

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

import json
import os
import re
import traceback
import unicodedata
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from jinja2 import StrictUndefined, nodes
from jinja2 import TemplateSyntaxError as _JinjaSyntaxError
from jinja2.compiler import CodeGenerator
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.meta import find_undeclared_variables
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import missing

from broadcast.bounded_yaml import YamlLimits, check_document, read_capped
from broadcast.errors import InputError, TemplateError
from broadcast.model import ItemKind, Priority
from broadcast.render.budget import (
    OverBudget,
    charge,
    count_loops,
    counted_iter,
    size_of,
    work_budget,
)
from broadcast.render.types import (
    VAR_TYPES,
    VarSpec,
    capitalize_first,
    did_you_mean,
    is_blank,
    join_vi,
    parse_value,
)
from broadcast.text_limits import control_problem, find_control

STATION_GLOBALS = ("ten_xa", "ten_dai", "ten_huyen", "ten_tinh", "ten_trung_tam")
MAX_TEMPLATE_BYTES = 64 * 1024
MAX_OUTPUT_CHARS = 10_000                # default of [limits] text_max_chars
MAX_STEPS = 200_000                     # default of [limits] render_max_steps
MAX_RANGE = 10_000                      # longest `range()` a template may loop over
MAX_INT_BITS = 4096                     # refuse 10 ** 10 ** 8 before Python computes it

META_OPEN, META_CLOSE = "{#---", "---#}"
META_KEYS = ("title", "kind", "tags", "priority", "repeat", "description", "variables")
SPEC_KEYS = ("type", "label", "required", "default", "fields")
TEMPLATE_KINDS = tuple(k.value for k in ItemKind if k not in (ItemKind.TUNE, ItemKind.RELAY))
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_TAG = re.compile(r"[a-z0-9][a-z0-9-]*")
_TEMPLATE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


@dataclass(frozen=True)
class TemplateInfo:
    """What a template declares about itself."""

    name: str
    path: Path
    title: str
    kind: str
    tags: tuple[str, ...]
    priority: Priority
    repeat: int
    variables: Mapping[str, VarSpec]
    description: str = ""


@dataclass(frozen=True)
class Rendered:
    """A filled-in script: NFC text with tidy whitespace, and the typed values used."""

    template: str
    title: str
    text: str
    values: Mapping[str, Any]


# ---------------------------------------------------------------- YAML with line numbers


class _LinedDict(dict):
    """A YAML mapping that remembers the 1-based line of each key (relative to the document)."""

    lines: dict[Any, int]


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2-style scalars: what the officer typed stays what they meant.

    YAML 1.1 reads `7:30` as 450, `2.500` (two thousand five hundred đồng) as 2.5, `no` as
    False and `0234567` as an octal number. Here only plain decimal integers, true/false,
    null and ISO dates are resolved; everything else stays a string for parse_value.
    """


_INT, _FLOAT, _BOOL = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
                       "tag:yaml.org,2002:bool")
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_INT, _FLOAT, _BOOL)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))
_Loader.add_implicit_resolver(_INT, re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"),
                              list("-+0123456789"))


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> _LinedDict:
    loader.flatten_mapping(node)
    result = _LinedDict()
    result.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, Hashable):
            raise yaml.constructor.ConstructorError(
                None, None, "khóa không hợp lệ", key_node.start_mark)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"khóa '{key}' bị lặp lại", key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def _yaml_problem(exc: yaml.YAMLError) -> tuple[str, int | None]:
    """('lỗi cú pháp YAML: ...', 0-based line) from a PyYAML error."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if not problem.startswith("khóa "):                 # ours (_construct_mapping) read as is
        problem = f"lỗi cú pháp YAML: {problem}"
    return problem, (mark.line if mark is not None else None)


def _bounded_load(text: str, shown: str, limits: YamlLimits) -> Any:
    """`yaml.load` with `_Loader`, refusing alias bombs and deep nesting before any value is built."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        check_document(node, limits, shown)
        return None if node is None else loader.construct_document(node)
    except RecursionError:                              # the pure-Python composer nests by recursion
        raise InputError("các mục lồng nhau quá sâu", path=shown) from None
    finally:
        loader.dispose()


def load_values_file(path: Path, limits: YamlLimits | None = None) -> dict:
    """Read a data file of variable values (YAML, or JSON by suffix); InputError names file:line.

    `limits` (default `YamlLimits()`) caps the file's size before it is read and a YAML
    document's expanded size before any value is built.
    """
    path = Path(path)
    shown = str(path)
    limits = limits or YamlLimits()
    try:
        text = read_capped(path, limits.max_bytes, shown).decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError("không tìm thấy tệp dữ liệu", path=shown) from None
    except UnicodeDecodeError:
        raise InputError("tệp dữ liệu phải được lưu bằng mã UTF-8", path=shown) from None
    except OSError as exc:
        raise InputError(f"không đọc được tệp dữ liệu ({exc.strerror})", path=shown) from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text) if text.strip() else {}
        except json.JSONDecodeError as exc:
            raise InputError(f"lỗi cú pháp JSON: {exc.msg}", path=shown, line=exc.lineno) from None
    else:
        try:
            data = _bounded_load(text, shown, limits)
        except yaml.YAMLError as exc:
            message, line = _yaml_problem(exc)
            raise InputError(message, path=shown,
                             line=None if line is None else line + 1) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError("tệp dữ liệu phải là một bảng 'tên_biến: giá trị'", path=shown, line=1)
    for key in data:
        if not isinstance(key, str):
            line = getattr(data, "lines", {}).get(key)
            raise InputError(f"tên biến '{key}' phải là chữ", path=shown, line=line)
    return dict(data)


# ---------------------------------------------------------------- sandbox


class _TooBig(SecurityError):
    """A template tried to build a string, list or number far bigger than any script."""


class _Undefined(StrictUndefined):
    """StrictUndefined whose messages are in Vietnamese and suggest the attribute meant."""

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        if self._undefined_hint:
            return self._undefined_hint
        name = self._undefined_name
        if self._undefined_obj is missing:
            return f"biến '{name}' chưa có giá trị"
        choices = [a for a in dir(type(self._undefined_obj)) if not a.startswith("_")]
        if hasattr(self._undefined_obj, "_data"):          # a Record: its fields
            choices = list(self._undefined_obj._data)
        hint = did_you_mean(str(name), choices)
        return f"giá trị này không có '{name}'" + (f" ({hint})" if hint else "")


def _finalize(value: Any) -> Any:
    """`{{ x }}` of an optional value left empty prints nothing; a plain list reads 'a, b và c'."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return join_vi(value)
    return value


class _GuardedCodeGenerator(CodeGenerator):
    """Sends every `a ~ b` through the size check, so doubling a string in a loop stops early."""

    def visit_Concat(self, node: nodes.Concat, frame: Any) -> None:
        self.write("environment.checked(")
        super().visit_Concat(node, frame)
        self.write(")")


_FORMAT_WIDTH = re.compile(r"\d{5,}|%[-#0 +]*\*")


class _Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox plus size limits.

    The sandbox limits attribute access, not memory: `'a' * 10**7` renders. Operators,
    method calls and the filters that can blow up (`center`, `indent`, `join`, `replace`,
    `format`, `wordwrap`) are checked *before* they allocate.
    """

    intercepted_binops = frozenset({"*", "**", "+", "%"})
    code_generator_class = _GuardedCodeGenerator

    def __init__(self, size_limit: int) -> None:
        super().__init__(undefined=_Undefined, autoescape=False, trim_blocks=True,
                         lstrip_blocks=True, finalize=_finalize)
        self.size_limit = size_limit
        self.globals.pop("lipsum", None)               # lorem ipsum generator: no use, and big
        self.globals["range"] = self._range
        self.counted_iter = counted_iter               # every {% for %} loops through it (budget.py)
        self.filters["liet_ke"] = join_vi
        for name in ("center", "indent", "wordwrap", "format", "join", "replace"):
            self.filters[name] = self._guard_filter(name, self.filters[name])
        self.filters["cap"] = capitalize_first
        for name, func in list(self.filters.items()):
            self.filters[name] = _charged_filter(func)

    def refuse(self, what: str) -> _TooBig:
        return _TooBig(f"{what} vượt quá giới hạn {self.size_limit:,} ký tự".replace(",", "."))

    def checked(self, value: Any) -> Any:
        if isinstance(value, (str, list, tuple)) and len(value) > self.size_limit:
            raise self.refuse("chuỗi hoặc danh sách tạo ra trong mẫu")
        if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
            raise _TooBig("số tạo ra trong mẫu quá lớn")
        return value

    def _range(self, *args: int) -> range:
        result = range(*args)
        if len(result) > MAX_RANGE:
            raise _TooBig(f"range() quá dài (tối đa {MAX_RANGE:,} phần tử)".replace(",", "."))
        charge(len(result))
        return result

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        sized = (str, list, tuple)
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, sized) and isinstance(n, int) and len(seq) * n > self.size_limit:
                    raise self.refuse("phép nhân chuỗi")
            if (isinstance(left, int) and isinstance(right, int)
                    and left.bit_length() + right.bit_length() > MAX_INT_BITS):
                raise _TooBig("số tạo ra trong mẫu quá lớn")
        elif operator == "**":
            if (isinstance(left, int) and isinstance(right, int) and abs(left) > 1
                    and right * left.bit_length() > MAX_INT_BITS):
                raise _TooBig("số tạo ra trong mẫu quá lớn")
        elif operator == "+":
            if (isinstance(left, sized) and isinstance(right, sized)
                    and len(left) + len(right) > self.size_limit):
                raise self.refuse("phép cộng chuỗi")
        elif operator == "%" and isinstance(left, str):
            self._check_format(left)
        return self.checked(super().call_binop(context, operator, left, right))

    def _check_format(self, fmt: str) -> None:
        if _FORMAT_WIDTH.search(fmt):
            raise self.refuse("độ rộng trong chuỗi định dạng")

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        bound = getattr(__obj, "__wrapped__", __obj)
        owner = getattr(bound, "__self__", None)
        if isinstance(owner, (str, list, tuple)):      # 'a'.center(10**9), 'a'.zfill(...)
            for arg in (*args, *kwargs.values()):
                if isinstance(arg, int) and arg > __self.size_limit:
                    raise __self.refuse("đối số")
            if isinstance(owner, str) and getattr(bound, "__name__", "") in ("format",
                                                                               "format_map"):
                __self._check_format(owner)
        charge()
        result = super().call(__context, __obj, *args, **kwargs)
        charge(size_of(result))
        return __self.checked(result)

    def _guard_filter(self, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(func)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            # pass_environment / pass_eval_context filters get that object first
            values = list(args[1:] if hasattr(func, "jinja_pass_arg") else args)
            if name in ("center", "indent", "wordwrap"):
                for arg in (*values[1:], *kwargs.values()):
                    if isinstance(arg, int) and arg > self.size_limit:
                        raise self.refuse(f"độ rộng trong bộ lọc {name}")
            elif name == "format" and values and isinstance(values[0], str):
                self._check_format(values[0])
            elif name == "join" and values:
                items = list(values[0])
                separator = values[1] if len(values) > 1 else kwargs.get("d", "")
                total = sum(len(i) for i in items if isinstance(i, str))
                total += len(str(separator)) * max(len(items) - 1, 0)
                if total > self.size_limit:
                    raise self.refuse("kết quả bộ lọc join")
                args = tuple(items if a is values[0] else a for a in args)
            elif name == "replace" and len(values) >= 3 and isinstance(values[0], str):
                text, old, new = (str(v) for v in values[:3])
                if len(text) + text.count(old) * len(new) > self.size_limit:
                    raise self.refuse("kết quả bộ lọc replace")
            return self.checked(func(*args, **kwargs))

        return guarded


def _charged_filter(func: Callable[..., Any]) -> Callable[..., Any]:
    """A filter that spends one step plus the size of its result from the render's budget."""
    @wraps(func)
    def charged(*args: Any, **kwargs: Any) -> Any:
        charge()
        result = func(*args, **kwargs)
        charge(size_of(result))
        return result

    return charged


# ---------------------------------------------------------------- loading


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
                 max_steps: int = MAX_STEPS) -> None:
        self.root = Path(root)
        # Shared folders (a province's scripts_vi/) after the station's own: the station wins a name.
        self.roots = (self.root, *(Path(p) for p in include))
        self.display_root = Path(display_root) if display_root is not None else self.root.parent
        self.globals = {k: unicodedata.normalize("NFC", v) if isinstance(v, str) else v
                        for k, v in (globals or {}).items()}
        self.max_template_bytes = max_template_bytes
        self.max_output_chars = max_output_chars
        self.max_steps = max_steps
        self._env = _Sandbox(size_limit=max_output_chars)
        self._cache: dict[str, tuple[tuple[int, int], _Loaded | TemplateError]] = {}

    # -- public

    def names(self) -> list[str]:
        return sorted({p.stem for root in self.roots if root.is_dir() for p in root.glob("*.j2")
                       if p.is_file() and _TEMPLATE_NAME.fullmatch(p.stem)})

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
        context = {**self.globals, **typed}
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
            if (root / f"{stem}.j2").is_file():
                return root / f"{stem}.j2"
        known = self.names()
        where = self._shown(self.root)
        raise TemplateError(
            f"không có mẫu '{name}' trong {where}",
            hint=did_you_mean(stem, known) or (f"các mẫu hiện có: {', '.join(known)}"
                                               if known else "thư mục chưa có mẫu nào"))

    def _load(self, name: str) -> _Loaded:
        path = self._path_of(name)
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
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

        raw = path.read_bytes()
        if len(raw) > self.max_template_bytes:
            raise fail(f"mẫu quá lớn ({len(raw) // 1024} KiB, tối đa "
                       f"{self.max_template_bytes // 1024} KiB)")
        try:
            source = unicodedata.normalize("NFC", raw.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise fail("mẫu phải được lưu bằng mã UTF-8") from None
        info = _parse_metadata(path, source, fail, reserved=set(STATION_GLOBALS) | set(self.globals))

        filename = str(path)
        try:
            ast = self._env.parse(source, path.stem, filename)
        except _JinjaSyntaxError as exc:
            raise fail(f"lỗi cú pháp Jinja: {exc.message}", exc.lineno) from None
        self._check_body(ast, info, fail)
        count_loops(ast)
        try:
            code = self._env.compile(ast, path.stem, filename)
        except _JinjaSyntaxError as exc:
            raise fail(f"lỗi cú pháp Jinja: {exc.message}", exc.lineno) from None
        template = self._env.template_class.from_code(
            self._env, code, self._env.make_globals(None), None)
        return _Loaded(info=info, template=template, filename=filename)

    def _check_body(self, ast: nodes.Template, info: TemplateInfo,
                    fail: Callable[..., TemplateError]) -> None:
        """Refuse at load time what would fail at render time: unknown names, private attributes,
        attributes a typed value does not have."""
        allowed = set(info.variables) | set(STATION_GLOBALS) | set(self.globals) | set(self._env.globals)
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
            if key in info.variables:
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


# ---------------------------------------------------------------- metadata


def _parse_metadata(path: Path, source: str, fail: Callable[..., TemplateError],
                    reserved: set[str]) -> TemplateInfo:
    stripped = source.lstrip()
    if not stripped.startswith(META_OPEN):
        raise fail(f"mẫu phải mở đầu bằng phần khai báo {META_OPEN} ... {META_CLOSE} "
                   "(xem docs/ARCHITECTURE.md, mục Templates)", 1)
    start = len(source) - len(stripped) + len(META_OPEN)
    end = source.find(META_CLOSE, start)
    if end < 0:
        raise fail(f"phần khai báo chưa có dòng đóng {META_CLOSE}", 1)
    offset = source.count("\n", 0, start) + 1           # 1-based line of the YAML's first line
    try:
        meta = _bounded_load(source[start:end], str(path), YamlLimits(max_nodes=20_000, max_aliases=100))
    except InputError as exc:
        raise fail(f"phần khai báo: {exc.message}", offset + (exc.line or 1) - 1) from None
    except yaml.YAMLError as exc:
        message, line = _yaml_problem(exc)
        raise fail(message, None if line is None else offset + line) from None
    if not isinstance(meta, dict):
        raise fail("phần khai báo phải là các dòng 'khóa: giá trị' (title, kind, ...)", offset)

    def line_of(mapping: Any, key: Any, fallback: int | None = None) -> int:
        """Line of `key` in `mapping`; `fallback` (or the metadata's first line) when absent."""
        line = getattr(mapping, "lines", {}).get(key)
        if line is None:
            return fallback if fallback is not None else offset
        return offset + line - 1

    for key in meta:
        if key not in META_KEYS:
            raise fail(f"khóa lạ '{key}' trong phần khai báo", line_of(meta, key),
                       did_you_mean(str(key), META_KEYS) or f"các khóa hợp lệ: {', '.join(META_KEYS)}")
    for key in ("title", "kind"):
        if is_blank(meta.get(key)):
            raise fail(f"phần khai báo thiếu '{key}'", offset)

    title = meta["title"]
    if not isinstance(title, str):
        raise fail("'title' phải là chữ", line_of(meta, "title"))
    kind = str(meta["kind"]).strip()
    if kind not in TEMPLATE_KINDS:
        raise fail(f"kind '{kind}' không hợp lệ", line_of(meta, "kind"),
                   did_you_mean(kind, TEMPLATE_KINDS) or f"chọn một trong: {', '.join(TEMPLATE_KINDS)}")

    try:
        priority = Priority.parse(meta.get("priority") or Priority.THUONG.value)
    except ValueError:
        raise fail(f"priority '{meta['priority']}' không hợp lệ", line_of(meta, "priority"),
                   did_you_mean(str(meta["priority"]), [p.value for p in Priority])
                   or "chọn một trong: thuong, uu-tien, khan-cap") from None

    repeat = meta.get("repeat", 1)
    if isinstance(repeat, bool) or not isinstance(repeat, int) or not 1 <= repeat <= 10:
        raise fail(f"repeat phải là số lần đọc từ 1 đến 10, nhận được {repeat!r}",
                   line_of(meta, "repeat"))

    tags = meta.get("tags") or []
    if isinstance(tags, str):
        tags = [tags]
    if not isinstance(tags, list) or not all(isinstance(t, str) and _TAG.fullmatch(t) for t in tags):
        raise fail("tags phải là danh sách nhãn viết thường, không dấu, ví dụ [yte, tiem-chung]",
                   line_of(meta, "tags"))

    description = meta.get("description") or ""
    if not isinstance(description, str):
        raise fail("'description' phải là chữ", line_of(meta, "description"))

    variables_meta = meta.get("variables") or {}
    if not isinstance(variables_meta, dict):
        raise fail("variables phải là các dòng 'tên_biến: {type: ...}'", line_of(meta, "variables"))
    variables = {}
    for name, raw_spec in variables_meta.items():
        line = line_of(variables_meta, name)
        variables[name] = _parse_spec(name, raw_spec, line, line_of, fail, reserved)

    return TemplateInfo(name=path.stem, path=path, title=title.strip(), kind=kind,
                        tags=tuple(tags), priority=priority, repeat=repeat,
                        variables=MappingProxyType(variables), description=description.strip())


def _parse_spec(name: Any, raw_spec: Any, line: int, line_of: Callable[..., int],
                fail: Callable[..., TemplateError], reserved: set[str]) -> VarSpec:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise fail(f"tên biến '{name}' không hợp lệ: dùng chữ thường không dấu, số và '_', "
                   "ví dụ ngay_tiem", line)
    if name in reserved:
        raise fail(f"'{name}' là biến chung của đài, không khai báo lại trong variables", line)
    if isinstance(raw_spec, str):                      # shorthand: `ngay: date`
        raw_spec = {"type": raw_spec}
    if not isinstance(raw_spec, dict):
        raise fail(f"biến '{name}' phải khai báo dạng {{type: ..., label: ...}}", line)
    for key in raw_spec:
        if key not in SPEC_KEYS:
            raise fail(f"khóa lạ '{key}' trong khai báo biến '{name}'", line_of(raw_spec, key),
                       did_you_mean(str(key), SPEC_KEYS) or f"các khóa hợp lệ: {', '.join(SPEC_KEYS)}")
    vtype = raw_spec.get("type")
    if vtype not in VAR_TYPES:
        raise fail(f"biến '{name}' có kiểu lạ '{vtype}'", line_of(raw_spec, "type", line),
                   did_you_mean(str(vtype), VAR_TYPES) or f"các kiểu: {', '.join(VAR_TYPES)}")
    required = raw_spec.get("required", True)
    if not isinstance(required, bool):
        raise fail(f"'required' của biến '{name}' phải là true hoặc false", line_of(raw_spec, "required", line))
    label = raw_spec.get("label") or ""
    fields = raw_spec.get("fields") or []
    if vtype == "records":
        if not isinstance(fields, list) or not fields or not all(
                isinstance(f, str) and _NAME.fullmatch(f) for f in fields):
            raise fail(f"biến '{name}' kiểu records cần 'fields: [ho_ten, thon, ...]' "
                       "(tên trường viết thường, không dấu)", line_of(raw_spec, "fields", line))
        if len(set(fields)) != len(fields):
            raise fail(f"biến '{name}' có tên trường bị lặp", line_of(raw_spec, "fields", line))
    elif fields:
        raise fail(f"'fields' chỉ dùng cho kiểu records, biến '{name}' là {vtype}",
                   line_of(raw_spec, "fields", line))
    default = raw_spec.get("default")
    spec = VarSpec(name=name, type=vtype, label=str(label).strip(), required=required,
                   default=default, fields=tuple(fields), line=line)
    if default is not None:
        try:
            parse_value(spec, default)
        except ValueError as exc:
            raise fail(f"giá trị mặc định sai: {exc}", line_of(raw_spec, "default", line)) from None
    return spec


# ---------------------------------------------------------------- helpers


def _private_access(node: nodes.Node) -> str | None:
    """'__class__' for `x.__class__`, `x['__class__']`, `x|attr('__class__')`; else None."""
    if isinstance(node, nodes.Getattr):
        name = node.attr
    elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        name = node.arg.value
    elif (isinstance(node, nodes.Filter) and node.name == "attr" and node.args
          and isinstance(node.args[0], nodes.Const)):
        name = node.args[0].value
    else:
        return None
    return name if isinstance(name, str) and name.startswith("_") else None


def _template_line(exc: BaseException, filename: str) -> int | None:
    """The template line Jinja's rewritten traceback points at, if any."""
    lineno = getattr(exc, "lineno", None)
    if isinstance(lineno, int) and getattr(exc, "filename", None) == filename:
        return lineno
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename == filename:
            return frame.lineno
    return None


def _runtime_message(exc: BaseException) -> str:
    if isinstance(exc, (_TooBig, OverBudget)):
        return str(exc)
    if isinstance(exc, SecurityError):
        return f"mẫu dùng một thao tác bị chặn vì lý do an toàn ({exc})"
    if isinstance(exc, UndefinedError):
        return str(exc)
    if isinstance(exc, RecursionError):
        return "mẫu gọi lại chính nó quá nhiều lần (macro đệ quy?)"
    return f"lỗi khi điền mẫu: {type(exc).__name__}: {exc}"


def _runtime_hint(exc: BaseException) -> str | None:
    if isinstance(exc, OverBudget):
        return ("Sửa: bớt vòng lặp lồng nhau trong mẫu; nếu mẫu đúng là cần nhiều bước, tăng "
                "'render_max_steps' trong mục [limits] của broadcast.toml")
    if isinstance(exc, _TooBig):
        return "Sửa: rút ngắn nội dung; giới hạn là 'text_max_chars' trong mục [limits] của broadcast.toml"
    return None


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

