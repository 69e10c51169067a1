"""Minimal edits of schedule YAML: only the edited value changes; comments, order and other keys stay."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from broadcast.schedule.writer import (
    append_item,
    delete_key,
    find_item,
    flow,
    remove_item,
    set_value,
    version_of,
)

DOC = """\
# đầu tệp
slots:
  - name: sang   # buổi sáng
    start: "05:30"
    days:
      - thu-hai
      - thu-ba   # ghi chú cuối
    # chú thích giữa
    max_minutes: 30
  # giới thiệu buổi chiều
  - name: chieu
    start: "17:00"
    days: [hang-ngay]
calendar:
  public_holidays: true
"""

EDITS = [
    (lambda t: set_value(t, ("slots", 0, "start"), "06:00"), ("slots", 0, "start"), "06:00"),
    (lambda t: set_value(t, ("slots", 0, "days"), ["thu-tu"]), ("slots", 0, "days"), ["thu-tu"]),
    (lambda t: set_value(t, ("slots", 1, "days"), ["thu-hai", "chu-nhat"]), ("slots", 1, "days"),
     ["thu-hai", "chu-nhat"]),
    (lambda t: set_value(t, ("slots", 1, "max_minutes"), 25), ("slots", 1, "max_minutes"), 25),
    (lambda t: set_value(t, ("slots", 1, "title"), "Buổi chiều: tin, nhạc"), ("slots", 1, "title"),
     "Buổi chiều: tin, nhạc"),
    (lambda t: set_value(t, ("calendar", "public_holidays"), False), ("calendar", "public_holidays"), False),
    (lambda t: set_value(t, ("slots", 0, "on_holiday"), "off"), ("slots", 0, "on_holiday"), "off"),
]


@pytest.mark.parametrize(("edit", "path", "expected"), EDITS)
def test_an_edit_changes_one_value_and_keeps_the_comments(edit, path, expected):
    out = edit(DOC)
    data = yaml.safe_load(out)
    for step in path:
        data = data[step]
    assert data == expected
    for comment in ("# đầu tệp", "# buổi sáng", "# chú thích giữa", "# giới thiệu buổi chiều"):
        assert comment in out
    before, after = yaml.safe_load(DOC), yaml.safe_load(out)
    # everything but the edited value is unchanged
    target = after
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = None
    original = before
    for step in path[:-1]:
        original = original[step]
    original[path[-1]] = None
    assert after == before


def test_items_appended_removed_and_found():
    out = append_item(DOC, ("slots",), {"name": "trua", "start": "11:00", "days": ["hang-ngay"]})
    assert [s["name"] for s in yaml.safe_load(out)["slots"]] == ["sang", "chieu", "trua"]
    assert find_item(out, ("slots",), "name", "trua") == 2
    out = remove_item(out, ("slots",), 0)
    assert [s["name"] for s in yaml.safe_load(out)["slots"]] == ["chieu", "trua"]
    assert "# giới thiệu buổi chiều" in out and "# buổi sáng" not in out
    out = append_item(out, ("calendar", "exceptions"), {"date": date(2026, 12, 24), "slots": ["chieu"],
                                                        "on_air": False, "reason": "Bảo dưỡng: loa"})
    entry = yaml.safe_load(out)["calendar"]["exceptions"][0]
    assert entry == {"date": date(2026, 12, 24), "slots": ["chieu"], "on_air": False, "reason": "Bảo dưỡng: loa"}
    assert find_item(out, ("calendar", "exceptions"), "date", "2026-12-24") == 0
    assert delete_key(out, ("calendar", "public_holidays")).count("public_holidays") == 0


@pytest.mark.parametrize("tail", ["", "\n"], ids=["last-line", "with-newline"])
def test_an_empty_list_key_gets_its_first_item(tail):
    text = "calendar:\n  public_holidays: true\n  exceptions:" + tail
    out = append_item(text, ("calendar", "exceptions"), {"date": date(2026, 12, 24), "on_air": False})
    assert yaml.safe_load(out)["calendar"]["exceptions"] == [{"date": date(2026, 12, 24), "on_air": False}]


def test_a_missing_key_is_added_to_its_mapping_and_a_missing_item_raises():
    out = set_value(DOC, ("slots", 1, "max_minutes"), 20)
    assert yaml.safe_load(out)["slots"][1]["max_minutes"] == 20
    with pytest.raises(KeyError):
        set_value(DOC, ("slots", 5, "start"), "06:00")
    with pytest.raises(KeyError):
        remove_item(DOC, ("slots",), 9)


@pytest.mark.parametrize(("value", "text"), [("05:30", '"05:30"'), ("off", "'off'"), (["a,b", "c"], "['a,b', c]"),
                                              (30.0, "30"), (False, "false"), (date(2026, 1, 2), "2026-01-02"),
                                              ("yes", "'yes'")])
def test_values_are_written_so_they_read_back_the_same(value, text):
    assert flow(value) == text
    assert yaml.safe_load(f"k: {text}")["k"] == (30 if value == 30.0 else value)


def test_the_version_is_a_digest_of_the_bytes():
    assert version_of(b"a") != version_of(b"b") and version_of(b"a") == version_of(b"a")


@pytest.mark.parametrize("ending", ["\n", "\r\n"], ids=["LF", "CRLF"])
@pytest.mark.parametrize("last_newline", [True, False], ids=["ends-with-newline", "no-final-newline"])
def test_line_endings_and_a_missing_final_newline_are_kept(ending, last_newline):
    text = DOC.replace("\n", ending)
    if not last_newline:
        text = text.rstrip("\r\n")
    out = append_item(text, ("calendar", "days_off"), {"date": date(2027, 1, 2), "name": "Nghỉ bù"})
    out = append_item(out, ("slots",), {"name": "trua", "start": "11:00"})
    out = set_value(out, ("slots", 0, "start"), "06:00")
    data = yaml.safe_load(out)
    assert data["calendar"]["days_off"] == [{"date": date(2027, 1, 2), "name": "Nghỉ bù"}]
    assert [s["name"] for s in data["slots"]] == ["sang", "chieu", "trua"] and data["slots"][0]["start"] == "06:00"
    if ending == "\r\n":
        assert "\n" not in out.replace("\r\n", "")             # no bare LF slipped in
