"""`make bench-voice`: how intelligible each engine and setting is, as word error rate of an offline recognizer.

Each sentence of `benchmarks/data/voice_sentences.txt` goes through the programme path (the
project's normalizer, the engine, `audio.assemble`: levelling to the programme target, the
limiter and the MP3 encoder), is decoded back to 16 kHz mono and transcribed by viet-asr
(`pip install -e '.[bench]'`). The word error rate (WER) is counted against the normalizer's
spoken form with a Vietnamese-aware tokenisation (NFC, lowercase, punctuation dropped).
"raw" rows skip levelling and encoding: what the engine itself says.

    python benchmarks/bench_voice.py                 # today's default, the configured defaults, other engines
    python benchmarks/bench_voice.py --search        # coarse search of the espeak settings from the old default
    python benchmarks/bench_voice.py --search fine   # finer search around today's configured default
    python benchmarks/bench_voice.py --search range  # pitch range with rate and word gap, whole set
    python benchmarks/bench_voice.py --setting voice=vi-vn-x-south,rate=130 --subset 12

Transcripts are cached by the hash of the audio heard (`.cache/bench-voice/`), so a rerun only
transcribes what changed. The recognizer runs in this process, one call at a time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from broadcast import audio  # noqa: E402
from broadcast.errors import BroadcastError  # noqa: E402
from broadcast.normalize import normalize  # noqa: E402
from broadcast.speak import EngineOptions, SpeechCache, create_engine  # noqa: E402
from broadcast.station.sections import AudioSection, SpeechSection  # noqa: E402

SENTENCES = ROOT / "benchmarks" / "data" / "voice_sentences.txt"
CACHE = ROOT / ".cache" / "bench-voice"
ASR_RATE = 16000
SUBSET = 12

# --------------------------------------------------------------------------- word error rate


def words(text: str) -> list[str]:
    """Vietnamese words for scoring: NFC, lowercase, punctuation and symbols dropped.

    >>> words("Xin chào, bà con!  Sáng mai HỌP thôn.")
    ['xin', 'chào', 'bà', 'con', 'sáng', 'mai', 'họp', 'thôn']
    """
    text = unicodedata.normalize("NFC", text).lower()
    kept = "".join(" " if unicodedata.category(ch)[0] in "PSZC" else ch for ch in text)
    return kept.split()


def edit_distance(ref: Sequence[str], hyp: Sequence[str]) -> int:
    """Word-level Levenshtein distance (substitutions, deletions and insertions count one each)."""
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i]
        for j, h in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1]


def wer(refs: Iterable[str], hyps: Iterable[str]) -> tuple[float, int, int]:
    """(corpus WER, edits, reference words): edits summed over sentences, over all reference words."""
    edits = total = 0
    for ref, hyp in zip(refs, hyps, strict=True):
        r = words(ref)
        edits += edit_distance(r, words(hyp))
        total += len(r)
    return (edits / total if total else 0.0), edits, total


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class Setting:
    """One way of speaking: engine and its options, the programme path, and the levelling chain."""

    engine: str = "espeak"
    voice: str = "vi"
    rate: int = 150
    pitch: int = 50
    pitch_range: int = 50
    word_gap: int = 0
    sample_rate: int = 44100      # the programme's rate (espeak speaks at 22050)
    chain: str = "today"          # levelling chain, see CHAINS; "raw": no levelling, no encoding

    def label(self) -> str:
        if self.engine != "espeak":
            return f"{self.engine} {'raw' if self.chain == 'raw' else self.chain}"
        return (f"espeak {self.voice} r{self.rate} p{self.pitch} R{self.pitch_range} g{self.word_gap} "
                f"{self.sample_rate // 1000}k {self.chain}")

    def options(self) -> EngineOptions:
        return EngineOptions(voice=self.voice, rate=self.rate, pitch=self.pitch,
                             pitch_range=self.pitch_range, word_gap=self.word_gap)


TODAY = Setting()        # the defaults before this benchmark (rate 150, pitch 50, range 50, no gap)


def configured() -> Setting:
    """The current defaults of [speech] and [audio] as one setting."""
    s = SpeechSection()
    return Setting(voice=s.voice, rate=s.rate, pitch=s.pitch, pitch_range=s.pitch_range,
                   word_gap=s.word_gap, sample_rate=AudioSection().sample_rate, chain="programme")


def parse_setting(spec: str, base: Setting = TODAY) -> Setting:
    """"voice=vi-vn-x-south,rate=130" → that setting, the rest from `base`."""
    types = {f.name: f.type for f in fields(Setting)}
    changes = {}
    for part in filter(None, spec.split(",")):
        key, _, value = part.partition("=")
        if key not in types:
            raise SystemExit(f"unknown setting '{key}' (known: {', '.join(types)})")
        changes[key] = int(value) if types[key] == "int" else value
    return replace(base, **changes)


# --------------------------------------------------------------------------- levelling chains
# Alternatives to the product's limiter windows, tried inside audio.assemble itself: the level
# solver and the render both read `limiter.ATTACK_S` / `RELEASE_S`, so each alternative still
# lands on the target loudness and peak. "programme" (and "today", the chain of the old
# defaults, whose limiter the product still uses) is the limiter as it is.

CHAINS: dict[str, tuple[float, float] | None] = {
    "programme": None, "today": None,
    "slow": (0.005, 0.050),   # the release of ffmpeg's alimiter as the product used it before
    "fast": (0.002, 0.005),   # quicker still: the gain changes within a syllable
}


# --------------------------------------------------------------------------- the path


def load_sentences(path: Path = SENTENCES) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [unicodedata.normalize("NFC", line.strip()) for line in lines
            if line.strip() and not line.lstrip().startswith("#")]


def pcm_16k(path: Path) -> bytes:
    with audio.stream_pcm(path, ASR_RATE) as chunks:
        return b"".join(chunks)


class Speaker:
    """Speaks a text through the programme path for one setting; returns 16 kHz PCM."""

    def __init__(self, setting: Setting, work: Path) -> None:
        self.setting = setting
        self.engine = create_engine(setting.engine, setting.options())
        self.cache = SpeechCache(CACHE / "tts")
        self.work = work
        self.levels: list[audio.Loudness] = []    # each programme file as ffmpeg's meter reads it

    def available(self) -> tuple[bool, str]:
        return self.engine.availability()

    def __call__(self, index: int, spoken: str) -> bytes:
        clip, _cached = self.cache.get_or_make(self.engine, spoken)
        if self.setting.chain == "raw":
            return pcm_16k(clip)
        fmt = audio.AudioFormat(sample_rate=self.setting.sample_rate)
        out = self.work / f"{index:03d}.mp3"
        chain = CHAINS[self.setting.chain]
        with _chain_swapped(chain):
            audio.assemble([audio.Clip(clip)], out, fmt)
        self.levels.append(audio.measure_loudness(out))
        return pcm_16k(out)


@contextmanager
def _chain_swapped(windows: tuple[float, float] | None):
    """The limiter's attack and release are `windows` meanwhile (single-threaded producer)."""
    if windows is None:
        yield
        return
    from broadcast.audio import limiter

    before = (limiter.ATTACK_S, limiter.RELEASE_S)
    limiter.ATTACK_S, limiter.RELEASE_S = windows
    try:
        yield
    finally:
        limiter.ATTACK_S, limiter.RELEASE_S = before


