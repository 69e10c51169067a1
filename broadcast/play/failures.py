"""Air-time failures in plain Vietnamese: what failed and what to do, from an output's name and ffmpeg's words.

    >>> str(playout_failure("device", "ffmpeg thoát với mã 187: [out#0/pulse] Nothing was written ...", "Sáng"))
    "không phát được 'Sáng' ra loa máy: không mở được thiết bị âm thanh (máy không có card âm thanh, \
hoặc dịch vụ âm thanh PulseAudio/ALSA chưa chạy) (kiểm tra card âm thanh và dây loa, chọn thiết bị \
bằng [playout] device, hoặc thử với --output file)"

The raw ffmpeg text stays on the exception's cause: `broadcast -v` shows it.
"""

from __future__ import annotations

import re

from broadcast.errors import PlayoutError

OUTPUT_LABELS = {"device": "loa máy", "file": "tệp ghi (đầu ra file)", "null": "đầu ra thử (null)",
                 "icecast": "máy chủ Icecast"}

# (output names, pattern in the error, cause, what to do): the first match wins.
_CAUSES: tuple[tuple[tuple[str, ...], str, str, str], ...] = (
    (("icecast",), r"401|unauthori[sz]ed|authenticat",
     "máy chủ Icecast từ chối mật khẩu nguồn",
     "kiểm tra [icecast] user và biến môi trường mật khẩu (BROADCAST_ICECAST_PASSWORD)"),
    (("icecast",), r"403|forbidden|mount.*(in use|busy)",
     "điểm gắn (mount) Icecast đang có nguồn khác phát",
     "dừng nguồn kia hoặc đổi điểm gắn trong [icecast] url"),
    (("icecast",), r"connection refused|could not connect|timed out|no route|name or service|resolve",
     "không kết nối được máy chủ Icecast",
     "kiểm tra máy chủ Icecast đang chạy và địa chỉ [icecast] url"),
    (("device",), r"aplay.*(no such file|không chạy được)|\[errno 2\].*aplay",
     "máy không có chương trình aplay để phát ra loa",
     "cài gói alsa-utils, hoặc đặt [playout] device = \"pulse\""),
    (("device",), r"nothing was written|pulse|alsa|audio open error|cannot open|invalid argument|"
                  r"no such (device|file)|device or resource busy|connection refused|phát xong sau",
     "không mở được thiết bị âm thanh (máy không có card âm thanh, hoặc dịch vụ âm thanh PulseAudio/ALSA "
     "chưa chạy)",
     "kiểm tra card âm thanh và dây loa, chọn thiết bị bằng [playout] device, hoặc thử với --output file"),
    (("device", "null", "icecast", "file"), r"không có tệp|no such file",
     "không tìm thấy tệp âm thanh",
     "kiểm tra đường dẫn, hoặc dựng lại ngày này bằng 'broadcast build'"),
    (("device", "null", "icecast", "file"), r"invalid data|hỏng|could not find codec|header|end of file",
     "tệp âm thanh hỏng, không đọc được",
     "dựng lại ngày này bằng 'broadcast build'"),
    (("file",), r"không chép được|permission|read-only|no space",
     "không ghi được vào thư mục của đầu ra file",
     "kiểm tra quyền ghi và chỗ trống của [playout] file_dir"),
    (("device", "null", "icecast", "file"), r"không chạy được|errno",
     "không chạy được ffmpeg",
     "cài lại phần mềm ('make install') hoặc kiểm tra ffmpeg"),
)


def explain(output: str, error: str | None) -> tuple[str, str]:
    """(cause, what to do) for a failed play on `output`, in Vietnamese."""
    text = error or ""
    for outputs, pattern, cause, todo in _CAUSES:
        if output in outputs and re.search(pattern, text, re.IGNORECASE):
            return cause, todo
    return "đầu ra báo lỗi khi phát", "chạy lại với -v để xem chi tiết, hoặc thử với --output file"


def playout_failure(output: str, error: str | None, title: str) -> PlayoutError:
    """One Vietnamese line for a failed play: what failed (title, output, cause) and what to do."""
    cause, todo = explain(output, error)
    where = OUTPUT_LABELS.get(output, output)
    failure = PlayoutError(f"không phát được '{title}' ra {where}: {cause}", hint=todo)
    failure.__cause__ = RuntimeError(error or "")
    return failure
