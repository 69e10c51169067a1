"""Gain planning: each clip's gain from two limiter trials, and the per-segment level chain."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from broadcast.audio.formats import AudioFormat

# The planner tries two gains this far apart to see how much the limiter eats; the slope it
# finds is bounded below so that a heavily limited programme is not pushed without end.
_TRIAL_STEP_DB, _MIN_SLOPE = 2.0, 0.25
# The limiter works on sample peaks; true (inter-sample) peaks and MP3 encoding overshoot
# above them (by about 0.4 dB on espeak speech at 64k), so it aims this far under the ceiling.
_LIMITER_MARGIN_DB = 1.5
_LIMITER_FLOOR_DB = -24.0  # alimiter's lowest threshold (0.0625)
# lame at speech bitrates takes about 0.4 LU (0.40-0.45 measured on espeak speech and on
# synthetic voiced syllables, 64k-128k mono): the plan aims that much louder.
_CODEC_LOSS_LU = {"mp3": 0.4}


@dataclass(frozen=True)
class _GainPlan:
    gain_db: float
    limit_db: float  # the limiter's sample-peak threshold (it does nothing below it)


def _limit_db(fmt: AudioFormat) -> float:
    return max(_LIMITER_FLOOR_DB, fmt.true_peak_dbtp - _LIMITER_MARGIN_DB)


def _aim_lufs(fmt: AudioFormat) -> float:
    """What each clip is levelled to before encoding: the target plus what the codec will take."""
    return fmt.target_lufs + _CODEC_LOSS_LU.get(fmt.codec, 0.0)


def _solve_gain(first_db: float, heard_first: float, heard_second: float, target: float,
                limit_db: float) -> _GainPlan:
    """The gain that lands on `target`, from the loudness heard at two trial gains.

    The trials are `first_db` and `first_db + _TRIAL_STEP_DB`; between and a little beyond them
    the limited loudness is close to a straight line in the gain (slope 1 while the limiter rests).
    """
    slope = min(1.0, max(_MIN_SLOPE, (heard_second - heard_first) / _TRIAL_STEP_DB))
    return _GainPlan(first_db + (target - heard_first) / slope, limit_db)


def _filter_chain(plan: _GainPlan) -> str:
    limit = 10 ** (plan.limit_db / 20)
    # level=0: no auto make-up gain; latency=1: keep every offset in place.
    return (f"volume=volume={plan.gain_db:.2f}dB:precision=float,"
            f"alimiter=limit={limit:.4f}:attack=5:release=50:level=0:latency=1")


@dataclass(frozen=True)
class _Levels:
    """The gain of each segment (dB; None for silences) and the limiter's threshold."""

    gains_db: tuple[float | None, ...]
    limit_db: float

    def shifted(self, delta_db: float, limit_db: float) -> _Levels:
        return _Levels(tuple(None if g is None else g + delta_db for g in self.gains_db), limit_db)


def _level_chain(levels: _Levels, offsets: Sequence[float]) -> str:
    """Per-segment gains switched exactly at the segment boundaries, then the programme's limiter.

    The concat demuxer never puts two files in one packet, so every frame belongs to one segment
    and a command sent as the frame enters (a little before the boundary's time stamp) applies
    to that whole segment and no other.
    """
    commands, first = [], None
    for gain, start in zip(levels.gains_db, offsets):
        if gain is None:
            continue
        first = gain if first is None else first
        at = max(0.0, start - 0.0005)
        commands.append(f"{at:.4f} volume@g volume {10 ** (gain / 20):.6f}")
    start_gain = first if first is not None else 0.0
    limit = 10 ** (levels.limit_db / 20)
    send = f"asendcmd=c='{';'.join(commands)}'," if len(commands) > 1 else ""
    return (f"{send}volume@g=volume={10 ** (start_gain / 20):.6f}:precision=float,"
            f"alimiter=limit={limit:.4f}:attack=5:release=50:level=0:latency=1")

