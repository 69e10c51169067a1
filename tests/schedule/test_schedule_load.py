"""Loading schedules/*.yaml: the documented format, line numbers, and every problem reported at once."""

import difflib
import textwrap
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path

import pytest

from broadcast.errors import MultiError, ScheduleError, TemplateError
from broadcast.model import Priority
from broadcast.schedule import load_schedule, parse_days, parse_time

SAMPLE = """\
# Lịch phát của đài (cán bộ văn hóa sửa tệp này)
slots:
  - name: sang
    title: Chương trình phát thanh buổi sáng
    session: sang
    start: "05:30"
    days: [thu-hai, thu-ba, thu-tu, thu-nam, thu-sau, thu-bay]
    max_minutes: 30
    on_holiday: festive
    structure: [nhac-hieu, mo-dau, chuyen-muc, thong-bao, loi-ket, nhac-hieu]
  - name: chieu
    start: 17:00                 # unquoted: YAML 1.1 would read 1020
    days: hang-ngay
    max_minutes: 45
    on_holiday: off              # unquoted: YAML 1.1 would read false
    relay: {file: audio/tiep_am_vov.mp3, title: Tiếp âm Đài Tiếng nói Việt Nam}

columns:
  - id: cchc
    title: Cải cách hành chính
    tags: [cchc]
    slots: [sang]
    days: [thu-hai]
    airings_per_episode: 3
    start: 2026-11-02
    episodes:
      - id: cchc-01
        template: cchc_vi_sao_cai_cach
        values: {}
      - id: cchc-02
        template: cchc_vi_sao_cai_cach
        data: data/cchc-02.yaml

announcements:
  - id: tiem-chung-thang-12
    template: tiem_chung
    values: {ngay: 05/12/2026, gio: "7h30-11h00"}
    from: 2026-12-03
    until: 2026-12-05
    slots: [sang, chieu]
    days: [T2, T4, T6]
    priority: uu-tien
    repeat: 2
    status: approved
  - id: hop-thon
    template: hop_thon
    from: 04/12/2026

calendar:
  public_holidays: true
  days_off: [{date: 2026-12-22, name: Kỷ niệm ngày thành lập xã}]
  working_days: [{date: 2026-05-09, name: Làm bù}]
  exceptions: [{date: 2026-12-24, slots: [chieu], on_air: false, reason: Sửa chữa đường dây}]
"""


@dataclass(frozen=True)
class FakeInfo:
    title: str
    kind: str = "thong-bao"
    tags: tuple = ()
    priority: str = "thuong"
    repeat: int = 1


class FakeLibrary:
    """The two methods of broadcast.render.TemplateLibrary that the loader uses."""

    variables = {
        "tiem_chung": {"ngay": "date", "gio": "text", "so_lieu": "integer"},
        "hop_thon": {},
        "cchc_vi_sao_cai_cach": {"so": "integer"},
        "mo_dau": {}, "loi_ket": {}, "chuyen_tiep": {},
    }

    def __init__(self):
        self.checked = []

    def get(self, name):
        if name not in self.variables:
            close = difflib.get_close_matches(name, list(self.variables), n=1)
            raise TemplateError(f"Không có mẫu '{name}' trong scripts_vi/.",
                                hint=f"Sửa: có phải ý bạn là '{close[0]}'?" if close else None)
        return FakeInfo(title=name)

    def check_values(self, name, values):
        self.checked.append((name, dict(values)))
        return [f"'{key}' phải là số nguyên, nhận được '{values[key]}'"
                for key, kind in self.variables[name].items()
                if kind == "integer" and key in values and not isinstance(values[key], int)]


def make_station(tmp_path: Path, files: dict[str, str], audio=("audio/tiep_am_vov.mp3",)) -> Path:
    for rel, text in files.items():
        target = tmp_path / "schedules" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text), encoding="utf-8")
    for rel in audio:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"ID3")
    return tmp_path / "schedules"


