"""Online engines refuse a server whose certificate does not verify: nobody on the path can substitute the audio."""

from __future__ import annotations

import pytest
from tls_helpers import handshake_without_verification, impostor

from broadcast.errors import EngineError
from broadcast.speak import EngineOptions
from broadcast.speak.edge import EdgeEngine
from broadcast.speak.gtts_engine import GttsEngine


@pytest.fixture
def server(tmp_path):
    with impostor(tmp_path) as srv:
        assert handshake_without_verification(srv.port)
        yield srv


def test_gtts_refuses_a_self_signed_server(server, monkeypatch):
    import gtts.tts

    monkeypatch.setattr(gtts.tts, "_translate_url",
                        lambda tld="com", path="": f"https://127.0.0.1:{server.port}/{path}")
    sleeps: list = []
    with pytest.raises(EngineError, match="chứng chỉ TLS"):
        GttsEngine(EngineOptions(), sleep=sleeps.append).synthesize("Xin chào bà con.")
    assert server.requests == 0     # no request was ever sent over the untrusted connection
    assert sleeps == []             # and it is not retried


def test_gtts_leaves_urllib3_warnings_alone(server, monkeypatch):
    import warnings

    import gtts.tts

    monkeypatch.setattr(gtts.tts, "_translate_url",
                        lambda tld="com", path="": f"https://127.0.0.1:{server.port}/{path}")
    with warnings.catch_warnings(record=True):
        before = list(warnings.filters)
        with pytest.raises(EngineError):
            GttsEngine(EngineOptions(), sleep=lambda _s: None).synthesize("Xin chào.")
        assert warnings.filters == before   # gTTS's process-wide disable_warnings never ran


def test_edge_refuses_a_self_signed_server(server, monkeypatch):
    import edge_tts.communicate

    monkeypatch.setattr(edge_tts.communicate, "WSS_URL",
                        f"wss://127.0.0.1:{server.port}/edge/v1?TrustedClientToken=x")
    sleeps: list = []
    with pytest.raises(EngineError, match="chứng chỉ TLS"):
        EdgeEngine(EngineOptions(), sleep=sleeps.append).synthesize("Xin chào bà con.")
    assert server.requests == 0
    assert sleeps == []


def test_edge_availability_probe_refuses_a_self_signed_server(server):
    from broadcast.speak.edge import _probe_tls

    ok, why = _probe_tls("127.0.0.1", 5.0, port=server.port)
    assert not ok and "chứng chỉ TLS" in why
