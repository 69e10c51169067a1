"""One reading of a cluster's health everywhere: the thresholds and the words of an age."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from broadcast.clusters.health import LATE_S, ONLINE_S, age_words, state_of
from broadcast.clusters.registry import ACTIVE, PENDING, REVOKED
from broadcast.province.bulletins.dashboard import ago
from broadcast.web.clusterview import age_words as page_age_words
from broadcast.web.clusterview import state_of as page_state_of

NOW = datetime(2026, 12, 7, 5, 30, tzinfo=UTC)


def cluster(seconds_ago=None, state=ACTIVE):
    seen = None if seconds_ago is None else (NOW - timedelta(seconds=seconds_ago)).isoformat()
    return SimpleNamespace(state=state, last_seen=seen)


@pytest.mark.parametrize(("seconds", "expected"), [
    (0, "online"), (ONLINE_S, "online"), (ONLINE_S + 1, "late"), (LATE_S, "late"), (LATE_S + 1, "offline"),
    (3 * 86400, "offline"), (None, "never"),
])
def test_state_by_heartbeat_age(seconds, expected):
    assert state_of(cluster(seconds), NOW)[0] == expected
    assert page_state_of is state_of                      # the console reads it the same way


@pytest.mark.parametrize(("state", "expected"), [(REVOKED, "revoked"), (PENDING, "pending")])
def test_revoked_and_pending_ignore_the_heartbeat(state, expected):
    assert state_of(cluster(5, state=state), NOW) == (expected, None)


@pytest.mark.parametrize(("seconds", "words"), [
    (0, "0 giây trước"), (89, "89 giây trước"), (90, "1 phút trước"), (5399, "89 phút trước"),
    (5400, "1 giờ trước"), (172799, "47 giờ trước"), (172800, "2 ngày trước"), (-3, "0 giây trước"),
])
def test_an_age_in_words_is_the_same_on_every_page(seconds, words):
    assert age_words(seconds) == words == page_age_words(seconds)
    assert ago(NOW - timedelta(seconds=seconds), NOW) == words    # the province dashboard


def test_never_heard_from():
    assert age_words(None) == ""
    assert ago(None, NOW) == "chưa liên lạc"
