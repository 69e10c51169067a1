"""The report's per-cluster lines: programmes and minutes aired against the zone's plan, urgent delays, faults."""

from __future__ import annotations

from test_cluster_log import ROWS
from test_pairing_and_days import cli, publish_day

from broadcast.clusters.registry import ClusterRegistry
from broadcast.report.clusters import ClusterRow, cluster_rows, markdown_lines

ENDED = {"2026-12-07/sang/thon-dong": "2026-12-07T05:40:00.2+07:00",
         "khan-cap/bao-lu/dong-1": "2026-12-07T05:31:31.4+07:00",
         "2026-12-07/chieu/thon-dong": "2026-12-07T17:05:00+07:00",
         "2026-12-08/sang/thon-dong": "2026-12-08T05:31:00+07:00"}
TIMED = [{**r, "ended_at": ENDED[r["uid"]]} for r in ROWS]


def test_cluster_lines_count_what_each_cluster_aired():
    failed = {"uid": "x", "status": "failed", "started_at": None, "ended_at": None, "date": "2026-12-09"}
    urgent2 = {"uid": "k2", "kind": "khan-cap", "status": "played", "delay_s": 2.6,
               "started_at": "2026-12-09T08:00:00+07:00", "ended_at": "2026-12-09T08:00:20+07:00"}
    late_stop = {"uid": "y", "status": "interrupted", "started_at": "2026-12-09T17:00:00+07:00",
                 "ended_at": "2026-12-09T17:00:30+07:00"}
    never = {"uid": "z", "status": "interrupted", "started_at": None}
    lines = cluster_rows([("dong-1", "thon-dong"), ("tay-1", "thon-tay"), ("dong-2", "thon-dong")],
                         {"dong-1": [*TIMED, failed, urgent2, late_stop, never], "tay-1": []},
                         {"thon-dong": (6, 3600.0)})
    assert lines == (
        ClusterRow("dong-1", "thon-dong", 4, 6, 16.5, 60.0, 2, 2.0, 2),
        ClusterRow("tay-1", "thon-tay", 0, 0, 0.0, 0.0, 0, None, 0),
        ClusterRow("dong-2", "thon-dong", 0, 6, 0.0, 60.0, 0, None, 0),
    )
    table = markdown_lines(lines)
    assert "| 1 | dong-1 | thon-dong | 4 / 6 | 16.5 / 60 | 2 | 2 | 2 |" in table
    assert "| 2 | tay-1 | thon-tay | 0 / 0 | 0 / 0 | 0 | – | 0 |" in table


def written_markdown(folder):
    """The report's Markdown as `broadcast report` wrote it (the command prints only where it wrote)."""
    (found,) = folder.glob("*.md")
    return found.read_text(encoding="utf-8")


def test_the_month_report_has_a_line_per_cluster(station_dir):
    publish_day(station_dir, "2026-12-07")
    registry = ClusterRegistry(station_dir / "var" / "cum-loa")
    registry.add("dong-1", "thon-dong")
    registry.record_rows("dong-1", TIMED)
    result = cli("--station", str(station_dir), "report", "--from", "2026-12-07", "--to", "2026-12-07",
                 "-o", str(station_dir / "bc"))
    assert result.returncode == 0, result.stderr
    markdown = written_markdown(station_dir / "bc")
    assert "Phân theo cụm loa" in markdown
    assert "| 1 | dong-1 | thon-dong | 2 / 1 | 15 / 1 | 1 | 1.4 | 1 |" in markdown, markdown


def test_no_cluster_table_without_clusters(station_dir):
    result = cli("--station", str(station_dir), "report", "--from", "2026-12-07", "--to", "2026-12-07",
                 "-o", str(station_dir / "bc"))
    assert result.returncode == 0, result.stderr
    assert "Phân theo cụm loa" not in written_markdown(station_dir / "bc")


def test_the_report_counts_the_clusters_that_aired_of_those_in_service(station_dir):
    """Group D's first row is filled from the clusters' own rows: aired in the period / in service
    (a revoked cluster is listed in the table but not counted); the officer's other rows stay blank."""
    publish_day(station_dir, "2026-12-07")
    registry = ClusterRegistry(station_dir / "var" / "cum-loa")
    for name, zone in (("dong-1", "thon-dong"), ("dong-2", "thon-dong"), ("tay-1", "thon-tay"), ("cu-1", "thon-tay")):
        registry.add(name, zone)
    registry.record_rows("dong-1", TIMED)
    registry.record_rows("cu-1", TIMED)
    registry.revoke("cu-1")
    registry.close()
    result = cli("--station", str(station_dir), "report", "--from", "2026-12-07", "--to", "2026-12-07",
                 "-o", str(station_dir / "bc"))
    assert result.returncode == 0, result.stderr
    markdown = written_markdown(station_dir / "bc")
    assert "| 1 | Số cụm loa đang hoạt động / tổng số cụm loa | cụm | 1/3 |" in markdown, markdown
    assert "| 2 | Số hồ sơ thủ tục hành chính tiếp nhận | hồ sơ |  |" in markdown
    assert "| cu-1 | thon-tay |" in markdown                      # still in the table, not in the count


def test_without_clusters_the_count_is_left_for_the_officer(station_dir):
    result = cli("--station", str(station_dir), "report", "--from", "2026-12-07", "--to", "2026-12-07",
                 "-o", str(station_dir / "bc"))
    assert result.returncode == 0, result.stderr
    assert "| 1 | Số cụm loa đang hoạt động / tổng số cụm loa | cụm |  |" in written_markdown(station_dir / "bc")


def test_operating_counts_only_clusters_in_service():
    from broadcast.report.clusters import operating

    assert operating(()) is None
    lines = (ClusterRow("a", "z", 1, 2, 1.0, 2.0, 0, None, 0), ClusterRow("b", "z", 0, 2, 0.0, 2.0, 1, 0.5, 0),
             ClusterRow("c", "z", 0, 2, 0.0, 2.0, 0, None, 0), ClusterRow("d", "z", 3, 2, 3.0, 2.0, 0, None, 0, True))
    assert operating(lines) == (2, 3)
    assert operating(lines[3:]) is None
