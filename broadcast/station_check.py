"""`broadcast check`: every problem and warning of a station's config, templates and schedules, in one report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from broadcast.errors import InputError, MultiError


@dataclass
class CheckReport:
    """Problems (exit 2) and warnings (printed, exit 0) of one check, each one line."""

    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check_station(toolkit: Any) -> CheckReport:
    """Validate every template and every schedule file of `toolkit.station`."""
    from broadcast.build import load_schedule_for, recording_problems

    report = CheckReport(problems=[str(e) for e in toolkit.library.check_all()])
    try:
        schedule = load_schedule_for(toolkit)
    except MultiError as exc:
        report.problems.extend(str(e) for e in exc.errors)
    except InputError as exc:
        report.problems.append(str(exc))
    else:
        report.warnings.extend(schedule.warnings)
        report.problems.extend(recording_problems(toolkit, schedule))
    return report