class Recognizer:
    """viet-asr, one pipeline in this process, transcripts cached by the audio's hash."""

    def __init__(self) -> None:
        try:
            import numpy
            import vietasr
        except ImportError:
            raise SystemExit("viet-asr is not installed: .venv/bin/pip install -e '.[bench]'") from None
        self._np = numpy
        self._pipeline = vietasr.Pipeline.preset("transcribe")
        self._path = CACHE / "asr.json"
        self._known = json.loads(self._path.read_text(encoding="utf-8")) if self._path.is_file() else {}
        self.seconds_heard = 0.0
        self.seconds_spent = 0.0

    def __call__(self, pcm: bytes) -> str:
        key = hashlib.sha256(pcm).hexdigest()
        if key not in self._known:
            started = time.monotonic()
            samples = self._np.frombuffer(pcm, dtype=self._np.int16)
            self._known[key] = self._pipeline.transcribe(samples, float(ASR_RATE)).text
            self.seconds_spent += time.monotonic() - started
            self.seconds_heard += len(pcm) / 2 / ASR_RATE
            self._save()
        return self._known[key]

    def _save(self) -> None:
        """Merge into the file under a lock: two benchmark processes may share the cache."""
        import fcntl

        self._path.parent.mkdir(parents=True, exist_ok=True)
        with open(self._path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if self._path.is_file():
                self._known = {**json.loads(self._path.read_text(encoding="utf-8")), **self._known}
            tmp = self._path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(self._known, ensure_ascii=False, indent=0), encoding="utf-8")
            tmp.replace(self._path)


