"""Fixtures shared by the receiver tests: a station serving its clusters and one paired receiver."""

from test_receiver_plays import paired  # noqa: F401 - the fixture, for every test module here
