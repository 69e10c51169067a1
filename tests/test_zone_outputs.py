"""`broadcast zones` and `check`: whether a zone's output works on this machine, read from the system, never opened."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from broadcast.cli import zones as zones_cli

CARDS = {"0": "PCH", "1": "USB"}


@pytest.mark.parametrize("device, number", [
    ("hw:1", "1"), ("plughw:1,0", "1"), ("hw:CARD=USB", "1"), ("sysdefault:CARD=PCH", "0"), ("default", "0"),
    ("hw:7", None), ("hw:CARD=HDMI", None),
])
def test_card_numbers(device, number):
    assert zones_cli._card_number(device, CARDS) == number


@pytest.mark.parametrize("spec, ok, words", [
    ("alsa:hw:1", True, "card 1 (USB)"),
    ("alsa:hw:7", False, "không có card âm thanh 'hw:7'"),
    ("hw:0", True, "card 0 (PCH)"),
])
def test_alsa_devices_by_the_cards_this_machine_has(monkeypatch, spec, ok, words):
    monkeypatch.setattr(zones_cli, "_alsa_cards", lambda: CARDS)
    monkeypatch.setattr("broadcast.play.outputs.ffmpeg_devices", lambda: frozenset({"alsa"}))
    assert zones_cli.probe_device(spec)[0] is ok
    assert words in zones_cli.probe_device(spec)[1]


def test_no_sound_card_at_all(monkeypatch):
    monkeypatch.setattr(zones_cli, "_alsa_cards", lambda: {})
    assert zones_cli.probe_device("alsa:hw:0") == (False, "máy không có card âm thanh nào (/proc/asound/cards trống)")


def test_a_pulse_device_needs_a_server(monkeypatch, tmp_path):
    monkeypatch.delenv("PULSE_SERVER", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    ok, why = zones_cli.probe_device("pulse:zone1")
    assert not ok and "PulseAudio" in why


STATION = SimpleNamespace(playout=SimpleNamespace(file_dir="var/playout", device="hw:9"),
                          icecast=SimpleNamespace(url="icecast://127.0.0.1:9/dai-xa.mp3"))


@pytest.mark.parametrize("spec, ok, words", [
    ("file", True, "var/playout"),
    ("null", True, "không phát ra loa"),
    ("icecast:/thon-dong", False, "127.0.0.1:9/thon-dong"),      # port 9 (discard): nobody listens
])
def test_outputs_that_need_no_card(spec, ok, words):
    assert zones_cli.probe_output(spec, STATION)[0] is ok
    assert words in zones_cli.probe_output(spec, STATION)[1]


def test_a_bare_device_is_the_playout_device(monkeypatch):
    asked = []
    monkeypatch.setattr(zones_cli, "probe_device", lambda spec: asked.append(spec) or (True, ""))
    zones_cli.probe_output("device", STATION)
    zones_cli.probe_output("device:hw:2", STATION)
    assert asked == ["hw:9", "hw:2"]