def line_of(text: str, needle: str) -> int:
    for number, line in enumerate(textwrap.dedent(text).splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


def problems(directory: Path, **kwargs) -> list[ScheduleError]:
    with pytest.raises(MultiError) as caught:
        load_schedule(directory, **kwargs)
    assert all(isinstance(e, ScheduleError) for e in caught.value.errors)
    return caught.value.errors


# --- the documented format -----------------------------------------------------------------

def test_sample_loads_with_every_field(tmp_path):
    directory = make_station(tmp_path, {"lich.yaml": SAMPLE, "data/cchc-02.yaml": "so: 2\n"})
    library = FakeLibrary()
    schedule = load_schedule(directory, library=library, require_approval=True)

    sang, chieu = schedule.slots
    assert (sang.name, sang.session, sang.start, sang.max_minutes) == ("sang", "sang", time(5, 30), 30.0)
    assert sang.days == frozenset({1, 2, 3, 4, 5, 6})
    assert sang.on_holiday == "festive" and sang.line == line_of(SAMPLE, "- name: sang")
    assert sang.path == "schedules/lich.yaml"
    assert chieu.start == time(17, 0) and chieu.on_holiday == "off" and chieu.days == frozenset(range(1, 8))
    assert chieu.session == "chieu" and chieu.title == "Chương trình phát thanh buổi chiều"
    assert chieu.relay.file == tmp_path / "audio/tiep_am_vov.mp3"
    assert chieu.structure[0] == "nhac-hieu"

    (cchc,) = schedule.columns
    assert cchc.days == frozenset({1}) and cchc.airings_per_episode == 3 and cchc.start == date(2026, 11, 2)
    assert [e.id for e in cchc.episodes] == ["cchc-01", "cchc-02"]
    assert cchc.episodes[1].values == {"so": 2}

    tiem, hop = schedule.announcements
    assert tiem.priority is Priority.UU_TIEN and tiem.repeat == 2 and tiem.status == "approved"
    assert tiem.valid_from == date(2026, 12, 3) and tiem.valid_until == date(2026, 12, 5)
    assert tiem.days == frozenset({1, 3, 5}) and tiem.slots == ("sang", "chieu")
    assert tiem.values == {"ngay": "05/12/2026", "gio": "7h30-11h00"}
    assert tiem.line == line_of(SAMPLE, "- id: tiem-chung-thang-12")
    assert hop.valid_from == date(2026, 12, 4) and hop.valid_until is None
    assert hop.slots == ("sang", "chieu") and hop.status == "draft" and hop.priority is None

    cal = schedule.calendar
    assert cal.holiday_name(date(2026, 12, 22)) == "Kỷ niệm ngày thành lập xã"
    assert cal.is_working_day(date(2026, 5, 9))
    assert cal.exception_for(date(2026, 12, 24), "chieu").on_air is False
    assert schedule.require_approval is True
    assert ("tiem_chung", {"ngay": "05/12/2026", "gio": "7h30-11h00"}) in library.checked
    assert len(schedule.fingerprint()) == 64


def test_files_are_merged_and_data_folder_is_not_a_schedule(tmp_path):
    directory = make_station(tmp_path, {
        "slots.yaml": """\
            slots:
              - {name: sang, start: "05:30", max_minutes: 20}
            """,
        "thong-bao.yaml": """\
            announcements:
              - {id: a1, template: t, data: data/a1.yaml, from: 2026-12-01}
            """,
        "data/a1.yaml": "ten: Nguyễn Văn A\n",
    })
    schedule = load_schedule(directory)
    assert [s.name for s in schedule.slots] == ["sang"]
    assert schedule.announcements[0].values == {"ten": "Nguyễn Văn A"}
    assert len(schedule.source_files) == 2
    assert schedule.data_files == (directory / "data/a1.yaml",)


def test_fingerprint_follows_schedule_and_data_bytes(tmp_path):
    directory = make_station(tmp_path, {"lich.yaml": SAMPLE, "data/cchc-02.yaml": "so: 2\n"})
    first = load_schedule(directory).fingerprint()
    assert load_schedule(directory).fingerprint() == first
    (directory / "data/cchc-02.yaml").write_text("so: 3\n", encoding="utf-8")
    changed_data = load_schedule(directory).fingerprint()
    assert changed_data != first
    (directory / "lich.yaml").write_text(SAMPLE + "# ghi chú\n", encoding="utf-8")
    assert load_schedule(directory).fingerprint() != changed_data


@pytest.mark.parametrize(("raw", "expected"), [
    ("05:30", time(5, 30)), ("5:30", time(5, 30)), ("5h30", time(5, 30)), ("17h", time(17, 0)),
    ("23:59", time(23, 59)), ("00:00", time(0, 0)),
])
def test_parse_time(raw, expected):
    assert parse_time(raw) == expected


@pytest.mark.parametrize("raw", ["25:00", "05:75", "sáng", "", "5.30"])
def test_parse_time_rejects(raw):
    with pytest.raises(ValueError):
        parse_time(raw)


@pytest.mark.parametrize(("raw", "expected"), [
    (["thu-hai", "thu-bay"], {1, 6}), (["T2", "T7", "CN"], {1, 6, 7}), ("hang-ngay", set(range(1, 8))),
    (["Thứ Hai", "Chủ nhật"], {1, 7}), (["chu-nhat"], {7}), (["thu-tu", "thu-nam", "thu-sau"], {3, 4, 5}),
])
def test_parse_days(raw, expected):
    assert parse_days(raw) == frozenset(expected)


@pytest.mark.parametrize("raw", [["thu-hia"], [2], ["monday"], [True]])
def test_parse_days_rejects(raw):
    with pytest.raises(ValueError):
        parse_days(raw)


# --- every problem at once, with file and line ----------------------------------------------

BROKEN = """\
slots:
  - name: sang
    strat: "05:30"
    start: "05:30"
    days: [thu-hai, thu-ba, thu-tu, thu-nam, thu-sau]
    max_minutes: 40
  - name: som
    start: "06:00"
    days: [thu-hai]
    max_minutes: 20
  - name: chieu
    start: "25:00"
    max_minutes: 30
    relay: {file: audio/khong_co.mp3, title: Tiếp âm}

columns:
  - id: cchc
    title: Cải cách hành chính
    days: [thu-hai]
    start: 2026-11-02
    episodes:
      - id: cchc-01
        template: cchc_vi_sao_cai_chach
      - id: cchc-02
        template: cchc_vi_sao_cai_cach
        values: {so: "hai"}

announcements:
  - id: tiem-chung
    template: tiem_chung
    values: {ngay: 05/12/2026, so_lieu: nhiều}
    from: 2026-12-05
    until: 2026-12-03
    slots: [sagn]
    priority: gap
"""


def test_every_problem_is_reported_with_file_line_and_fix(tmp_path):
    directory = make_station(tmp_path, {"lich.yaml": BROKEN}, audio=())
    errors = problems(directory, library=FakeLibrary())
    by_line: dict[int, list[str]] = {}
    for e in errors:
        assert e.path == "schedules/lich.yaml"
        by_line.setdefault(e.line, []).append(str(e))

    def reported(needle: str, *fragments: str) -> None:
        line = line_of(BROKEN, needle)
        texts = " | ".join(by_line.get(line, []))
        for fragment in fragments:
            assert fragment in texts, f"line {line} ({needle}): {fragment!r} not in {texts!r}"

    reported("strat:", "strat", "'start'")                              # did you mean
    reported('start: "25:00"', "25:00", "HH:MM")                        # impossible time
    reported("- name: som", "trùng giờ", "'sang'")                      # 05:30 + 40 min runs into 06:00
    reported("file: audio/khong_co.mp3", "audio/khong_co.mp3")          # missing relay file
    reported("template: cchc_vi_sao_cai_chach", "cchc_vi_sao_cai_chach", "cchc_vi_sao_cai_cach")
    reported('values: {so: "hai"}', "'so'")                             # wrong variable type
    reported("values: {ngay: 05/12/2026, so_lieu", "'so_lieu'")
    reported("until: 2026-12-03", "trước ngày bắt đầu")                 # window ends before start
    reported("slots: [sagn]", "sagn", "'sang'")
    reported("priority: gap", "gap", "Sửa:")
    assert len(errors) == 10
    assert str(errors[0]).startswith("schedules/lich.yaml:")


def test_multierror_message_lists_every_problem(tmp_path):
    directory = make_station(tmp_path, {"lich.yaml": BROKEN}, audio=())
    with pytest.raises(MultiError) as caught:
        load_schedule(directory)
    text = str(caught.value)
    assert "lỗi cần sửa" in text
    listed = [line for line in text.splitlines() if line.startswith("  - schedules/lich.yaml:")]
    assert len(listed) == len(caught.value.errors) >= 7
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(("yaml_text", "needle", "fragment"), [
    ("slots:\n  - {name: sang, start: '05:30', max_minutes: 20, on_holidy: off}\n", "on_holidy", "on_holiday"),
    ("slots:\n  - {name: sang, start: '05:30', max_minutes: 20, days: [thu-hia]}\n", "thu-hia", "thu-hai"),
    ("slots:\n  - {name: sang, start: '05:30', max_minutes: 20, structure: [nhac-heiu]}\n", "nhac-heiu",
     "nhac-hieu"),
    ("slots:\n  - {name: sang, start: '05:30', max_minutes: 20, on_holiday: nghi}\n", "nghi", "Sửa:"),
    ("slots:\n  - {name: Sáng, start: '05:30', max_minutes: 20}\n", "Sáng", "sang"),
    ("slots:\n  - {name: sang, start: '05:30'}\n", "name: sang", "Thiếu khóa 'max_minutes'"),
    ("slots:\n  - {name: sang, start: '05:30', max_minutes: -5}\n", "max_minutes", "từ 1"),
    ("slots:\n  - {name: sang, start: '05:30', max_minutes: 20, structure: [tiep-am]}\n", "tiep-am", "relay"),
    ("slot:\n  - {name: sang, start: '05:30', max_minutes: 20}\n", "slot", "'slots'"),
    ("slots:\n  - {name: sang, start: '05:30', max_minutes: 20}\n  - {name: sang, start: '17:00', "
     "max_minutes: 20}\n", "17:00", "đã dùng"),
    ("slots:\n  - {name: sang, start: '23:50', max_minutes: 30}\n  - {name: som, start: '00:10', "
     "max_minutes: 5}\n", "som", "hôm sau"),
    ("announcements:\n  - {id: a, template: t, from: 2026-13-01}\n", "2026-13-01", "YYYY-MM-DD"),
    ("announcements:\n  - {id: a, template: t, from: 2026-12-01, status: duyet-roi}\n", "duyet-roi", "Sửa:"),
    ("announcements:\n  - {id: a, template: t, from: 2026-12-01}\n  - {id: a, template: t, "
     "from: 2026-12-02}\n", "2026-12-02", "đã dùng"),
    ("announcements:\n  - {id: a, template: t, from: 2026-12-01, data: data/khong_co.yaml}\n",
     "khong_co", "Không tìm thấy"),
    ("announcements:\n  - {id: a, template: t, from: 2026-12-01, repeat: 0}\n", "repeat", "số nguyên"),
    ("columns:\n  - {id: c, title: C, start: 2026-11-02, days: [T2], days_of_month: [1],\n"
     "     episodes: [{id: e, template: t}]}\n", "days_of_month", "chọn một"),
    ("columns:\n  - {id: c, title: C, start: 2026-11-02, episodes: [{id: e, template: t}]}\n", "id: c",
     "ngày nào"),
    ("columns:\n  - {id: c, title: C, start: 2026-11-02, days_of_month: [32], episodes: [{id: e, "
     "template: t}]}\n", "days_of_month", "1"),
    ("calendar:\n  days_off: [{date: 2026-12-32}]\n", "2026-12-32", "YYYY-MM-DD"),
    ("calendar:\n  exceptions: [{date: 2026-12-24, slots: [chiue]}]\n", "chiue", "Buổi"),
    ("slots:\n  - name: sang\n    start: '05:30'\n  start: x\n", "start: x", "cú pháp"),
    ("slots:\n  - {name: sang, start: '05:30', max_minutes: 20, start: '06:00'}\n", "name: sang", "lặp"),
])
def test_each_problem_names_its_line(tmp_path, yaml_text, needle, fragment):
    directory = make_station(tmp_path, {"lich.yaml": yaml_text}, audio=())
    errors = problems(directory)
    line = line_of(yaml_text, needle)
    matching = [e for e in errors if e.line == line and fragment in str(e)]
    assert matching, [str(e) for e in errors]
    assert all(e.path == "schedules/lich.yaml" for e in errors)


def test_unknown_template_for_furniture(tmp_path):
    class NoFurniture(FakeLibrary):
        variables = {"tiem_chung": {}}

    directory = make_station(tmp_path, {"lich.yaml": "slots:\n  - {name: sang, start: '05:30', "
                                                     "max_minutes: 20}\n"}, audio=())
    errors = problems(directory, library=NoFurniture())
    assert {e.line for e in errors} == {2}
    assert any("mo_dau" in str(e) for e in errors) and any("loi_ket" in str(e) for e in errors)


def test_a_missing_directory_or_no_files_is_one_clear_error(tmp_path):
    with pytest.raises(ScheduleError, match="Không tìm thấy"):
        load_schedule(tmp_path / "khong_co")
    (tmp_path / "schedules").mkdir()
    with pytest.raises(ScheduleError, match=r"\*\.yaml"):
        load_schedule(tmp_path / "schedules")


def test_errors_in_two_files_are_collected_together(tmp_path):
    directory = make_station(tmp_path, {
        "a.yaml": "slots:\n  - {name: sang, start: '25:00', max_minutes: 20}\n",
        "b.yaml": "announcements:\n  - {id: x, template: t, from: 2026-12-05, until: 2026-12-01}\n",
    }, audio=())
    errors = problems(directory)
    assert sorted((e.path, e.line) for e in errors) == [("schedules/a.yaml", 2), ("schedules/b.yaml", 2)]


def test_checks_with_the_real_template_library(tmp_path):
    render = pytest.importorskip("broadcast.render")
    scripts = tmp_path / "scripts_vi"
    scripts.mkdir()
    header = "{{#---\ntitle: {title}\nkind: {kind}\npriority: thuong\nrepeat: 1\nvariables:\n{variables}---#}}\n"
    templates = {
        "mo_dau": ("Mở đầu", "mo-dau", "  buoi: {type: text, required: false}\n"
                   "  ngay: {type: date, required: false}\n  muc_luc: {type: text_list, required: false}\n"),
        "loi_ket": ("Kết", "loi-ket", "  buoi: {type: text, required: false}\n"
                    "  ngay: {type: date, required: false}\n"),
        "chuyen_tiep": ("Chuyển", "chuyen-tiep", "  loai: {type: text, required: false}\n"
                        "  ten: {type: text, required: false}\n"),
        "tiem_chung": ("Tiêm chủng", "thong-bao", "  ngay: {type: date}\n  so_lieu: {type: integer}\n"),
    }
    for name, (title, kind, variables) in templates.items():
        text = header.format(title=title, kind=kind, variables=variables) + "Nội dung.\n"
        (scripts / f"{name}.j2").write_text(text, encoding="utf-8")
    yaml_text = """\
        slots:
          - {name: sang, start: "05:30", max_minutes: 30}
        announcements:
          - id: dung
            template: tiem_chung
            values: {ngay: 05/12/2026, so_lieu: 12}
            from: 2026-12-01
          - id: sai-kieu
            template: tiem_chung
            values: {ngay: 32/13/2026, so_lieu: 12}
            from: 2026-12-01
          - id: sai-ten
            template: tiem_chng
            from: 2026-12-01
        """
    directory = make_station(tmp_path, {"lich.yaml": yaml_text}, audio=())
    library = render.TemplateLibrary(scripts)
    errors = problems(directory, library=library)
    assert {e.line for e in errors} == {line_of(yaml_text, "32/13/2026"), line_of(yaml_text, "tiem_chng")}
    assert any("32/13/2026" in str(e) for e in errors)
    assert any("tiem_chng" in str(e) for e in errors)


def test_the_documented_example_loads(tmp_path):
    doc = (Path(__file__).parents[2] / "docs" / "formats.md").read_text(encoding="utf-8")
    section = doc.split("## Schedules", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    directory = make_station(tmp_path, {"lich.yaml": example},
                             audio=("audio/tiep_am_vov.mp3", "recordings/hop-dan-thon-2.m4a"))
    schedule = load_schedule(directory)
    assert [(s.name, s.start, s.on_holiday) for s in schedule.slots] == [
        ("sang", time(5, 30), "normal"), ("chieu", time(17, 0), "off")]
    assert schedule.columns[0].episodes[0].id == "cchc-01"
    assert schedule.announcements[0].valid_until == date(2026, 12, 5)
    recorded = schedule.announcements[1]
    assert (recorded.template, recorded.file.name, recorded.repeat) == (None, "hop-dan-thon-2.m4a", 2)
    assert schedule.calendar.exception_for(date(2026, 12, 24), "chieu").on_air is False
