"""Build a day: render, normalize, speak and assemble each planned programme, then publish it.

The rooms (callers import from here; the names below are the surface):

- `toolkit`   the station's pipeline parts, made once per command or daemon cycle
- `composed`  a planned programme as segments, and the inputs hash that decides reuse
- `programme` one programme spoken, assembled and described in its manifest entry
- `day`       a day planned, spoken, encoded side by side (the encoder pool) and published
- `checks`    the station and its recordings checked up front
- `announce`  one-off files: `speak_to_file`, `build_announcement`

Each name is imported from its room on first use (`__getattr__`): `plan` needs the toolkit, not
the encoder pool, the checks or the announcement builder.
"""

from __future__ import annotations

from broadcast import rooms

_HOMES = {   # name -> the room it lives in (imported on first use)
    **dict.fromkeys(("Announcement", "SpokenFile", "build_announcement", "speak_to_file"), "announce"),
    **dict.fromkeys(("check_station", "recording_problems"), "checks"),
    **dict.fromkeys(("ComposedItem", "ComposedProgramme", "compose", "inputs_hash"), "composed"),
    **dict.fromkeys(("BuildResult", "DayPlan", "build_day", "finish_day", "load_plan", "plan_day",
                     "unchanged_result"), "day"),
    **dict.fromkeys(("assemble_programme", "file_fingerprint"), "programme"),
    **dict.fromkeys(("DEFAULT_JOINER", "DEFAULT_URGENT_PREROLL", "JOINER_TEMPLATE", "MAX_PARALLEL_ENCODES",
                     "URGENT_PREROLL_TEMPLATE", "PreparedText", "Toolkit", "engine_options_for",
                     "load_schedule_for", "normalize_options_for"), "toolkit"),
}


__getattr__ = rooms(__name__, _HOMES)

__all__ = [
    "JOINER_TEMPLATE",
    "URGENT_PREROLL_TEMPLATE",
    "DEFAULT_JOINER",
    "DEFAULT_URGENT_PREROLL",
    "MAX_PARALLEL_ENCODES",
    "PreparedText",
    "normalize_options_for",
    "engine_options_for",
    "Toolkit",
    "ComposedItem",
    "ComposedProgramme",
    "compose",
    "inputs_hash",
    "file_fingerprint",
    "assemble_programme",
    "BuildResult",
    "load_plan",
    "load_schedule_for",
    "DayPlan",
    "plan_day",
    "unchanged_result",
    "build_day",
    "finish_day",
    "check_station",
    "recording_problems",
    "SpokenFile",
    "speak_to_file",
    "Announcement",
    "build_announcement",
]
