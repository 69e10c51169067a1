"""`broadcast receiver sync` without --date starts from today on the station's clock (Asia/Ho_Chi_Minh), the
day the receiver's player plays: never the host's own date, which on a UTC machine is still yesterday from
17:00 to midnight UTC (00:00-07:00 in Vietnam)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from click.testing import CliRunner

from broadcast.cli import cli
from broadcast.play import SystemClock
from broadcast.receiver import config as receiver_config
from broadcast.receiver import sync as receiver_sync
from broadcast.receiver.sync import SyncResult


@pytest.mark.parametrize(("utc", "station_day"), [
    (datetime(2026, 12, 7, 16, 59, tzinfo=UTC), date(2026, 12, 7)),     # 23:59 in Vietnam
    (datetime(2026, 12, 7, 17, 0, tzinfo=UTC), date(2026, 12, 8)),      # 00:00 in Vietnam
    (datetime(2026, 12, 7, 23, 30, tzinfo=UTC), date(2026, 12, 8)),     # 06:30: still the 7th in UTC
])
def test_sync_without_a_date_starts_from_the_station_clocks_today(monkeypatch, tmp_path, utc, station_day):
    asked = []
    monkeypatch.setattr(SystemClock, "now", lambda self: utc.astimezone(self.tz))
    monkeypatch.setattr(receiver_config, "load", lambda folder: object())
    monkeypatch.setattr(receiver_sync, "sync_days",
                        lambda config, first, ahead: asked.append(first) or SyncResult((), (), ()))
    result = CliRunner().invoke(cli, ["receiver", "sync", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert asked == [station_day]
