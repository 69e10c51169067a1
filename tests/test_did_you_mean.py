"""Every "có phải ý bạn là …?" of the station suggests the same way: as written, then without
diacritics or case. Before one `closest()` served them all, a zone typed in capitals or a value
typed without its marks got no suggestion in some places and one in others."""

from __future__ import annotations

import pytest

from broadcast.cli.vietnamese import did_you_mean as command_hint
from broadcast.errors import closest
from broadcast.render.spec import did_you_mean as template_hint
from broadcast.schedule.vocabulary import _suggest as schedule_hint


@pytest.mark.parametrize(("typed", "choices", "expected"), [
    ("buld", ["build", "plan", "check"], "build"),            # a letter missing
    ("THON-DONG", ["thon-dong", "thon-tay"], "thon-dong"),     # capitals
    ("thon dong", ["Thôn Đông", "Thôn Tây"], "Thôn Đông"),     # no diacritics, a space
    ("khan cap", ["khẩn cấp", "ưu tiên", "thường"], "khẩn cấp"),
    ("Uu-Tien", ["khẩn cấp", "ưu tiên", "thường"], "ưu tiên"),  # a dash for the space
    ("xyz", ["build", "plan"], None),                          # nothing near: no guess
])
def test_closest_matches_as_written_then_without_marks(typed, choices, expected):
    assert closest(typed, choices) == expected


def test_closest_takes_any_choices_and_answers_deterministically():
    assert closest(5, [4, 5, 6]) == "5"
    assert closest("ab", iter(["abc", "abd"])) == closest("ab", ["abd", "abc"])
    assert closest("x", []) is None


@pytest.mark.parametrize("hint", [
    lambda w, c: command_hint(w, c),
    lambda w, c: template_hint(w, c),
    lambda w, c: schedule_hint(w, c),
])
def test_every_site_suggests_for_capitals_and_missing_marks(hint):
    """The command line, the templates and the schedules answer the same typos alike."""
    assert "thon-dong" in (hint("THON-DONG", ["thon-dong", "thon-tay"]) or "")
    assert "khẩn cấp" in (hint("khan cap", ["khẩn cấp", "thường"]) or "")


def test_announce_zone_in_capitals_is_refused_with_the_zone_it_meant(monkeypatch):
    from types import SimpleNamespace

    import broadcast.cli.announce as announce
    from broadcast.errors import InputError

    zones = [SimpleNamespace(name="thon-dong", title="Thôn Đông"),
             SimpleNamespace(name="thon-tay", title="Thôn Tây")]
    monkeypatch.setattr(announce, "station_zones", lambda station: zones)
    monkeypatch.setattr(announce, "_unreadable", lambda station: False)     # the schedules read fine
    with pytest.raises(InputError) as refused:
        announce.check_zones(object(), ["THON-DONG"])
    assert "có phải 'thon-dong'" in refused.value.message
