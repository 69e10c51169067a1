"""Provincial content: written once in the province folder, aired in every commune under its own name."""

from __future__ import annotations

from datetime import date

import pytest

from broadcast.build import Toolkit, load_plan, plan_day
from broadcast.errors import ConfigError, InputError
from broadcast.station.config import load_station

MONDAY = date(2026, 12, 7)


def items_of(plan):
    return {ci.item.id: ci for c in plan.composed for ci in c.items}


def test_provincial_notice_and_column_air_in_each_commune_with_its_own_opening(tmp_path, make_small_province):
    province = make_small_province(tmp_path, 2)
    plans = [plan_day(Toolkit.from_station(load_station(s)), MONDAY) for s in province.stations]
    names = [load_station(s).station.name for s in province.stations]
    assert names[0] != names[1]
    spoken_notice = set()
    for plan, name in zip(plans, names):
        items = items_of(plan)
        assert "tinh-dinh-danh-dien-tu" in items            # the province's notice
        assert "cds-tinh-02" in items                       # the province's column (chieu, Monday)
        spoken_notice.add(items["tinh-dinh-danh-dien-tu"].spoken)
        openings = [ci for ci in items.values() if ci.item.kind.value == "mo-dau"]
        assert openings and all(name in ci.text for ci in openings)
    assert len(spoken_notice) == 1                          # the same words in both: synthesized once


def test_station_template_wins_over_the_provinces(tmp_path, make_small_province):
    province = make_small_province(tmp_path, 1)
    station_dir = province.stations[0]
    own = (province.province / "scripts_vi" / "tinh_thong_bao.j2").read_text(encoding="utf-8")
    own = own.replace("Ủy ban nhân dân tỉnh {{ ten_tinh }} thông báo:", "Xã {{ ten_xa }} chuyển thông báo của tỉnh:")
    (station_dir / "scripts_vi" / "tinh_thong_bao.j2").write_text(own, encoding="utf-8")
    plan = plan_day(Toolkit.from_station(load_station(station_dir)), MONDAY)
    assert items_of(plan)["tinh-dinh-danh-dien-tu"].text.startswith("Xã Hòa An chuyển thông báo của tỉnh:")


def test_provincial_data_file_is_read_from_the_province_folder(tmp_path, make_small_province):
    province = make_small_province(tmp_path, 1)
    schedules = province.province / "schedules"
    (schedules / "data").mkdir()
    (schedules / "data" / "cds-03.yaml").write_text("chu_de: chữ ký số\nty_le: 70\n", encoding="utf-8")
    text = (schedules / "tinh.yaml").read_text(encoding="utf-8")
    text = text.replace("        values: {chu_de: thanh toán không dùng tiền mặt, ty_le: 62}",
                        "        data: data/cds-03.yaml")
    (schedules / "tinh.yaml").write_text(text, encoding="utf-8")
    plan = plan_day(Toolkit.from_station(load_station(province.stations[0])), MONDAY)
    assert "chữ ký số" in items_of(plan)["cds-tinh-02"].text


def test_error_in_a_provincial_schedule_names_the_provincial_file(tmp_path, make_small_province):
    province = make_small_province(tmp_path, 1)
    path = province.province / "schedules" / "tinh.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("template: tinh_thong_bao", "template: tinh_thong_bo"),
                    encoding="utf-8")
    toolkit = Toolkit.from_station(load_station(province.stations[0]))
    with pytest.raises(InputError) as caught:
        load_plan(toolkit, MONDAY)
    assert "../tinh/schedules/tinh.yaml" in str(caught.value)
    assert "tinh_thong_bao" in str(caught.value)            # did you mean


def test_missing_province_folder_is_a_config_error_with_the_line(tmp_path, make_small_province):
    province = make_small_province(tmp_path, 1)
    config = province.stations[0] / "broadcast.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('include = "../tinh"', 'include = "../tinhh"'),
                      encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_station(province.stations[0])
    assert "[province] include" in str(caught.value) and "../tinhh" in str(caught.value)
    assert caught.value.line is not None
