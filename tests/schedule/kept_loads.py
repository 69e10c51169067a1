"""Loading a station's schedules with and without what was kept: shared by the kept-schedule and
kept-notice tests."""

from __future__ import annotations

from broadcast.build.toolkit import Toolkit, load_schedule_for
from broadcast.schedule import kept, notices_kept
from broadcast.station.config import load_station


def schedules(station_dir):
    return load_schedule_for(Toolkit.from_station(load_station(station_dir)))


def fresh(station_dir, monkeypatch):
    """The schedules as a load that keeps nothing gives them."""
    with monkeypatch.context() as m:
        m.setattr(kept, "_recall", lambda station: None)
        m.setattr(kept, "_keep", lambda *a: None)
        m.setattr(notices_kept, "active", lambda: None)
        return schedules(station_dir)
