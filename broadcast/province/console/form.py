"""The bulletin form of the province console ⇄ the bulletin YAML that `bulletin add` reads (pure).

The page's fields are turned into that YAML (every value written as JSON, so no typed text can
add a key) and read back by `yamlfile.check_bulletin`, the reader of `bulletin add`: each problem
comes back with its key and is shown beside its field, in the officer's words, with the typed
values kept. The YAML is what a draft stores and what is signed when it is sent.

    >>> values = {**blank(T0), "title": "Bão số 9", "text": "Bà con ở yên trong nhà.", "level": "khan-cap"}
    >>> text, errors = to_yaml(values, now=T0)
    >>> errors, "level: \\"khan-cap\\"" in text, "repeat_every: \\"2 giờ\\"" in text
    ({}, True, True)
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from broadcast.errors import BroadcastError
from broadcast.province.bulletins.document import LEVEL_NAMES, NAME_PATTERN, moment
from broadcast.province.bulletins.yamlfile import check_bulletin, level_code
from broadcast.schedule.files import plain, read_yaml
from broadcast.web.store import slugify

FIELDS = ("id", "level", "title", "content", "text", "template", "values", "from", "expires", "targets",
          "communes", "tag", "zones", "repeat_every", "replaces")
LABELS = {"id": "Mã bản tin", "level": "Mức", "title": "Tiêu đề", "text": "Nội dung", "template": "Tên mẫu",
          "values": "Giá trị điền vào mẫu", "from": "Bắt đầu", "expires": "Hết hạn lúc", "issued": "Giờ phát hành",
          "targets": "Gửi tới", "zones": "Vùng loa", "repeat_every": "Lặp lại mỗi", "replaces": "Thay cho bản tin"}
LEVEL_CHOICES = tuple(LEVEL_NAMES.items())
LONG_FIELDS = {"text": 20_000, "values": 20_000}
DEFAULT_REPEAT = "2 giờ"
_QUOTED = re.compile(r"'(" + "|".join(re.escape(k) for k in LABELS) + r")(?::\s*([^']*))?'")
_YAMLISH = re.compile(r"\b(" + "|".join(re.escape(k) for k in LABELS) + r"):|[\[{]")
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,60}")
_SPLIT = re.compile(r"[\s,;]+")
T0 = datetime(2026, 12, 7, 14, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))      # the doctest's clock


def blank(now: datetime) -> dict[str, str]:
    """A new bulletin's form: thông thường, free text, every commune, valid for a day from sending."""
    values = dict.fromkeys(FIELDS, "")
    values.update(level="thong-thuong", content="text", targets="all", repeat_every=DEFAULT_REPEAT,
                  expires=f"{now + timedelta(days=1):%d/%m/%Y %H:%M}")
    return values


def from_form(form: Mapping[str, Any]) -> dict[str, str]:
    """The typed values (NFC, trimmed, capped), exactly as the page shows them again."""
    out = {}
    for key in FIELDS:
        raw = form.get(key, "")
        text = unicodedata.normalize("NFC", raw if isinstance(raw, str) else "").strip()
        out[key] = text[:LONG_FIELDS.get(key, 500)]
    return out


def suggested_id(title: str, now: datetime) -> str:
    """'Bão số 9 đổ bộ' at 14:00 on 7/12 -> 'bao-so-9-do-bo-0712-1400' (the officer may type another)."""
    return f"{slugify(title or 'ban tin', 50)}-{now:%d%m-%H%M}"


def to_yaml(values: Mapping[str, str], *, now: datetime) -> tuple[str, dict[str, str]]:
    """(the bulletin YAML, problems the YAML cannot show by field: the values lines, the targets)."""
    errors: dict[str, str] = {}
    fields: dict[str, Any] = {"id": values["id"] or suggested_id(values["title"], now),
                              "level": values["level"], "title": values["title"]}
    if values["content"] == "template":
        fields["template"] = values["template"]
        fields["values"], problem = _values(values["values"])
        if problem:
            errors["values"] = problem
    else:
        fields["text"] = values["text"]
    if values["from"]:
        fields["from"] = values["from"]
    fields["expires"] = values["expires"]
    if values["targets"] == "communes":
        names = [n for n in _SPLIT.split(values["communes"]) if n]
        bad = [n for n in names if not NAME_PATTERN.fullmatch(n)]
        if not names or bad:
            errors["targets"] = (f"tên xã '{bad[0]}' không hợp lệ: dùng tên thư mục của xã, ví dụ xa-hoa-an" if bad
                                 else "ghi tên ít nhất một xã, cách nhau dấu phẩy")
        fields["targets"] = names or "all"
    elif values["targets"] == "tag":
        if not NAME_PATTERN.fullmatch(values["tag"]):
            errors["targets"] = "ghi một nhãn, ví dụ ven-bien (nhãn đặt trong [province] tags của xã)"
        fields["targets"] = {"tag": values["tag"] or "?"}
    else:
        fields["targets"] = "all"
    zones = [z for z in _SPLIT.split(values["zones"]) if z]
    if zones:
        fields["zones"] = zones
    if values["level"] == "khan-cap" and values["repeat_every"]:
        fields["repeat_every"] = values["repeat_every"]
    if values["replaces"]:
        fields["replaces"] = values["replaces"]
    text = "".join(f"{key}: {json.dumps(value, ensure_ascii=False)}\n" for key, value in fields.items())
    return text, errors


