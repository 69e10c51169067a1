"""The sandboxed Jinja environment: size limits, budgeted filters, errors in Vietnamese."""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable
from functools import wraps
from typing import Any

from jinja2 import StrictUndefined, nodes
from jinja2.compiler import CodeGenerator
from jinja2.exceptions import SecurityError, TemplateNotFound, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import missing

from broadcast.render.budget import (
    OverBudget,
    charge,
    counted_iter,
    size_of,
)
from broadcast.render.types import (
    capitalize_first,
    did_you_mean,
    join_vi,
)

MAX_RANGE = 10_000                      # longest `range()` a template may loop over
MAX_INT_BITS = 4096                     # refuse 10 ** 10 ** 8 before Python computes it


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


# Jinja's own words for a syntax error, in Vietnamese: (pattern, message with the groups).
_TOKENS = {"end of print statement": "'}}'", "end of statement block": "'%}'", "end of template": "cuối mẫu",
           "name": "một tên", "in": "'in'"}
_SYNTAX = (   # (Jinja's message, ours; {q0} is group 0 as the officer reads it, {0} as written)
    (r"Unexpected end of template\. Jinja was looking for the following tags: (.+?)\. The innermost block "
     r"that needs to be closed is '(\w+)'\.", "mẫu hết mà khối '{{% {1} %}}' chưa đóng (cần {q0})"),
    (r"Encountered unknown tag '(\w+)'\. Jinja was looking for the following tags: (.+?)\. The innermost "
     r"block that needs to be closed is '(\w+)'\.", "gặp '{{% {0} %}}' trong khi khối '{{% {2} %}}' chưa đóng (cần {q1})"),
    (r"Encountered unknown tag '(\w+)'\.", "thẻ '{{% {0} %}}' không có, hoặc không có khối nào đang mở để đóng"),
    (r"unexpected char (.+) at \d+", "ký tự {0} không đúng chỗ (thiếu dấu nháy đóng?)"),
    (r"unexpected '(.+)'", "không chờ {q0} ở đây"),
    (r"expected token '(.+)', got '(.+)'", "cần {q0} nhưng gặp {q1}"),
    (r"Expected an expression, got '(.+)'", "cần một giá trị hay biểu thức nhưng gặp {q0}"),
)


def _words(text: str) -> str:
    """'endfor' or 'else' → {% endfor %} hoặc {% else %}; a token by the name the officer sees."""
    tags = re.findall(r"'(\w+)'", text)
    if " or " in text and tags:
        return " hoặc ".join(f"{{% {t} %}}" for t in tags)
    return _TOKENS.get(text, f"'{text}'")


def syntax_message(message: str | None) -> str:
    """A Jinja syntax error in Vietnamese ('lỗi cú pháp mẫu: ...'); never Jinja's English."""
    for pattern, words in _SYNTAX:
        found = re.fullmatch(pattern, (message or "").strip())
        if found:
            groups = found.groups()
            return "lỗi cú pháp mẫu: " + words.format(*groups, **{f"q{i}": _words(g) for i, g in enumerate(groups)})
    return ("lỗi cú pháp mẫu ở dòng này (kiểm tra các cặp {{ }} và {% %}, dấu nháy, và các cặp "
            "for/endfor, if/endif)")


def _runtime_message(exc: BaseException) -> str:
    if isinstance(exc, (_TooBig, OverBudget)):
        return str(exc)
    if isinstance(exc, SecurityError):
        return f"mẫu dùng một thao tác bị chặn vì lý do an toàn ({exc})"
    if isinstance(exc, UndefinedError):
        return str(exc)
    if isinstance(exc, RecursionError):
        return "mẫu gọi lại chính nó quá nhiều lần (macro đệ quy?)"
    if isinstance(exc, TemplateNotFound) or "no loader" in str(exc):
        return "mẫu gọi một mẫu khác ({% include %}, {% extends %}, {% import %}), điều mà mẫu của đài không dùng"
    if isinstance(exc, ZeroDivisionError):
        return "mẫu chia một số cho 0"
    if isinstance(exc, (IndexError, KeyError)):
        return "mẫu lấy một phần tử không có trong danh sách hay bảng"
    if isinstance(exc, TypeError):
        return "mẫu tính toán trên giá trị sai kiểu (ví dụ cộng chữ với số)"
    if isinstance(exc, ValueError):
        return "mẫu dùng một giá trị không hợp lệ cho phép tính này"
    # The exception itself (English) stays chained for -v.
    return "lỗi khi điền mẫu (chạy lại với -v để xem chi tiết)"


def _runtime_hint(exc: BaseException) -> str | None:
    if isinstance(exc, OverBudget):
        return ("Sửa: bớt vòng lặp lồng nhau trong mẫu; nếu mẫu đúng là cần nhiều bước, tăng "
                "'render_max_steps' trong mục [limits] của broadcast.toml")
    if isinstance(exc, _TooBig):
        return "Sửa: rút ngắn nội dung; giới hạn là 'text_max_chars' trong mục [limits] của broadcast.toml"
    return None
