"""The station's script library (scripts_vi/) and sample schedules (schedules/): complete and speakable."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from itertools import pairwise
from pathlib import Path

import pytest
import yaml

from broadcast.build import Toolkit, load_plan, load_schedule_for
from broadcast.model import ItemKind, Priority
from broadcast.render import load_values_file
from broadcast.station.config import load_station

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts_vi"
EXAMPLES = SCRIPTS / "examples"
SCHEDULES = ROOT / "schedules"
TEMPLATE_NAMES = sorted(p.stem for p in SCRIPTS.glob("*.j2"))

KINDS = {"thong-bao", "chuyen-muc", "mo-dau", "loi-ket", "chuyen-tiep", "ban-tin", "khan-cap"}
PRIORITIES = {"thuong", "uu-tien", "khan-cap"}
VAR_TYPES = {"text", "integer", "date", "time", "time_range", "date_range", "money", "phone",
             "text_list", "records"}
FURNITURE = ("mo_dau", "chuyen_tiep", "nhac_lai", "loi_ket", "khan_cap_mo_dau")
META = re.compile(r"\A\{#---\n(.*?)\n---#\}", re.S)
# What may remain in the spoken text: letters, spaces, newlines and the pauses , . ? !
SPOKEN_OK = re.compile(r"[^\W\d_]|[\s,.?!]")


@pytest.fixture(scope="module")
def toolkit() -> Toolkit:
    return Toolkit.from_station(load_station(ROOT), engines=["fake"])


@pytest.fixture(scope="module")
def programmes(toolkit):
    """`programmes(day)`: the sample station's plan for a day, the schedule loaded once."""
    schedule = load_schedule_for(toolkit)
    return lambda day: load_plan(toolkit, day, schedule=schedule)


def metadata(name: str) -> dict:
    source = (SCRIPTS / f"{name}.j2").read_text(encoding="utf-8")
    match = META.match(source)
    assert match, f"{name}.j2 must open with a {{#--- YAML ---#}} metadata block"
    return yaml.safe_load(match.group(1))


def speech_problems(spoken: str) -> list[str]:
    """Digits, capital runs (unexpanded abbreviations) and symbols left in a spoken text."""
    problems = [f"digit {m.group()!r}" for m in re.finditer(r"\d+", spoken)]
    for word in re.findall(r"[^\W\d_]+", spoken):
        if any(a.isupper() and b.isupper() for a, b in pairwise(word)):
            problems.append(f"capital run {word!r}")
    problems += [f"symbol {c!r}" for c in sorted({c for c in spoken
                                                 if not (c.isdigit() or SPOKEN_OK.fullmatch(c))})]
    return problems


def test_library_has_at_least_25_templates():
    assert len(TEMPLATE_NAMES) >= 25


def test_programme_furniture_is_there():
    assert set(FURNITURE) <= set(TEMPLATE_NAMES)


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_metadata_is_complete(name):
    meta = metadata(name)
    assert isinstance(meta.get("title"), str) and meta["title"].strip()
    assert meta.get("kind") in KINDS
    assert isinstance(meta.get("tags"), list) and meta["tags"]
    assert meta.get("priority") in PRIORITIES
    assert isinstance(meta.get("repeat"), int) and 1 <= meta["repeat"] <= 3
    variables = meta.get("variables")
    assert isinstance(variables, dict)
    for var, spec in variables.items():
        assert spec.get("type") in VAR_TYPES, f"{name}: {var}"
        assert spec.get("label"), f"{name}: {var} needs a label the officer can read"
    if "tthc" in meta["tags"]:
        assert "ten_thu_tuc" in variables, f"{name}: tag tthc needs ten_thu_tuc for the report"


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_every_template_has_an_example(name):
    assert (EXAMPLES / f"{name}.yaml").is_file()


def test_no_example_without_a_template():
    assert {p.stem for p in EXAMPLES.glob("*.yaml")} <= set(TEMPLATE_NAMES)


