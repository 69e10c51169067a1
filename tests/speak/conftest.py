"""Fixtures for the speak tests: a mocked Google Translate endpoint (no real network)."""

from __future__ import annotations

import pytest
import responses
from speak_helpers import BATCH_URL, GOOGLE, speaking_callback


@pytest.fixture
def google():
    """Mocked Google: HEAD answers, batchexecute speaks. Unregistered calls raise ConnectionError."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def online_google(google):
    google.add(responses.HEAD, f"{GOOGLE}/", status=200)
    google.add_callback(responses.POST, BATCH_URL, callback=speaking_callback)
    return google