@dataclass(frozen=True)
class Score:
    setting: Setting
    sentences: int
    wer: float
    edits: int
    words: int
    audio_s: float
    lufs: tuple[float, float] = (float("nan"), float("nan"))   # quietest and loudest file (programme path)
    peak_dbtp: float = float("nan")                            # highest true peak of any file

def evaluate(setting: Setting, sentences: Sequence[str], asr: Recognizer) -> Score:
    """Speak every sentence (next ones prepared while the recognizer works) and score the lot."""
    spoken = [normalize(s) for s in sentences]
    with tempfile.TemporaryDirectory(prefix="bench-voice-") as work:
        speaker = Speaker(setting, Path(work))
        with ThreadPoolExecutor(max_workers=1) as pool:
            futures = [pool.submit(speaker, i, text) for i, text in enumerate(spoken)]
            heard = []
            seconds = 0.0
            for future in futures:
                pcm = future.result()
                seconds += len(pcm) / 2 / ASR_RATE
                heard.append(asr(pcm))
    rate, edits, total = wer(spoken, heard)
    levels = speaker.levels
    if not levels:
        return Score(setting, len(sentences), rate, edits, total, seconds)
    lufs = [level.integrated_lufs for level in levels]
    return Score(setting, len(sentences), rate, edits, total, seconds, (min(lufs), max(lufs)),
                 max(level.true_peak_dbtp for level in levels))


# --------------------------------------------------------------------------- search


SEARCH_SPACE: tuple[tuple[str, tuple], ...] = (
    ("voice", ("vi", "vi-vn-x-central", "vi-vn-x-south")),
    ("rate", (100, 115, 130, 150)),
    ("pitch", (35, 50, 65)),
    ("pitch_range", (20, 50, 80)),
    ("word_gap", (0, 2, 5)),
    ("sample_rate", (44100, 22050)),
    ("chain", ("today", "slow", "fast")),
)


# Around the configured default (after the coarse search): slower, longer gaps, pitch and range
# near the best, and the gentler levelling chains (each still lands on −16 LUFS / −1 dBTP).
FINE_SPACE: tuple[tuple[str, tuple], ...] = (
    ("rate", (110, 115, 120, 125, 130)),
    ("word_gap", (5, 6, 8, 10)),
    ("pitch", (40, 50, 60)),
    ("pitch_range", (35, 50, 65)),
    ("chain", ("programme", "slow", "fast")),
    ("rate", (110, 115, 120, 125, 130)),
)


# Intonation jointly with speed and gaps (issue 25): on held-out sentences a wider pitch range was
# the one lever that moved intelligibility steadily. Run on the whole set (the subset is too small
# to rank settings a word or two apart); the LUFS / dBTP columns show the levelling still holds.
RANGE_SPACE: tuple[tuple[str, tuple], ...] = (
    ("pitch_range", (50, 65, 80, 99)),
    ("rate", (110, 120, 130)),
    ("word_gap", (4, 6, 8)),
    ("pitch_range", (65, 80, 99)),
)


def search(sentences: Sequence[str], asr: Recognizer, report: Callable[[Score], None],
           start: Setting = TODAY, space: tuple[tuple[str, tuple], ...] = SEARCH_SPACE) -> list[Score]:
    """Coordinate descent from `start` over `space`: each setting in turn, keeping the best."""
    seen: dict[Setting, Score] = {}

    def score(s: Setting) -> Score:
        if s not in seen:
            seen[s] = evaluate(s, sentences, asr)
            report(seen[s])
        return seen[s]

    best = start
    for name, values in space:
        for value in values:
            candidate = replace(best, **{name: value})
            if score(candidate).edits < score(best).edits:
                best = candidate
    return sorted(seen.values(), key=lambda s: s.edits)


