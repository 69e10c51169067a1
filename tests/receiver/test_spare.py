"""The player started ahead for urgent pushes: it plays what it is handed, and an unused one exits cleanly."""

from __future__ import annotations

import threading
import wave

from test_receiver_plays import tone

from broadcast.play.gated import GatedOutput, SparePlayer


def test_a_spare_player_plays_what_it_is_handed(tmp_path):
    audio = tmp_path / "khan.wav"
    tone(audio, 1.0)
    output = GatedOutput(["file"], zone="thon-dong", file_dir=tmp_path / "ra", realtime=False)
    spare = SparePlayer()
    assert spare.usable
    done = threading.Event()
    results = []
    handle = output.prepare(audio, title="Khẩn", programme_id="khan-cap-1", spare=spare)
    handle.start(lambda r: (results.append(r), done.set()))
    assert done.wait(60), "the spare never finished"
    assert results[0].status == "played" and results[0].started_at is not None, results
    (written,) = (tmp_path / "ra").glob("*.wav")
    with wave.open(str(written)) as played:
        assert abs(played.getnframes() / played.getframerate() - 1.0) < 0.1
    assert not spare.usable                      # used once


def test_an_unused_spare_exits_cleanly(tmp_path):
    spare = SparePlayer()
    spare.close()
    assert spare.proc.returncode == 0 and not spare.usable
