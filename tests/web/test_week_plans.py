"""The week page plans a day once per change of its inputs, not on every request."""

from __future__ import annotations

import broadcast.web.routes.week as week_module

WEEK = "/tuan?tu=2026-12-07"


def counting_plans(monkeypatch):
    calls = []
    real = week_module.load_plan

    def counted(toolkit, day, **kw):
        calls.append(day)
        return real(toolkit, day, **kw)

    monkeypatch.setattr(week_module, "load_plan", counted)
    return calls


def test_repeated_requests_plan_each_day_once(browser, console, monkeypatch):
    b = browser("bien-tap")                                  # (signing in opens this week's page)
    calls = counting_plans(monkeypatch)
    first = b.get(WEEK)
    assert first.status_code == 200 and len(calls) == 7
    for _ in range(3):
        again = b.get(WEEK)
        assert again.text == first.text
    assert len(calls) == 7                                   # was 7 more per request
    assert console.toolkit.plan_cache.planned == 7 + 7        # this week, and the one opened at sign-in


def test_a_changed_schedule_or_template_is_planned_again(browser, console, web_station, monkeypatch):
    b = browser("bien-tap")                                  # (signing in opens this week's page)
    calls = counting_plans(monkeypatch)
    b.get(WEEK)
    schedules = web_station.path(web_station.paths.schedules)
    notices = schedules / "thong-bao-2026-12.yaml"
    text = notices.read_text(encoding="utf-8")
    notices.write_text(text.replace("Nhắc gia hạn thẻ bảo hiểm y tế hộ gia đình",
                                    "Nhắc gia hạn thẻ bảo hiểm y tế (đã sửa)"), encoding="utf-8")
    page = b.get(WEEK)
    assert len(calls) == 14 and "(đã sửa)" in page.text      # the edit shows at once
    template = web_station.path(web_station.paths.scripts) / "loi_ket.j2"
    template.write_text(template.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    b.get(WEEK)
    assert len(calls) == 21
    b.get(WEEK)
    assert len(calls) == 21


def test_a_notice_saved_from_the_console_is_planned_again(browser, console, monkeypatch):
    b = browser("bien-tap")                                  # (signing in opens this week's page)
    calls = counting_plans(monkeypatch)
    b.get(WEEK)
    folder = console.store.folder
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "moi-them.yaml").write_text(
        "id: moi-them\ntemplate: thong_bao_chung\ntitle: Thông báo mới thêm hôm nay\n"
        "values: {noi_dung: họp dân lúc 19 giờ.}\nfrom: 2026-12-07\nuntil: 2026-12-08\nstatus: approved\n",
        encoding="utf-8")
    page = b.get(WEEK)
    assert len(calls) == 14 and "Thông báo mới thêm hôm nay" in page.text
