"""What one cluster aired, from the as-run log (origin 'cluster'): a table for `broadcast log`, lines for the report."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

STATUS = {"played": "đã phát", "late": "phát muộn", "interrupted": "bị ngắt", "failed": "lỗi",
          "cancelled": "đã hủy"}


def _time(text: Any) -> str:
    try:
        return datetime.fromisoformat(str(text)).strftime("%H:%M:%S")
    except ValueError:
        return "–"


def rows_between(rows: list[dict[str, Any]], start: date, end: date) -> list[dict[str, Any]]:
    """The rows whose day (`date`) is within [start, end], in order of their start."""
    chosen = [r for r in rows if start.isoformat() <= str(r.get("date", "")) <= end.isoformat()]
    return sorted(chosen, key=lambda r: str(r.get("started_at", "")))


def format_cluster_log(name: str, rows: list[dict[str, Any]]) -> str:
    """One line per row: day, planned and real time, kind, title, status, peak level, fault or delay."""
    lines = [f"Nhật ký của cụm loa '{name}' (nguồn: cụm loa)",
             f"{'Ngày':<11} {'Dự kiến':<9} {'Phát':<9} {'Loại':<13} {'Trạng thái':<11} {'Đỉnh':>7}  Tiêu đề / ghi chú"]
    for row in rows:
        kind = "khẩn cấp" if row.get("kind") == "khan-cap" else "chương trình"
        levels = row.get("levels") or {}
        peak = f"{levels['peak_db']:.0f} dB" if isinstance(levels.get("peak_db"), (int, float)) else "–"
        notes = [str(row.get("title", ""))]
        if row.get("fault"):
            where = {"dau-vao-giam-sat": " (đầu vào giám sát)", "am-thanh-giai-ma": " (âm thanh phát ra)"}
            notes.append(f"LỖI: {row['fault']}{where.get(str(row.get('fault_source')), '')}")
        if row.get("error"):
            notes.append(f"lỗi: {row['error']}")
        if isinstance(row.get("delay_s"), (int, float)):
            notes.append(f"lên loa sau {row['delay_s']:.1f} giây")
        if row.get("interrupted_by"):
            notes.append(f"ngắt bởi: {', '.join(row['interrupted_by'])}")
        lines.append(f"{str(row.get('date', '')):<11} {_time(row.get('scheduled_at')) if kind != 'khẩn cấp' else '–':<9} "
                     f"{_time(row.get('started_at')):<9} {kind:<13} "
                     f"{STATUS.get(str(row.get('status')), str(row.get('status'))):<11} {peak:>7}  {'; '.join(notes)}")
    return "\n".join(lines)


def logged_rows(station: Any, registry: Any, name: str) -> list[dict[str, Any]]:
    """The cluster's rows from the station's as-run log (origin 'cluster'), with any the registry got before the
    log took them (read only: nothing is written while reading)."""
    from broadcast.log.clusters import ClusterLog

    path = station.path(station.paths.log_db)
    found = []
    if path.is_file():
        with ClusterLog(path) as log:
            found = log.rows(name)
    have = {str(r.get("uid")) for r in found}
    return found + [{**r, "origin": "cluster"} for r in registry.rows(name) if str(r.get("uid")) not in have]


def report_lines(station: Any, start: date, end: date, today: date) -> tuple:
    """The report's per-cluster lines for [start, end] (days after `today` not planned yet); () without clusters."""
    import json

    from broadcast.report.clusters import cluster_rows

    folder = station.path(station.paths.state) / "cum-loa"
    if not (folder / "clusters.sqlite").is_file():
        return ()
    from broadcast.clusters.registry import REVOKED, ClusterRegistry

    registry = ClusterRegistry(folder)
    try:
        everyone = registry.all()
        clusters = [(c.name, c.zone) for c in everyone]
        revoked = {c.name for c in everyone if c.state == REVOKED}
        rows = {name: rows_between(logged_rows(station, registry, name), start, end) for name, _ in clusters}
    finally:
        registry.close()
    planned: dict[str, tuple[int, float]] = {}
    audio_out = station.path(station.paths.audio_out)
    for zone in {z for _, z in clusters}:
        count, seconds = 0, 0.0
        day = start
        while day <= min(end, today):
            try:
                manifest = json.loads((audio_out / day.isoformat() / "manifest.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                manifest = {}
            for entry in manifest.get("programmes", []):
                if zone in entry.get("zones", [zone]):
                    count += 1
                    seconds += float(entry.get("duration_s") or 0)
            day = date.fromordinal(day.toordinal() + 1)
        planned[zone] = (count, seconds)
    return cluster_rows(clusters, rows, planned, revoked)
