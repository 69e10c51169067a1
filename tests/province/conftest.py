"""A small scratch province for the province tests: communes with only their slots, plus the shared folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from broadcast.province.copies import make_province

ROOT = Path(__file__).resolve().parents[2]
SMALL = ("slots.yaml", "calendar.yaml")      # the provincial column and notice fill the programmes


def small_province(dest: Path, count: int, **kwargs):
    """`count` communes speaking with the fake engine in 16 kHz WAV, around one province folder."""
    options = {"engines": '["fake"]', "fast_audio": True, "schedules": SMALL, "tune_seconds": 2.0, **kwargs}
    return make_province(ROOT, dest, count, **options)


@pytest.fixture(scope="session")
def make_small_province():
    return small_province
