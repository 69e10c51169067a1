"""The build's up-front checks: the whole station, and every recorded notice decoded by content."""

from __future__ import annotations

from broadcast import clips
from broadcast.build.programme import _station_relative
from broadcast.build.toolkit import Toolkit
from broadcast.errors import AudioError, ScheduleError


def check_station(toolkit: Toolkit) -> list[str]:
    """Validate config, every template and every schedule file; return a list of problems."""
    from broadcast.station_check import check_station as full_check

    return full_check(toolkit).problems


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