@pytest.mark.parametrize("path", sorted([*SCRIPTS.rglob("*.j2"), *SCRIPTS.rglob("*.yaml"),
                                         *SCHEDULES.glob("*.yaml"), ROOT / "pronunciations.tsv"]),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_files_are_nfc(path):
    text = path.read_text(encoding="utf-8")
    assert unicodedata.normalize("NFC", text) == text


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_example_renders_and_speaks_cleanly(toolkit, name):
    values = load_values_file(EXAMPLES / f"{name}.yaml")
    rendered = toolkit.library.render(name, values)
    result = toolkit.spoken(rendered.text)
    assert result.text.strip()
    assert speech_problems(result.text) == []
    assert list(result.warnings) == []


@pytest.mark.parametrize("name", [n for n in TEMPLATE_NAMES if metadata(n)["kind"] == "chuyen-muc"])
def test_column_episodes_last_two_to_five_minutes(toolkit, name):
    text = toolkit.library.render(name, load_values_file(EXAMPLES / f"{name}.yaml")).text
    assert 300 <= len(text.split()) <= 800


@pytest.mark.parametrize("name", FURNITURE)
def test_furniture_renders_without_values(toolkit, name):
    result = toolkit.spoken(toolkit.library.render(name, {}).text)
    assert result.text.strip() and speech_problems(result.text) == [] and not result.warnings


@pytest.mark.parametrize("values", [
    {"buoi": "sáng", "ngay": dt.date(2026, 12, 5), "muc_luc": ["Cải cách hành chính", "Lịch cắt điện"]},
    {"buoi": "chiều", "ngay": dt.date(2027, 1, 3), "muc_luc": []},
    {"loai": "chuyen-muc", "ten": "Cải cách hành chính"},
    {"loai": "thong-bao"},
])
def test_furniture_takes_what_the_planner_passes(toolkit, values):
    for name in FURNITURE:
        info = toolkit.library.get(name)
        known = {k: v for k, v in values.items() if k in info.variables}
        result = toolkit.spoken(toolkit.library.render(name, known).text)
        assert speech_problems(result.text) == [] and not result.warnings, name


def test_pronunciations_file_has_two_columns():
    for number, line in enumerate((ROOT / "pronunciations.tsv").read_text(encoding="utf-8").splitlines(), 1):
        if line.strip() and not line.startswith("#"):
            assert len(line.split("\t")) == 2 and all(f.strip() for f in line.split("\t")), number


# -- the sample station's schedules ------------------------------------------------------------

DECEMBER = [dt.date(2026, 12, 1) + dt.timedelta(days=n) for n in range(31)]
LATER = [dt.date(2026, 11, 27), dt.date(2026, 11, 30), dt.date(2027, 1, 1), dt.date(2027, 3, 17),
         dt.date(2027, 6, 12), dt.date(2027, 9, 2)]


@pytest.mark.parametrize("day", DECEMBER + LATER, ids=str)
def test_every_day_plans_a_believable_programme(programmes, day):
    planned = programmes(day)
    assert planned, "the station airs every day"
    for p in planned:
        assert not p.warnings, p.warnings
        assert p.est_duration_s <= p.max_duration_s
        notices = [i for i in p.items if i.kind is ItemKind.NOTICE]
        if p.festive:
            continue
        assert 3 <= len(notices) <= 6, (p.id, [n.id for n in notices])
        assert 5 * 60 <= p.est_duration_s <= 20 * 60, (p.id, p.est_duration_s)


def test_december_has_one_urgent_storm_notice_and_everything_approved(programmes):
    seen = {}
    for day in DECEMBER:
        for p in programmes(day):
            for item in p.items:
                if item.kind is ItemKind.NOTICE:
                    seen[item.id] = item
    urgent = [i for i in seen.values() if i.priority is Priority.KHAN_CAP]
    assert [i.template for i in urgent] == ["canh_bao_bao_lu"]
    assert len(seen) >= 15


def test_cchc_column_rotates_weekly(programmes):
    monday, wednesday, friday, next_monday = (dt.date(2026, 12, d) for d in (7, 9, 11, 14))

    def episode(day):
        (morning, *_) = programmes(day)
        return [i.episode for i in morning.items if i.kind is ItemKind.COLUMN]

    assert episode(monday) == episode(wednesday) == episode(friday) != episode(next_monday)
    assert len(episode(monday)) == 1


@pytest.mark.parametrize("day", DECEMBER[::3], ids=str)
def test_whole_programmes_speak_cleanly(toolkit, programmes, day):
    for p in programmes(day):
        for item in p.items:
            if item.template is None:
                continue
            result = toolkit.spoken(toolkit.library.render(item.template, item.values).text)
            assert speech_problems(result.text) == [] and not result.warnings, item.id


# -- issue 12: the library in the words of 2026 ------------------------------------------------

OLD_DESK = re.compile(r"(?i)bộ phận (?:một cửa|tiếp nhận và trả kết quả)")


@pytest.mark.parametrize("path", sorted([*SCRIPTS.rglob("*.j2"), *SCRIPTS.rglob("*.yaml"), *SCHEDULES.rglob("*.yaml")]),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_no_file_names_the_pre_2025_desk_or_the_district_path(path):
    text = path.read_text(encoding="utf-8")
    assert not OLD_DESK.search(text), "since 1 July 2025: {{ ten_trung_tam }} (Trung tâm Phục vụ hành chính công xã)"
    assert not re.search(r"(?i)\b(?:lên|về|gửi|chuyển) (?:ủy ban nhân dân |ubnd )?huyện\b", text)


def spoken(toolkit, name: str, **values) -> str:
    merged = {**load_values_file(EXAMPLES / f"{name}.yaml"), **values}
    result = toolkit.spoken(toolkit.library.render(name, merged).text)
    assert speech_problems(result.text) == [] and not result.warnings, result.warnings
    return result.text


def test_the_desk_name_comes_from_the_station(tmp_path):
    (tmp_path / "broadcast.toml").write_text('[station]\nname = "Hòa An"\n'
                                             'service_centre = "Trung tâm hành chính công xã"\n', encoding="utf-8")
    (tmp_path / "scripts_vi").symlink_to(SCRIPTS)
    kit = Toolkit.from_station(load_station(tmp_path), engines=["fake"])
    for name in ("gio_lam_viec_mot_cua", "tra_ket_qua", "cchc_bo_phan_mot_cua", "cchc_thu_tuc_dat_dai"):
        text = kit.library.render(name, load_values_file(EXAMPLES / f"{name}.yaml")).text
        assert "Trung tâm hành chính công xã" in text and "Phục vụ" not in text, name


@pytest.mark.parametrize(("name", "values", "heard"), [
    ("nghia_vu_quan_su", {}, "thông báo, đề nghị những công dân nam đã nhận lệnh gọi"),
    ("canh_bao_bao_lu", {}, "Sức gió mạnh nhất vùng gần tâm bão cấp mười đến cấp mười một"),
    ("canh_bao_bao_lu", {}, "của Trung tâm Dự báo khí tượng thủy văn quốc gia"),
    ("canh_bao_bao_lu", {}, "thôn Bãi Ngang đến Trường Trung học cơ sở xã Hòa An, thôn Cửa Lạch đến Nhà văn hóa thôn Đông."),
    ("chuc_mung_nam_moi", {"dip": "Tết Nguyên đán Đinh Mùi"}, "Đề nghị bà con vui xuân, đón Tết an toàn"),
    ("chuc_mung_nam_moi", {"dip": "Tết Dương lịch"}, "Đề nghị bà con đón năm mới an toàn"),
    ("tra_ket_qua", {}, "Ông Nguyễn Văn Bình, thôn Đông, nhận giấy chứng nhận"),
    ("mo_dau", {"muc_luc": ["Cải cách hành chính", "Lịch tiếp công dân", "Tiêm chủng", "Cắt điện", "Họp thôn"]},
     "gồm các nội dung chính sau, Cải cách hành chính, Lịch tiếp công dân, Tiêm chủng, cùng một số thông báo khác."),
    ("mo_dau", {"muc_luc": ["Cải cách hành chính", "Cắt điện"]},
     "gồm các nội dung chính sau, Cải cách hành chính và Cắt điện."),
    ("cchc_bo_phan_mot_cua", {}, "theo Nghị định số một trăm mười tám năm hai nghìn không trăm hai mươi lăm của Chính phủ,"),
    ("cchc_thu_tuc_dat_dai", {}, "bà con nộp hồ sơ tại Trung tâm Phục vụ hành chính công xã hoặc nộp trực tuyến"),
    ("cchc_thu_tuc_chung_thuc", {}, "Nghị định số hai mươi ba năm hai nghìn không trăm mười lăm của Chính phủ."),
    ("thong_bao_chung", {"noi_dung": "Theo Quyết định số 123/QĐ-UBND ngày 5/3/2026 của UBND tỉnh, mức hỗ trợ là 2,5 triệu đ một hộ."},
     "Theo Quyết định số một trăm hai mươi ba ngày mùng năm tháng ba năm hai nghìn không trăm hai mươi sáu "
     "của Ủy ban nhân dân tỉnh, mức hỗ trợ là hai phẩy năm triệu đồng một hộ."),
])
def test_corrected_sentences_are_heard(toolkit, name, values, heard):
    assert heard in spoken(toolkit, name, **values)


def test_new_year_wishes_fit_the_calendar(toolkit):
    assert "xuân" not in spoken(toolkit, "chuc_mung_nam_moi", dip="Tết Dương lịch")
    assert "xuân" in spoken(toolkit, "chuc_mung_nam_moi", dip="Tết Nguyên đán Đinh Mùi")


@pytest.mark.parametrize("name", [n for n in TEMPLATE_NAMES if n.startswith("cchc_")])
def test_a_legal_basis_is_one_value(name):
    """Each CCHC episode names a decree or law only through `can_cu` (a one-line change later)."""
    source = (SCRIPTS / f"{name}.j2").read_text(encoding="utf-8").split("---#}", 1)[1]
    assert not re.search(r"\d+/\d{4}/", source), "cite through the can_cu variable"
    spec = metadata(name)["variables"].get("can_cu")
    if spec:
        assert re.fullmatch(r"(?:Nghị định số \d+/\d{4}/NĐ-CP của Chính phủ|Luật [^\d]+ năm \d{4})",
                            spec["default"])
