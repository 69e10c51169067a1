"""A station without `zones:` looks as before: no zone picker, no zone table, the whole commune's plan."""

from __future__ import annotations

import json
import re

import pytest
from test_workflow_pages import FORM

from broadcast.build import load_plan


def test_the_week_is_the_whole_communes_plan_without_a_zone_picker(browser, console):
    page = browser("bien-tap").get("/tuan?tu=2026-12-07").text
    assert "zone-pick" not in page and 'class="zones"' not in page and "vung=" not in page
    assert '<div class="week">' in page
    shown = re.findall(r'<article class="programme" id="ct-([^"]+)">', page)
    from datetime import date, timedelta

    planned = [p.id for offset in range(7)
               for p in load_plan(console.toolkit, date(2026, 12, 7) + timedelta(days=offset))]
    assert shown == planned and shown


@pytest.mark.parametrize("path", ["/soan/tra_ket_qua", "/khan-cap", "/khan-cap/mau/canh_bao_bao_lu", "/tai-len"])
def test_forms_offer_no_zone(browser, path):
    page = browser("bien-tap").get(path)
    assert page.status_code == 200 and 'name="vung"' not in page.text and "chon-vung" not in page.text


def test_a_notice_and_an_urgent_have_no_zones(browser, console):
    officer = browser("bien-tap")
    assert officer.post("/soan/tra_ket_qua", {**FORM, "action": "draft"}).status_code == 303
    saved = next(console.store.folder.glob("*.yaml")).read_text(encoding="utf-8")
    assert "zones" not in saved
    r = officer.post("/khan-cap/van-ban", {"text": "Mất điện đột xuất tại thôn Đông."})
    assert r.status_code == 200 and "Chỉ phát ở" not in r.text
    folder = console.station.path(console.station.paths.state) / "web" / "khan-cap"
    assert "zones" not in json.loads(next(folder.glob("*.json")).read_text(encoding="utf-8"))


def test_the_status_page_has_no_zone_table_and_no_cluster_warning(browser):
    page = browser("duyet").get("/trang-thai").text
    assert "Vùng phát" not in page and "zone-status" not in page and "canh-bao-cum-loa" not in page
    assert "Buổi phát tới" in page


def test_a_zone_in_the_link_of_a_zoneless_station_is_a_400(browser):
    r = browser("bien-tap").get("/tuan?vung=thon-dong")
    assert r.status_code == 400 and "Vùng phát đã chọn không có" in r.text
