"""Bounded inputs end to end: one Vietnamese line naming the file, the right exit code, nothing published."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from broadcast.cli import cli


def run(args, station: Path, input: str | None = None):
    return CliRunner().invoke(cli, ["--station", str(station), *args], input=input,
                              catch_exceptions=False)


def add_schedule(station: Path, name: str, text: str) -> Path:
    path = station / "schedules" / name
    path.write_text(text, encoding="utf-8")
    return path


def test_check_refuses_a_relay_outside_the_station(station_dir):
    add_schedule(station_dir, "tiep-am.yaml",
                 "slots:\n  - name: toi\n    start: '20:00'\n    max_minutes: 10\n"
                 "    structure: [tiep-am]\n    relay: {file: ../../etc/passwd, title: Tiếp âm}\n")
    result = run(["check"], station_dir)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "schedules/tiep-am.yaml:6:" in result.output and "nằm ngoài thư mục đài" in result.output


def test_check_warns_about_an_empty_schedule_file(station_dir):
    add_schedule(station_dir, "trong.yaml", "")
    result = run(["check"], station_dir)
    assert result.exit_code == 0
    assert "Cảnh báo: schedules/trong.yaml: Tệp lịch phát trống" in result.output


NESTED = ("{% for a in range(10000) %}{% for b in range(10000) %}{% for c in range(10000) %}"
          "{% endfor %}{% endfor %}{% endfor %}")


def test_check_renders_every_template_with_its_example_under_the_budget(station_dir):
    template = station_dir / "scripts_vi" / "cat_dien.j2"
    template.write_text(template.read_text(encoding="utf-8") + NESTED + "\n", encoding="utf-8")
    result = run(["check"], station_dir)
    assert result.exit_code == 2
    assert "scripts_vi/cat_dien.j2:" in result.output and "quá nhiều bước" in result.output


def test_check_warns_about_a_template_without_example(station_dir):
    (station_dir / "scripts_vi" / "examples" / "cat_dien.yaml").unlink()
    result = run(["check"], station_dir)
    assert result.exit_code == 0
    assert "Mẫu 'cat_dien' chưa có tệp ví dụ scripts_vi/examples/cat_dien.yaml" in result.output


def test_preview_of_an_endless_template_is_one_line(station_dir):
    template = station_dir / "scripts_vi" / "cat_dien.j2"
    template.write_text(template.read_text(encoding="utf-8") + NESTED + "\n", encoding="utf-8")
    result = run(["preview", "cat_dien", "--data", "scripts_vi/examples/cat_dien.yaml"], station_dir)
    assert result.exit_code == 2
    assert "Traceback" not in result.output and "quá nhiều bước" in result.output


# --- text size and control characters --------------------------------------------------------

def test_say_refuses_text_over_the_limit_and_writes_nothing(station_dir, tmp_path):
    out = tmp_path / "x.wav"
    result = run(["say", "-", "-o", str(out)], station_dir, input="Xin chào bà con. " * 2000)
    assert result.exit_code == 2
    assert "dài hơn 10.000 ký tự, quá giới hạn 10.000 ký tự" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_say_refuses_a_nul_byte(station_dir, tmp_path):
    result = run(["say", "Xin chào\x00 bà con", "-o", str(tmp_path / "x.wav")], station_dir)
    assert result.exit_code == 2
    assert "ký tự điều khiển NUL ở dòng 1, cột 9" in result.output


def test_render_refuses_a_nul_in_a_value(station_dir, tmp_path):
    result = run(["render", "cat_dien", "--data", "scripts_vi/examples/cat_dien.yaml", "-s", "ly_do=a\x00b",
                  "-o", str(tmp_path / "x.wav"), "--dry-run"], station_dir)
    assert result.exit_code == 2
    assert "'ly_do' có ký tự điều khiển NUL" in result.output and "Traceback" not in result.output


def test_check_names_a_nul_escape_in_a_schedule_value(station_dir):
    add_schedule(station_dir, "nul.yaml",
                 "announcements:\n  - id: cat-dien-nul\n    template: cat_dien\n    from: 2026-12-01\n"
                 "    values: {ngay: 12/12/2026, gio: 7h-9h, khu_vuc: [\"thôn\\0Đông\"]}\n")
    result = run(["check"], station_dir)
    assert result.exit_code == 2
    assert "schedules/nul.yaml:5:" in result.output and "'khu_vuc' có ký tự điều khiển NUL" in result.output


def test_check_names_a_raw_nul_byte_in_a_schedule_file(station_dir):
    (station_dir / "schedules" / "nul.yaml").write_bytes(b"announcements:\n  - id: a\x00\n")
    result = run(["check"], station_dir)
    assert result.exit_code == 2
    assert "schedules/nul.yaml:2: Tệp có ký tự điều khiển U+0000" in result.output


def test_a_values_file_alias_bomb_is_refused(station_dir, tmp_path):
    bomb = tmp_path / "bom.yaml"
    bomb.write_text('a0: &a0 "lol"\n' + "".join(
        f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]\n" for n in range(1, 10)), encoding="utf-8")
    result = run(["preview", "cat_dien", "--data", str(bomb)], station_dir)
    assert result.exit_code == 2
    assert "quá nhiều giá trị" in result.output and "Traceback" not in result.output
