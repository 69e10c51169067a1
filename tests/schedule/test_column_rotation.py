"""Column rotation: a pure function of the date and the anchor, across weeks, months and years."""

from datetime import date, timedelta

import pytest

from broadcast.schedule import ColumnSpec, EpisodeSpec

EPISODES = tuple(EpisodeSpec(id=f"cchc-0{n}", template="cchc", values={}) for n in (1, 2, 3))


def weekly(days=frozenset({1}), start=date(2026, 11, 2), airings=3) -> ColumnSpec:
    return ColumnSpec(id="cchc", title="Cải cách hành chính", tags=("cchc",), slots=("sang",), days=days,
                      days_of_month=frozenset(), airings_per_episode=airings, start=start, episodes=EPISODES)


def monthly(days_of_month=frozenset({1, 15}), start=date(2026, 11, 1), airings=2) -> ColumnSpec:
    return ColumnSpec(id="pl", title="Pháp luật và đời sống", tags=(), slots=("sang",), days=frozenset(),
                      days_of_month=days_of_month, airings_per_episode=airings, start=start,
                      episodes=EPISODES[:2])


@pytest.mark.parametrize(("day", "episode"), [
    (date(2026, 11, 2), "cchc-01"),     # anchor, Monday
    (date(2026, 11, 9), "cchc-01"),
    (date(2026, 11, 16), "cchc-01"),
    (date(2026, 11, 23), "cchc-02"),    # fourth Monday: next episode
    (date(2026, 11, 30), "cchc-02"),
    (date(2026, 12, 7), "cchc-02"),     # across the month boundary
    (date(2026, 12, 14), "cchc-03"),
    (date(2026, 12, 28), "cchc-03"),
    (date(2027, 1, 4), "cchc-01"),      # the cycle starts again, across the year boundary
    (date(2026, 11, 3), None),          # Tuesday: not an airing day
    (date(2026, 10, 26), None),         # before the anchor
])
def test_weekly_rotation(day, episode):
    found = weekly().episode_on(day)
    assert (found.id if found else None) == episode


@pytest.mark.parametrize(("day", "episode"), [
    (date(2026, 11, 1), "cchc-01"), (date(2026, 11, 15), "cchc-01"),
    (date(2026, 12, 1), "cchc-02"), (date(2026, 12, 15), "cchc-02"),
    (date(2027, 1, 1), "cchc-01"), (date(2026, 11, 2), None),
])
def test_twice_a_month_rotation(day, episode):
    found = monthly().episode_on(day)
    assert (found.id if found else None) == episode


def test_anchor_in_mid_week_counts_from_the_first_airing_day():
    column = weekly(start=date(2026, 11, 4))         # Wednesday; airs Mondays
    assert column.airing_index(date(2026, 11, 9)) == 0
    assert column.episode_on(date(2026, 11, 30)).id == "cchc-02"


def test_day_31_airs_only_in_long_months():
    column = monthly(days_of_month=frozenset({31}), start=date(2026, 1, 1), airings=1)
    assert column.episode_on(date(2026, 1, 31)).id == "cchc-01"
    assert column.episode_on(date(2026, 3, 31)).id == "cchc-02"      # February has no 31st


@pytest.mark.parametrize("column", [weekly(), weekly(days=frozenset({1, 3, 5}), airings=2),
                                    weekly(days=frozenset({7}), start=date(2025, 12, 31), airings=1),
                                    monthly(), monthly(days_of_month=frozenset({5, 20, 30}))])
def test_airing_index_matches_counting_day_by_day(column):
    count = 0
    day = column.start
    for _ in range(800):
        assert column.airing_index(day) == count
        if column.airs_on(day):
            count += 1
        day += timedelta(days=1)
