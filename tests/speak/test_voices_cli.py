"""`broadcast voices` and `broadcast voices add` end to end with CliRunner."""

from __future__ import annotations

from click.testing import CliRunner
from piper_helpers import write_voice

from broadcast.cli import cli


def run(station, *args):
    return CliRunner().invoke(cli, ["--station", str(station), *args], catch_exceptions=False)


def test_no_voice_yet_says_how_to_add_one(station_dir):
    result = run(station_dir, "voices")
    assert result.exit_code == 0
    assert "Chưa cài giọng Piper nào" in result.output and "broadcast voices add" in result.output


def test_add_checks_installs_and_lists(station_dir, tmp_path):
    model = write_voice(tmp_path / "usb")
    result = run(station_dir, "voices", "add", str(model))
    assert result.exit_code == 0, result.output
    assert "Đã cài giọng vi_VN-kiemthu-x_low" in result.output
    assert (station_dir / "voices" / model.name).is_file()
    listed = run(station_dir, "voices")
    assert "vi_VN-kiemthu-x_low: vi_VN, 22050 Hz" in listed.output
    engines = run(station_dir, "engines")
    assert any(line.startswith("piper") and " có " in line for line in engines.output.splitlines())


def test_add_accepts_the_json_path_too(station_dir, tmp_path):
    model = write_voice(tmp_path / "usb")
    assert run(station_dir, "voices", "add", str(model) + ".json").exit_code == 0


def test_add_refuses_a_broken_voice_with_exit_2_and_installs_nothing(station_dir, tmp_path):
    model = write_voice(tmp_path / "usb")
    model.write_bytes(b"garbage")
    result = run(station_dir, "voices", "add", str(model))
    assert result.exit_code == 2
    assert "onnxruntime không nạp được" in result.output
    assert "Traceback" not in result.output
    assert not (station_dir / "voices").exists()


def test_add_refuses_a_missing_file(station_dir, tmp_path):
    result = run(station_dir, "voices", "add", str(tmp_path / "khong-co.onnx"))
    assert result.exit_code == 2 and "không thấy tệp giọng" in result.output
