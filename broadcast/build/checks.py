"""`broadcast check` and the build's up-front checks: config, templates, schedules and recordings, in one report."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from broadcast.audio import clips
from broadcast.build.day import load_schedule_for
from broadcast.build.programme import _station_relative
from broadcast.build.toolkit import Toolkit
from broadcast.errors import AudioError, InputError, MultiError, ScheduleError


@dataclass
class CheckReport:
    """Problems (exit 2) and warnings (printed, exit 0) of one check, each one line."""

    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


DRAFT_HORIZON_DAYS = 7
_STATUS_WORDS = {"draft": "ở dạng nháp", "pending": "đang chờ duyệt", "returned": "bị trả lại"}


def check_station(toolkit: Toolkit, today: date | None = None) -> CheckReport:
    """Validate every template (rendered with its example data) and every schedule file.

    With `today` (the CLI passes the station's date; tests pass a fixed one), also warn about
    announcements not yet approved that would air in the next 7 days.
    """
    report = CheckReport(problems=[str(e) for e in toolkit.library.check_all()])
    render_examples(toolkit, report)
    try:
        schedule = load_schedule_for(toolkit)
    except MultiError as exc:
        report.problems.extend(str(e) for e in exc.errors)
    except InputError as exc:
        report.problems.append(str(exc))
    else:
        report.warnings.extend(schedule.warnings)
        report.problems.extend(recording_problems(toolkit, schedule))
        if today is not None:
            report.warnings.extend(unapproved_soon(schedule, today))
    return report


def unapproved_soon(schedule: Any, today: date, days: int = DRAFT_HORIZON_DAYS) -> list[str]:
    """'file:line: ...' for each announcement not approved that has an airing day in [today, today + days).

    Only when the station requires approval: otherwise drafts air like the rest.
    """
    if not schedule.require_approval:
        return []
    out = []
    for spec in schedule.announcements:
        if spec.approved:
            continue
        first = next((d for d in (today + timedelta(n) for n in range(days))
                      if spec.valid_on(d) and d.isoweekday() in spec.days), None)
        if first is None:
            continue
        state = _STATUS_WORDS.get(spec.status, f"ở trạng thái '{spec.status}'")
        out.append(f"{spec.path}:{spec.line}: Thông báo '{spec.id}' còn {state} nhưng có lịch phát từ "
                   f"{first:%d/%m/%Y} (trong {days} ngày tới); chưa duyệt thì không được phát. "
                   "(Sửa: khi lãnh đạo đã duyệt, ghi 'status: approved')")
    return out


def render_examples(toolkit: Any, report: CheckReport) -> None:
    """Render each loadable template with `scripts_vi/examples/NAME.yaml` under the render budget.

    A loop that never ends or text over the limit shows up here, before a build meets it. A
    template without an example file is a warning: it has not been tried.
    """
    from broadcast.render import load_values_file

    station, library = toolkit.station, toolkit.library
    examples = station.path(station.paths.scripts) / "examples"
    for name in library.names():
        try:
            library.get(name)
        except InputError:
            continue                                    # already reported by check_all
        example = examples / f"{name}.yaml"
        try:
            if os.path.lexists(example):                # a FIFO or folder so named is refused, not skipped
                library.render(name, load_values_file(example, station.yaml_limits, inside=(station.root,),
                                                      shown=_shown(example, station.root)))
            elif library.check_values(name, {}):
                report.warnings.append(f"Mẫu '{name}' chưa có tệp ví dụ "
                                       f"{_shown(example, station.root)} nên chưa được thử điền.")
            else:
                library.render(name, {})
        except InputError as exc:
            report.problems.append(str(exc) if exc.path else f"{_shown(example, station.root)}: {exc}")


def _shown(path: Any, root: Any) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def recording_problems(toolkit: Toolkit, schedule) -> list[str]:
    """Every recorded notice decoded by content (not by its extension), as `check` and the build will."""
    problems = []
    root = toolkit.cache.root
    for spec in schedule.announcements:
        if spec.file is None:
            continue
        try:
            clips.duration_s(spec.file, trim=True, rate=toolkit.station.audio.sample_rate, store=root,
                             scratch=root)
        except AudioError as exc:
            shown = _station_relative(toolkit, spec.file)
            problems.append(str(ScheduleError(
                f"Tệp ghi âm '{shown}' của thông báo '{spec.id}' không dùng được: {exc.message}",
                path=spec.path, line=spec.line,
                hint="Sửa: ghi âm lại, hoặc lưu tệp thành m4a, mp3, wav, ogg hay amr rồi chép đè lên tệp này")))
    return problems
