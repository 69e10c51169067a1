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
    """Validate every template (rendered with its example data) and every schedule file."""
    from broadcast.build import load_schedule_for

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
    return report


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
            if example.is_file():
                library.render(name, load_values_file(example, station.yaml_limits))
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
