"""Station configuration: broadcast.toml, validated up front against one documented table of defaults."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from broadcast.errors import ConfigError, MultiError, closest
from broadcast.station.bounded_yaml import YamlLimits
from broadcast.station.sections import (  # noqa: F401 (the sections are part of config's surface)
    SECTIONS,
    AudioSection,
    IcecastSection,
    LimitsSection,
    NormalizeSection,
    PathsSection,
    PlayoutSection,
    ProgrammeSection,
    ProvinceSection,
    ReportSection,
    SpeechSection,
    StationSection,
    WebSection,
    public_url_problem,
)

CONFIG_NAME = "broadcast.toml"
STATION_ENV = "BROADCAST_STATION"


@dataclass(frozen=True)
class Station:
    """A validated station directory."""

    root: Path
    station: StationSection = field(default_factory=StationSection)
    speech: SpeechSection = field(default_factory=SpeechSection)
    normalize: NormalizeSection = field(default_factory=NormalizeSection)
    audio: AudioSection = field(default_factory=AudioSection)
    programme: ProgrammeSection = field(default_factory=ProgrammeSection)
    paths: PathsSection = field(default_factory=PathsSection)
    playout: PlayoutSection = field(default_factory=PlayoutSection)
    icecast: IcecastSection = field(default_factory=IcecastSection)
    report: ReportSection = field(default_factory=ReportSection)
    province: ProvinceSection = field(default_factory=ProvinceSection)
    limits: LimitsSection = field(default_factory=LimitsSection)
    web: WebSection = field(default_factory=WebSection)

    def path(self, relative: str | os.PathLike) -> Path:
        """Resolve a configured path against the station directory."""
        p = Path(relative)
        return p if p.is_absolute() else self.root / p

    @property
    def yaml_limits(self) -> YamlLimits:
        """The [limits] settings as the YAML readers take them."""
        return YamlLimits(max_bytes=self.limits.schedule_max_kb * 1024,
                          max_nodes=self.limits.yaml_max_nodes, max_aliases=self.limits.yaml_max_aliases)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.station.timezone)

    @property
    def station_title(self) -> str:
        return self.station.station_title or f"Đài Truyền thanh xã {self.station.name}"

    @property
    def template_globals(self) -> dict[str, str]:
        """Names every template may use without declaring them."""
        return {"ten_xa": self.station.name, "ten_dai": self.station_title,
                "ten_huyen": self.station.district, "ten_tinh": self.station.province,
                "ten_trung_tam": self.station.service_centre}

    @property
    def province_dir(self) -> Path | None:
        """The province's shared folder ([province] include), or None when the station has none."""
        return self.path(self.province.include) if self.province.include else None

    @property
    def icecast_password(self) -> str:
        return os.environ.get(self.icecast.password_env, "") or self.icecast.password

    def with_overrides(self, **sections: Any) -> Station:
        """A copy with some sections replaced (tests, --dry-run)."""
        return replace(self, **sections)


def find_station(explicit: str | os.PathLike | None = None) -> Path:
    """The station directory: --station, then $BROADCAST_STATION, then the current directory."""
    raw = explicit or os.environ.get(STATION_ENV) or os.getcwd()
    return Path(raw).expanduser().resolve()


def load_station(root: str | os.PathLike | None = None) -> Station:
    """Read and validate `broadcast.toml` in the station directory; report every problem at once."""
    root_path = find_station(root)
    path = root_path / CONFIG_NAME
    if not path.is_file():
        raise ConfigError(f"không tìm thấy tệp cấu hình {CONFIG_NAME} trong {root_path}",
                          hint="chạy lệnh trong thư mục của đài hoặc dùng --station THƯ_MỤC")
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = _toml_error_line(str(exc))
        raise ConfigError(f"tệp TOML không đọc được: {exc}", path=str(path), line=line,
                          hint="kiểm tra dấu ngoặc kép và dấu '=' ở dòng này") from None
    return _build_station(root_path, path, text, data)


def _build_station(root: Path, path: Path, text: str, data: dict) -> Station:
    errors: list[ConfigError] = []
    sections: dict[str, Any] = {}
    for name, value in data.items():
        if name not in SECTIONS:
            errors.append(_unknown(path, text, name, list(SECTIONS), f"[{name}]", "mục"))
            continue
        if not isinstance(value, dict):
            errors.append(ConfigError(f"'{name}' phải là một mục [{name}]", path=str(path),
                                      line=_line_of(text, name)))
            continue
        sections[name] = _build_section(name, SECTIONS[name], value, path, text, errors)
    _cross_checks(sections, path, text, errors)
    if errors:
        if len(errors) == 1:
            raise errors[0]
        raise MultiError(errors, summary=f"{path.name}: có {len(errors)} lỗi cần sửa:")
    return Station(root=root, **sections)


