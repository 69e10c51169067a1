"""`broadcast check` and the build's up-front checks: config, templates, schedules and recordings, in one report."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from broadcast.audio import wavfiles
from broadcast.build.programme import _station_relative
from broadcast.build.toolkit import Toolkit, load_schedule_for
from broadcast.errors import AudioError, InputError, MultiError, ScheduleError
from broadcast.plan.zones import quiet_skips
from broadcast.schedule.zones import effective_zones
from broadcast.station import files


@dataclass
class CheckReport:
    """Problems (exit 2) and warnings (printed, exit 0) of one check, each one line."""

    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    zones: tuple = ()                     # the station's zones (the CLI checks their outputs on this machine)


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
        report.zones = effective_zones(schedule, toolkit.station)
        report.warnings.extend(quiet_skips(schedule, report.zones))
        report.problems.extend(recording_problems(toolkit, schedule))
        if today is not None:
            report.warnings.extend(unapproved_soon(schedule, today))
    report.problems.extend(setting_audio_problems(toolkit))
    return report


def setting_audio_problems(toolkit: Toolkit) -> list[str]:
    """The audio files broadcast.toml names, by content: the signature tune (when it is there; the
    build makes one otherwise) and [playout] fallback, which airs when a programme file is broken."""
    station = toolkit.station
    out = []
    named = [("[audio] signature_tune", station.audio.signature_tune)]
    if station.playout.fallback and station.playout.fallback != "silence":
        named.append(("[playout] fallback", station.playout.fallback))
    for key, value in named:
        path = station.path(value)
        if key.endswith("signature_tune") and not os.path.lexists(path):
            continue
        reason = files.problem(path, inside=(station.root,))
        if reason == files.MISSING:
            reason = "không tìm thấy tệp"
        elif reason is None:
            reason = audio_problem(toolkit, path, trim=False)
        if reason is not None:
            out.append(str(InputError(f"{key} = \"{value}\": tệp không dùng được: {reason}",
                                      path=str(station.root / "broadcast.toml"),
                                      hint="Sửa: chỉ tới một tệp âm thanh thật trong thư mục đài")))
    return out


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


# What a file is by its first bytes, when that is not audio (a file renamed .mp3 or .m4a): refused
# before ffmpeg is asked, which may find stray MP3 frames inside a ZIP and decode them.
_NOT_AUDIO = (
    (b"PK\x03\x04", "tệp nén ZIP (hoặc tệp Word, Excel .docx, .xlsx)"), (b"PK\x05\x06", "tệp nén ZIP rỗng"),
    (b"Rar!", "tệp nén RAR"), (b"7z\xbc\xaf", "tệp nén 7z"), (b"\x1f\x8b", "tệp nén gzip"),
    (b"\x89PNG", "ảnh PNG"), (b"\xff\xd8\xff", "ảnh JPEG"), (b"GIF87a", "ảnh GIF"), (b"GIF89a", "ảnh GIF"),
    (b"%PDF", "tệp PDF"), (b"\xd0\xcf\x11\xe0", "tệp Word, Excel cũ (.doc, .xls)"),
    (b"\x7fELF", "chương trình"), (b"MZ", "chương trình Windows (.exe)"),
)
NEAR_SILENT_LUFS = -45.0            # the level the recording trim calls silence: room noise, a hum
MIN_AUDIO_S = 1.0                   # shorter than this (after trimming) is a mistake, not a notice


def _what_it_is(path) -> str | None:
    """'tệp nén ZIP ...', 'văn bản' for a file whose first bytes say it is not audio; None otherwise."""
    with open(path, "rb") as handle:
        head = handle.read(4096)
    for magic, name in _NOT_AUDIO:
        if head.startswith(magic):
            return name
    if head[4:12] in (b"ftypavif", b"ftypheic") or head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "ảnh"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:            # a multi-byte letter cut at 4096 bytes is still text
        text = head[:exc.start].decode("utf-8") if exc.start > len(head) - 4 else None
    if text and not any(ch < " " and ch not in "\t\n\r" for ch in text):
        return "văn bản"
    return None


def audio_problem(toolkit: Toolkit, path, *, trim: bool) -> str | None:
    """Why an audio file of the station cannot air as it is, by its content; None when it can.

    Not audio by its first bytes (a ZIP, an image, text renamed .mp3), not decodable, all
    silence or nearly (below NEAR_SILENT_LUFS, room noise), or shorter than MIN_AUDIO_S (a
    recording after its silent ends are trimmed, `trim`). The decoded file is kept in the speech
    cache, so the build that follows does not decode it again.
    """
    from broadcast.audio.measure import measure_loudness

    kind = _what_it_is(path)
    if kind is not None:
        return f"là {kind}, không phải âm thanh (có lẽ bị đổi tên thành {path.suffix or 'tệp âm thanh'})"
    root, rate = toolkit.cache.root, toolkit.station.audio.sample_rate
    try:
        seconds = wavfiles.duration_s(path, trim=trim, rate=rate, store=root, scratch=root)
        lufs = measure_loudness(wavfiles.decoded(path, rate, trim=trim, store=root, scratch=root)).integrated_lufs
    except AudioError as exc:
        return exc.message
    if not lufs > NEAR_SILENT_LUFS:                     # NaN or -inf too: nothing but silence
        heard = f"độ to {lufs:.0f} LUFS" if lufs > -69 else "không nghe thấy gì"
        return f"gần như im lặng ({heard}; cần to hơn {NEAR_SILENT_LUFS:.0f} LUFS)"
    if seconds < MIN_AUDIO_S:
        shown = f"{seconds:.1f}".replace(".", ",")
        return (f"chỉ dài {shown} giây{' sau khi bỏ khoảng lặng hai đầu' if trim else ''} "
                f"(tối thiểu {MIN_AUDIO_S:.0f} giây)")
    return None


def recording_problems(toolkit: Toolkit, schedule) -> list[str]:
    """Every audio file the schedules air from the station folder, checked by content as the build
    will use it: recorded notices (trimmed), slots' relay files and live relays' fallbacks."""
    problems = []
    hint = "Sửa: ghi âm lại, hoặc lưu tệp thành m4a, mp3, wav, ogg hay amr rồi chép đè lên tệp này"
    files = [(spec.file, True, f"Tệp ghi âm '{{}}' của thông báo '{spec.id}'", spec.path, spec.line)
             for spec in schedule.announcements if spec.file is not None]
    for slot in schedule.slots:
        relay = slot.relay
        if relay is None:
            continue
        for file, what in ((relay.file, "Tệp tiếp âm"), (relay.fallback, "Tệp dự phòng của tiếp âm")):
            if file is not None:
                files.append((file, False, f"{what} '{{}}' của buổi '{slot.name}'", slot.path or None,
                              relay.line or slot.line))
    seen: dict[tuple, str | None] = {}
    for file, trim, what, path, line in files:
        key = (str(file), trim)
        if key not in seen:
            seen[key] = audio_problem(toolkit, file, trim=trim)
        if seen[key] is not None:
            shown = _station_relative(toolkit, file)
            problems.append(str(ScheduleError(f"{what.format(shown)} không dùng được: {seen[key]}",
                                              path=path, line=line, hint=hint)))
    return problems
