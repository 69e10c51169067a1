"""`broadcast log --cluster NAME`: what one cluster reported, with levels, faults and urgent delays."""

from __future__ import annotations

from test_pairing_and_days import cli

from broadcast.clusters.registry import ClusterRegistry

ROWS = [
    {"uid": "2026-12-07/sang/thon-dong", "date": "2026-12-07", "title": "Chương trình buổi sáng",
     "scheduled_at": "2026-12-07T05:30:00+07:00", "started_at": "2026-12-07T05:30:00.2+07:00", "status": "played",
     "levels": {"seconds": 600, "rms_db": -20.1, "peak_db": -3.2, "silent_s": 0}, "interrupted_by": ["bao-lu"]},
    {"uid": "khan-cap/bao-lu/dong-1", "kind": "khan-cap", "date": "2026-12-07", "title": "Cảnh báo lũ",
     "scheduled_at": "2026-12-06T22:31:00+00:00", "started_at": "2026-12-07T05:31:01.4+07:00", "status": "played",
     "delay_s": 1.4},
    {"uid": "2026-12-07/chieu/thon-dong", "date": "2026-12-07", "title": "Chương trình buổi chiều",
     "scheduled_at": "2026-12-07T17:00:00+07:00", "started_at": "2026-12-07T17:00:00+07:00", "status": "played",
     "levels": {"seconds": 300, "rms_db": -120.0, "peak_db": -120.0, "silent_s": 300}, "fault": "im lặng trên loa"},
    {"uid": "2026-12-08/sang/thon-dong", "date": "2026-12-08", "title": "Ngày khác", "status": "played",
     "scheduled_at": "2026-12-08T05:30:00+07:00", "started_at": "2026-12-08T05:30:00+07:00"},
]


def test_the_log_of_one_cluster(station_dir):
    registry = ClusterRegistry(station_dir / "var" / "cum-loa")
    registry.add("dong-1", "thon-dong")
    registry.record_rows("dong-1", ROWS)
    result = cli("--station", str(station_dir), "log", "--cluster", "dong-1", "--date", "2026-12-07")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "cụm loa 'dong-1'" in lines[0] and len(lines) == 5, result.stdout
    assert "05:30:00" in lines[2] and "-3 dB" in lines[2] and "ngắt bởi: bao-lu" in lines[2]
    assert "khẩn cấp" in lines[3] and "lên loa sau 1.4 giây" in lines[3]
    assert "LỖI: im lặng trên loa" in lines[4] and "-120 dB" in lines[4]
    assert "Ngày khác" not in result.stdout


def test_an_unknown_cluster_is_one_line_and_exit_2(station_dir):
    ClusterRegistry(station_dir / "var" / "cum-loa").add("dong-1", "thon-dong")
    result = cli("--station", str(station_dir), "log", "--cluster", "dong-9")
    assert result.returncode == 2 and "không có cụm loa 'dong-9'" in result.stderr and "Traceback" not in result.stderr
    empty = cli("--station", str(station_dir), "log", "--cluster", "dong-1", "--date", "2026-12-07")
    assert empty.returncode == 0 and "chưa gửi gì" in empty.stdout