def check(values: Mapping[str, str], *, now: datetime, tz: tzinfo, folder: Path,
          ) -> tuple[str, dict[str, Any], dict[str, str]]:
    """(YAML, document, {field: message}) through `bulletin add`'s reader; no message: it can be sent."""
    text, errors = to_yaml(values, now=now)
    checked = check_bulletin(text, "biểu mẫu", folder=folder, tz=tz, now=now)
    for key, error in checked.problems:
        errors.setdefault(_field(key), field_message(error))
    return text, checked.document, errors


def field_message(error: BroadcastError) -> str:
    """The reader's sentence without its YAML key (the message stands beside its field): "thiếu hạn
    'expires' của bản tin" -> "Thiếu hạn của bản tin", "thời điểm 'expires: 32/13' ..." -> "Thời điểm «32/13» ..."."""
    text = _QUOTED.sub(lambda m: f"«{m.group(2)}»" if m.group(2) else "", error.message)
    text = " ".join(text.split())
    if error.hint and not _YAMLISH.search(error.hint):
        text += f" ({error.hint})"
    return text[:1].upper() + text[1:]


def from_yaml(text: str) -> dict[str, str]:
    """A draft's YAML (the form's or a CAP draft's) as the form's values, to review and edit."""
    raw = plain(read_yaml(text, "bản nháp")) or {}
    values = dict.fromkeys(FIELDS, "")
    for key in ("id", "title", "text", "template", "from", "expires", "repeat_every", "replaces"):
        if raw.get(key) is not None:
            values[key] = str(raw[key])
    values["level"] = level_code(raw.get("level", "")) or ""
    values["content"] = "template" if "template" in raw else "text"
    if isinstance(raw.get("values"), dict):
        values["values"] = _values_text(raw["values"])
    _targets_into(values, raw.get("targets", "all"))
    if isinstance(raw.get("zones"), list):
        values["zones"] = ", ".join(map(str, raw["zones"]))
    return values


def from_document(document: Mapping[str, Any], tz: tzinfo, *, new_id: str) -> dict[str, str]:
    """A sent bulletin as the form of the bulletin that replaces it (new id, `replaces` set)."""
    values = dict.fromkeys(FIELDS, "")
    content = document["content"]
    values.update(id=new_id, level=document["level"], title=document["title"], replaces=document["id"],
                  content="template" if "template" in content else "text", text=content.get("text", ""),
                  template=content.get("template", ""),
                  values=_values_text(content.get("values", {})),
                  expires=_shown(document["expires"], tz), zones=", ".join(document.get("zones", [])),
                  repeat_every=f"{document['repeat_every_minutes']} phút" if document.get("repeat_every_minutes")
                  else DEFAULT_REPEAT)
    _targets_into(values, document["targets"])
    return values


def next_id(old: str, taken) -> str:
    """'bao-so-9' -> 'bao-so-9-lan-2' -> 'bao-so-9-lan-3' ..., skipping ids `taken(id)` says are used."""
    match = re.fullmatch(r"(.*)-lan-(\d{1,4})", old)
    stem, n = (match.group(1), int(match.group(2)) + 1) if match else (old, 2)
    while taken(candidate := f"{stem[:70]}-lan-{n}"):
        n += 1
    return candidate


def _values(text: str) -> tuple[dict[str, Any], str]:
    out: dict[str, Any] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, value = line.partition(":")
        if not sep or not _VARIABLE.fullmatch(name.strip()):
            return out, f"dòng {number} phải có dạng tên: giá trị, ví dụ ten_bao: Bão số 9"
        value = value.strip()
        if value[:1] in ("[", "{"):                     # a list or records, as `_values_text` wrote it
            try:
                value = json.loads(value)
            except ValueError:
                return out, f"dòng {number}: danh sách viết sai (dạng JSON), ví dụ ten: [\"một\", \"hai\"]"
        out[name.strip()] = value
    return out, ""


def _values_text(values: Mapping[str, Any]) -> str:
    return "\n".join(f"{k}: {v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)}"
                     for k, v in values.items())


def _targets_into(values: dict[str, str], targets: Any) -> None:
    if isinstance(targets, dict) and "tag" in targets:
        values.update(targets="tag", tag=str(targets["tag"]))
    elif isinstance(targets, dict) and "communes" in targets:
        values.update(targets="communes", communes=", ".join(map(str, targets["communes"])))
    elif isinstance(targets, list):
        values.update(targets="communes", communes=", ".join(map(str, targets)))
    else:
        values["targets"] = "all"


def _field(key: str) -> str:
    return {"recording": "text", "issued": "from"}.get(key, key)


def _shown(stamp: str, tz: tzinfo) -> str:
    found = moment(stamp)
    return f"{found.astimezone(tz):%d/%m/%Y %H:%M}" if found else stamp
