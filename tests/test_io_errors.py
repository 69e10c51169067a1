"""Operating-system errors on files become one Vietnamese line (exit 1) naming the file; nothing half-written."""

from __future__ import annotations

import doctest
import errno
from pathlib import Path

import pytest
from click.testing import CliRunner

import broadcast.io_errors
from broadcast import audio
from broadcast.cli import cli
from broadcast.io_errors import FileSystemError, describe_os_error


@pytest.mark.parametrize("code, fragment", [
    (errno.ENOSPC, "Hết chỗ trống trên đĩa"),
    (errno.EDQUOT, "Hết chỗ trống trên đĩa"),
    (errno.EROFS, "chỉ cho đọc"),
    (errno.EACCES, "Không có quyền"),
    (errno.ENOTDIR, "đi qua một tệp"),
    (errno.EISDIR, "cần một tên tệp"),
    (errno.ENOENT, "Không tìm thấy"),
    (errno.EIO, "Không đọc hoặc ghi được tệp"),
])
def test_each_error_is_one_plain_line_with_a_fix(code, fragment):
    problem = describe_os_error(OSError(code, "x", "/srv/dai/audio_out/x.mp3"))
    assert isinstance(problem, FileSystemError) and problem.exit_code == 1
    assert str(problem).startswith("/srv/dai/audio_out/x.mp3: ") and fragment in str(problem)
    assert "\n" not in str(problem) and problem.hint.startswith("Sửa:")


def test_the_output_is_named_instead_of_its_temporary_sibling(tmp_path):
    out = tmp_path / "x.mp3"
    problem = describe_os_error(OSError(errno.EROFS, "x", str(tmp_path / ".x.mp3.ab12cd")), out)
    assert problem.path == str(out)
    other = describe_os_error(OSError(errno.EROFS, "x", "/var/cache/tts/a.wav"), out)
    assert other.path == "/var/cache/tts/a.wav"


def test_module_doctest():
    assert doctest.testmod(broadcast.io_errors).failed == 0


def test_a_full_disk_in_ffmpeg_does_not_blame_the_input_file(tmp_path):
    """A full disk while decoding the tune is not 'a corrupt signature tune'."""
    tune = tmp_path / "nhac_hieu.wav"
    stderr = "[out#1/s16le @ 0x55] Error closing file: No space left on device"
    problem = audio._failure("giải mã", stderr, tune)
    assert "hỏng" not in str(problem) and str(tune) not in str(problem)
    assert "Hết chỗ trống trên đĩa" in str(problem)
    assert "hỏng" in str(audio._failure("giải mã", "Invalid data found when processing input", tune))


def say(station: Path, out: Path):
    return CliRunner().invoke(cli, ["--station", str(station), "say", "Xin chào bà con", "-o", str(out)],
                              catch_exceptions=False)


def test_output_through_a_file_is_one_line(station_dir, tmp_path):
    blocker = tmp_path / "version"
    blocker.write_text("x")
    result = say(station_dir, blocker / "x.mp3")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.output.strip().splitlines() == [
        f"Lỗi: {blocker}: Đường dẫn đi qua một tệp như thể đó là thư mục. "
        "(Sửa: kiểm tra lại đường dẫn (-o), mỗi phần trước tên tệp phải là thư mục)"]


@pytest.mark.parametrize("code, fragment", [(errno.ENOSPC, "Hết chỗ trống trên đĩa"),
                                            (errno.EROFS, "chỉ cho đọc")])
def test_a_failing_write_leaves_nothing_behind(station_dir, tmp_path, monkeypatch, code, fragment):
    """The encoder starts writing, then the disk refuses: one line, exit 1, no file left in the folder."""
    real = audio.encode_pcm

    def failing(pcm, rate, tmp, *args, **kwargs):
        Path(tmp).write_bytes(b"ID3 half a file")
        raise OSError(code, "refused")

    monkeypatch.setattr(audio.assembly, "encode_pcm", failing)
    out_dir = tmp_path / "ra"
    out_dir.mkdir()
    result = say(station_dir, out_dir / "x.mp3")
    assert result.exit_code == 1
    assert f"Lỗi: {out_dir / 'x.mp3'}: " in result.output and fragment in result.output
    assert "Traceback" not in result.output
    assert list(out_dir.iterdir()) == []
    assert real is not failing
