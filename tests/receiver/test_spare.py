"""The player started ahead for urgent pushes: it plays what it is handed, one play after another in the same
process, the station's PCM as it is (no decoder), and an unused or stopped one ends cleanly."""

from __future__ import annotations

import threading
import wave
from array import array

from test_receiver_plays import tone

from broadcast.play.gated import GatedOutput
from broadcast.play.pcmfile import PcmSource, scale, wav_format
from broadcast.play.spare import SparePlayer


def play(output: GatedOutput, audio, spare: SparePlayer, name: str, **options):
    done = threading.Event()
    results: list = []
    handle = output.prepare(audio, title="Khẩn", programme_id=name, spare=spare, **options)
    handle.start(lambda r: (results.append(r), done.set()))
    assert done.wait(60), "the spare never finished"
    return handle, results[0]


def frames(path) -> tuple[int, int, array]:
    with wave.open(str(path)) as played:
        return played.getframerate(), played.getnchannels(), array("h", played.readframes(played.getnframes()))


def test_a_spare_player_plays_one_urgent_after_another_in_the_same_process(tmp_path):
    audio = tmp_path / "khan.wav"
    tone(audio, 1.0, rate=24000)
    output = GatedOutput(["file"], zone="thon-dong", file_dir=tmp_path / "ra", realtime=False)
    spare = SparePlayer()
    assert spare.usable
    pid = spare.proc.pid
    for n in (1, 2):
        _handle, result = play(output, audio, spare, f"khan-cap-{n}", pcm=True)
        assert result.status == "played" and result.started_at is not None, result
        assert spare.usable and spare.proc.pid == pid            # the same process waits for the next one
    written = sorted((tmp_path / "ra").glob("*.wav"))
    assert len(written) == 2
    for path in written:                 # the station's PCM as it is: its own rate, mono, every sample
        rate, channels, samples = frames(path)
        assert (rate, channels) == (24000, 1)
        with wave.open(str(audio)) as source:
            assert samples.tobytes() == source.readframes(source.getnframes())
    spare.close()
    assert spare.proc.returncode == 0 and not spare.usable


def test_the_direct_pcm_play_takes_the_cluster_volume_and_other_audio_is_still_decoded(tmp_path):
    audio = tmp_path / "khan.wav"
    tone(audio, 0.5, rate=24000)
    output = GatedOutput(["file"], zone="thon-dong", file_dir=tmp_path / "ra", realtime=False)
    output.volume = 0.5
    spare = SparePlayer()
    _handle, result = play(output, audio, spare, "khan-cap-nho", pcm=True)
    assert result.status == "played", result
    (written,) = (tmp_path / "ra").glob("*.wav")
    with wave.open(str(audio)) as source:
        original = array("h", source.readframes(source.getnframes()))
    assert frames(written)[2] == array("h", [int(s * 0.5) for s in original])
    eight_bit = tmp_path / "tam-bit.wav"           # not 16-bit PCM: decoded by ffmpeg to the player's format
    with wave.open(str(eight_bit), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(8000)
        out.writeframes(bytes(128 + (i % 50) for i in range(4000)))
    assert wav_format(eight_bit) is None and wav_format(audio) == (24000, 1)
    _handle, result = play(output, eight_bit, spare, "khan-cap-8bit", pcm=True)
    assert result.status == "played", result
    (decoded,) = [p for p in (tmp_path / "ra").glob("*.wav") if p != written]
    assert frames(decoded)[:2] == (48000, 2)
    spare.close()


def test_a_stopped_play_leaves_its_spare_waiting_and_an_unused_spare_exits_cleanly(tmp_path):
    audio = tmp_path / "dai.wav"
    tone(audio, 20.0, rate=24000)
    output = GatedOutput(["null"], zone="thon-dong")           # paced: it is still playing when stopped
    spare = SparePlayer()
    pid = spare.proc.pid
    done = threading.Event()
    handle = output.prepare(audio, title="Khẩn", programme_id="khan-cap-dung", spare=spare, pcm=True)
    handle.start(lambda r: done.set())
    handle.stop()
    assert done.wait(60)
    assert handle.result.status == "interrupted"
    assert spare.usable and spare.proc.pid == pid            # the programme stopped for an urgent: it plays the urgent
    short = tmp_path / "ngan.wav"
    tone(short, 0.3, rate=24000)
    _handle, result = play(output, short, spare, "khan-cap-sau", pcm=True)
    assert result.status == "played" and spare.proc.pid == pid
    spare.close()
    assert spare.proc.returncode == 0
    unused = SparePlayer()
    unused.close()
    assert unused.proc.returncode == 0 and not unused.usable


def test_pcm_source_reads_from_an_offset_up_to_a_limit_and_clips_a_raised_volume(tmp_path):
    audio = tmp_path / "khan.wav"
    tone(audio, 1.0, rate=8000)
    source = PcmSource(audio, offset_s=0.25, limit_s=0.5)
    data = b"".join(iter(lambda: source.read(1000), b""))
    assert len(data) == 4000 * 2 and source.wait() == 0
    assert scale(array("h", [30000, -30000, 100]).tobytes(), 2.0) == array("h", [32767, -32768, 200]).tobytes()
