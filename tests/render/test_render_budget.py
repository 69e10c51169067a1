"""A render's work budget: loops, calls, filters and range() items counted, not timed."""

from __future__ import annotations

import pytest

from broadcast.errors import TemplateError
from broadcast.render import TemplateLibrary
from broadcast.render.budget import OverBudget, WorkBudget, charge, counted_iter, work_budget

GLOBALS = {"ten_xa": "Hòa An", "ten_dai": "Đài Truyền thanh xã Hòa An", "ten_huyen": "", "ten_tinh": ""}


def library(tmp_path, body: str, **kwargs) -> TemplateLibrary:
    folder = tmp_path / "scripts_vi"
    folder.mkdir(exist_ok=True)
    (folder / "x.j2").write_text("{#---\ntitle: Thử\nkind: thong-bao\n---#}\nXin chào.\n" + body + "\n",
                                 encoding="utf-8")
    return TemplateLibrary(folder, GLOBALS, **kwargs)


NESTED = ("{% for a in range(10000) %}{% for b in range(10000) %}{% for c in range(10000) %}"
          "{% endfor %}{% endfor %}{% endfor %}")


def test_three_nested_ranges_printing_nothing_fail_with_the_line(tmp_path):
    lib = library(tmp_path, NESTED, max_steps=200_000)
    with pytest.raises(TemplateError) as info:
        lib.render("x", {})
    message = str(info.value)
    assert message.startswith("scripts_vi/x.j2:6: mẫu làm quá nhiều bước khi điền (hơn 200.000 bước")
    assert "render_max_steps" in info.value.hint


def test_the_default_budget_stops_a_quarter_million_silent_iterations(tmp_path):
    lib = library(tmp_path, "{% for a in range(600) %}{% for b in range(600) %}{% endfor %}{% endfor %}")
    with pytest.raises(TemplateError, match="quá nhiều bước"):
        lib.render("x", {})


def test_the_budget_stops_work_at_the_limit(monkeypatch, tmp_path):
    """The render stops within a step of its budget: work is bounded by the setting, not the loops."""
    used = []
    real = WorkBudget.charge

    def spy(self, steps=1):
        used.append(steps)
        real(self, steps)

    monkeypatch.setattr(WorkBudget, "charge", spy)
    lib = library(tmp_path, NESTED, max_steps=5_000)
    with pytest.raises(TemplateError, match="hơn 5.000 bước"):
        lib.render("x", {})
    assert sum(used) <= 5_000 + 10_000            # the last charge may be one range(10000)


@pytest.mark.parametrize("body, steps", [
    # the range() call, its 3 items, the loop's wrapper call, 3 iterations
    ("{% for i in range(3) %}{{ i }}{% endfor %}", 1 + 3 + 1 + 3),
    ("{% for i in [1, 2] %}{% for j in [1, 2] %}{% endfor %}{% endfor %}", 1 + 2 + 2 * (1 + 2)),
    # the split() call and its 3 items, the join filter and its 7 characters
    ("{{ 'a b c'.split()|join(', ') }}", 1 + 3 + 1 + 7),
])
def test_counts_are_deterministic(tmp_path, body, steps):
    lib = library(tmp_path, body)
    counts = []
    for _ in range(2):
        with work_budget(10**9) as budget:
            lib._load("x").template.render(**GLOBALS)
        counts.append(budget.used)
    assert counts[0] == counts[1] == steps


def test_loop_over_a_value_keeps_loop_length(tmp_path):
    lib = library(tmp_path, "{% for x in ['a', 'b'] %}{{ loop.index }}/{{ loop.length }} {% endfor %}")
    assert lib.render("x", {}).text == "Xin chào. 1/2 2/2"


def test_loop_over_a_generator_still_works(tmp_path):
    lib = library(tmp_path, "{% for x in ['a', 'b']|map('upper') %}{{ x }}{{ loop.length }}{% endfor %}")
    assert lib.render("x", {}).text == "Xin chào. A2B2"


def test_macro_calls_are_charged(tmp_path):
    body = "{% macro f(n) %}{% for i in range(n) %}.{% endfor %}{% endmacro %}" + \
           "{% for k in range(1000) %}{{ f(100)|length }}{% endfor %}"
    with pytest.raises(TemplateError, match="quá nhiều bước"):
        library(tmp_path, body, max_steps=50_000).render("x", {})


def test_outside_a_render_nothing_is_charged():
    charge(10**12)                                  # no budget: no error
    assert list(counted_iter([1, 2])) == [1, 2]


def test_over_budget_message_names_the_limit():
    budget = WorkBudget(2)
    budget.charge(2)
    with pytest.raises(OverBudget, match="hơn 2 bước"):
        budget.charge()