# --------------------------------------------------------------------------- table


def row(score: Score) -> str:
    low, high = score.lufs
    level = "" if low != low else f" {low:6.1f} {high:6.1f} {score.peak_dbtp:6.1f}"
    return (f"{score.setting.label():<46} {score.sentences:>4} {score.words:>6} {score.edits:>6} "
            f"{100 * score.wer:>6.1f}% {score.audio_s:>7.1f}{level}")


HEADER = (f"{'setting':<46} {'sent':>4} {'words':>6} {'edits':>6} {'WER':>7} {'audio s':>7}"
          f" {'LUFS':>6} {'..':>6} {'dBTP':>6}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--search", nargs="?", const="coarse", choices=("coarse", "fine", "range"),
                        help="search the espeak settings: from the old default (coarse), around "
                             "the configured one (fine), or pitch range with rate and word gap from "
                             "the configured one on the whole set (range)")
    parser.add_argument("--setting", action="append", default=[],
                        help="evaluate this setting (key=value,...; the rest from today's default)")
    parser.add_argument("--subset", type=int, default=0, help="only the first N sentences")
    parser.add_argument("--engines", default="edge,gtts,piper", help="other engines to score when available")
    parser.add_argument("--json", type=Path, help="also write every score here")
    args = parser.parse_args(argv)

    sentences = load_sentences()
    asr = Recognizer()
    scores: list[Score] = []

    def report(score: Score) -> None:
        scores.append(score)
        print(row(score), flush=True)

    print(f"{len(sentences)} sentences in {SENTENCES.relative_to(ROOT)}", flush=True)
    print(HEADER, flush=True)
    if args.search == "range":
        chosen = sentences[:args.subset] if args.subset else sentences
        ranked = search(chosen, asr, report, configured(), RANGE_SPACE)
        old = next(s for s in ranked if s.setting == configured())
        print(f"\nconfigured {old.setting.label()}: {100 * old.wer:.1f}% ({old.edits}/{old.words}); "
              f"best {ranked[0].setting.label()}: {100 * ranked[0].wer:.1f}% ({ranked[0].edits}/{ranked[0].words})",
              flush=True)
    elif args.search:
        subset = sentences[:args.subset or SUBSET]
        if args.search == "fine":
            ranked = search(subset, asr, report, configured(), FINE_SPACE)
        else:
            ranked = search(subset, asr, report)
        print(f"\nconfirming on all {len(sentences)} sentences", flush=True)
        print(HEADER, flush=True)
        best = ranked[0].setting
        finalists = [TODAY, replace(TODAY, chain="raw"), replace(configured(), chain="raw"), configured(),
                     best, replace(best, chain="raw")]
        for setting in dict.fromkeys(finalists):
            report(evaluate(setting, sentences, asr))
    else:
        chosen = sentences[:args.subset] if args.subset else sentences
        settings = [parse_setting(spec) for spec in args.setting] or [
            replace(TODAY, chain="raw"), TODAY, replace(configured(), chain="raw"), configured()]
        for name in filter(None, args.engines.split(",")) if not args.setting else ():
            settings += [Setting(engine=name, chain="raw"), Setting(engine=name, chain="programme")]
        for setting in dict.fromkeys(settings):
            if setting.engine != "espeak":
                try:
                    ok, why = create_engine(setting.engine, setting.options()).availability()
                except BroadcastError as e:
                    ok, why = False, e.message
                if not ok:
                    print(f"{setting.label():<46} not available here: {why}", flush=True)
                    continue
            report(evaluate(setting, chosen, asr))
    if asr.seconds_heard:
        print(f"\nrecognizer: {asr.seconds_heard:.0f} s of audio transcribed in {asr.seconds_spent:.0f} s "
              f"({asr.seconds_spent / asr.seconds_heard:.2f}x real time)", flush=True)
    if args.json:
        args.json.write_text(json.dumps([{**asdict(s), "setting": asdict(s.setting), "label": s.setting.label()}
                                         for s in scores], ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