def _build_section(name: str, cls: type, values: dict, path: Path, text: str,
                   errors: list[ConfigError]) -> Any:
    known = {f.name: f for f in fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        if key not in known:
            errors.append(_unknown(path, text, key, list(known), f"[{name}] {key}", "khóa"))
            continue
        problem = _check_value(known[key], value)
        if problem:
            errors.append(ConfigError(f"[{name}] {key}: {problem}", path=str(path),
                                      line=_line_of(text, key)))
            continue
        kwargs[key] = float(value) if known[key].type == "float" else value
    return cls(**kwargs)


def _check_value(f, value: Any) -> str | None:
    meta = f.metadata
    expected = {"str": str, "int": int, "float": (int, float), "bool": bool, "list": list}[f.type]
    if isinstance(value, bool) and f.type in ("int", "float"):
        return f"phải là số, nhận được {value!r}"
    if not isinstance(value, expected):
        kind = {"str": "chuỗi trong ngoặc kép", "int": "số nguyên", "float": "số",
                "bool": "true hoặc false", "list": "danh sách [ ... ]"}[f.type]
        return f"phải là {kind}, nhận được {value!r}"
    if meta["choices"] and value not in meta["choices"]:
        options = ", ".join(repr(c) for c in meta["choices"])
        guess = closest(value, meta["choices"])
        tip = f"; có phải ý bạn là '{guess}'?" if guess else ""
        return f"giá trị {value!r} không hợp lệ, chọn một trong: {options}{tip}"
    if meta["min"] is not None and value < meta["min"]:
        return f"phải từ {meta['min']} trở lên, nhận được {value}"
    if meta["max"] is not None and value > meta["max"]:
        return f"phải từ {meta['max']} trở xuống, nhận được {value}"
    return None


def _cross_checks(sections: dict[str, Any], path: Path, text: str, errors: list[ConfigError]) -> None:
    station = sections.get("station", StationSection())
    try:
        ZoneInfo(station.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        errors.append(ConfigError(f"[station] timezone: múi giờ '{station.timezone}' không tồn tại",
                                  path=str(path), line=_line_of(text, "timezone"),
                                  hint="dùng 'Asia/Ho_Chi_Minh'"))
    speech = sections.get("speech", SpeechSection())
    from broadcast.speak import ENGINES  # late import: the registry lives with the engines

    if not speech.engines:
        errors.append(ConfigError("[speech] engines: cần ít nhất một máy đọc", path=str(path),
                                  line=_line_of(text, "engines"), hint="ví dụ engines = [\"espeak\"]"))
    for name in speech.engines:
        if name not in ENGINES:
            guess = closest(name, ENGINES)
            tip = f"có phải ý bạn là '{guess}'? " if guess else ""
            errors.append(ConfigError(f"[speech] engines: không có máy đọc '{name}'", path=str(path),
                                      line=_line_of(text, "engines"),
                                      hint=f"{tip}các máy đọc có: {', '.join(ENGINES)}"))
    province = sections.get("province", ProvinceSection())
    if province.include and not (path.parent / province.include).is_dir():
        errors.append(ConfigError(f"[province] include: không có thư mục '{province.include}'", path=str(path),
                                  line=_line_of(text, "include"),
                                  hint="đường dẫn tính từ thư mục của đài, ví dụ \"../tinh\""))
    playout = sections.get("playout", PlayoutSection())
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", playout.build_ahead):
        errors.append(ConfigError(f"[playout] build_ahead: giờ '{playout.build_ahead}' không hợp lệ",
                                  path=str(path), line=_line_of(text, "build_ahead"),
                                  hint="viết theo dạng HH:MM, ví dụ \"20:00\""))
    web = sections.get("web", WebSection())
    if problem := public_url_problem(web.public_url):
        errors.append(ConfigError(f"[web] public_url: {problem}", path=str(path),
                                  line=_line_of(text, "public_url"), hint="ví dụ \"https://dai.xa-hoa-an.vn\""))


def _unknown(path: Path, text: str, key: str, valid: list[str], shown: str, what: str) -> ConfigError:
    guess = closest(key, valid)
    hint = f"có phải ý bạn là '{guess}'?" if guess else f"các {what} hợp lệ: {', '.join(valid)}"
    return ConfigError(f"{what} không biết: {shown}", path=str(path), line=_line_of(text, key), hint=hint)


def _line_of(text: str, key: str) -> int | None:
    """First line defining `key` (tomllib keeps no positions, so find it in the text)."""
    pattern = re.compile(rf"^\s*(\[\s*{re.escape(key)}\s*\]|\"?{re.escape(key)}\"?\s*=)")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return None


def _toml_error_line(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None
