"""Offline neural engine: a user-supplied Piper voice run with onnxruntime (the only module importing it).

The text goes to IPA phonemes through the libespeak-ng the espeak engine loads
(`espeak_TextToPhonemes`), the phonemes to ids through the voice's `phoneme_id_map` (Piper's
layout: "^", then each phoneme followed by the pad "_", then "$"), and the ids through the
voice's ONNX model (inputs `input`, `input_lengths`, `scales`, optional `sid`; output audio).
No code of the GPL `piper-tts` package is used.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

from broadcast.errors import EngineError, InputError
from broadcast.speak.base import Engine, EngineOptions, Speech, require_text, wav_bytes
from broadcast.speak.espeak import phonemize
from broadcast.speak.online import split_sentences
from broadcast.speak.voices import Voice, choose, read_voice

REQUIRED_INPUTS = ("input", "input_lengths", "scales")
MAX_IDS = 400                  # one inference at most: a longer sentence is cut at its commas
SENTENCE_SILENCE_S = 0.2       # between sentences, as Piper does
MAX_MISSING_SHARE = 0.25       # more unknown phonemes than this: the voice is not for this language
_CLAUSE = re.compile(r"[^,;:.!?…]+[,;:.!?…]*")
_PUNCTUATION = {"…": "."}


class PiperEngine(Engine):
    """A Piper voice installed with `broadcast voices add`; deterministic (no noise when noise_scale is 0)."""

    name = "piper"
    online = False
    audio_format = "wav"

    def __init__(self, options: EngineOptions) -> None:
        super().__init__(options)
        self._voice: Voice | None = None
        self._session = None
        self._digest = ""

    @property
    def voice(self) -> Voice:
        if self._voice is None:
            self._voice = choose(Path(self.options.voices_dir), self.options.piper_voice)
        return self._voice

    def availability(self) -> tuple[bool, str]:
        try:
            import onnxruntime  # noqa: F401
        except ImportError:
            return False, "chưa cài gói onnxruntime (pip install onnxruntime)"
        try:
            _ = self.voice   # resolves the installed voice or says why not
        except EngineError as e:
            return False, e.message
        return True, ""

    def synthesize(self, text: str) -> Speech:
        text = require_text(text)
        voice = self.voice
        session = self._load()
        silence = bytes(2 * round(SENTENCE_SILENCE_S * voice.sample_rate))
        pieces: list[bytes] = []
        for sentence in split_sentences(text):
            for ids in chunk_ids(sentence, voice):
                if pieces:
                    pieces.append(silence)
                pieces.append(run_model(session, voice, ids))
        return Speech(wav_bytes(b"".join(pieces), voice.sample_rate), "wav")

    def cache_key_parts(self) -> dict:
        if not self._digest:
            digest = hashlib.sha256()
            for path in (self.voice.config, self.voice.model):
                with path.open("rb") as f:
                    while block := f.read(1 << 20):
                        digest.update(block)
            self._digest = digest.hexdigest()
        return {"engine": self.name, "voice": self.voice.name, "files": self._digest}

    def _load(self):
        if self._session is None:
            self._session = load_session(self.voice)
        return self._session


def load_session(voice: Voice):
    """The voice's model in onnxruntime, its inputs checked; EngineError when it is not a Piper model."""
    try:
        import onnxruntime
    except ImportError as e:
        raise EngineError("chưa cài gói onnxruntime", hint="pip install onnxruntime") from e
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    try:
        session = onnxruntime.InferenceSession(str(voice.model), options, providers=["CPUExecutionProvider"])
    except Exception as e:   # onnxruntime raises its own Fail/InvalidProtobuf/... types
        raise EngineError(f"{voice.model.name}: onnxruntime không nạp được mô hình ({_first_line(e)})") from e
    names = {i.name for i in session.get_inputs()}
    missing = [n for n in REQUIRED_INPUTS if n not in names]
    extra = names - {*REQUIRED_INPUTS, "sid"}
    if missing or extra or not session.get_outputs():
        raise EngineError(f"{voice.model.name}: không phải mô hình giọng Piper (đầu vào {sorted(names)}, "
                          f"cần {list(REQUIRED_INPUTS)} và có thể có 'sid')")
    return session


def phoneme_ids(phonemes: str, id_map: dict[str, tuple[int, ...]]) -> tuple[list[int], int]:
    """(ids, count of phonemes the voice does not know) in Piper's layout: ^ _ p1 _ p2 _ ... $.

    The phoneme string is split into code points after NFD, as Piper does (a tone mark or a
    length mark is a phoneme of its own).
    """
    pad = list(id_map["_"])
    ids = [*id_map["^"], *pad]
    missing = 0
    for phoneme in unicodedata.normalize("NFD", phonemes):
        if phoneme in id_map:
            ids += [*id_map[phoneme], *pad]
        else:
            missing += 1
    ids += id_map["$"]
    return ids, missing


def chunk_ids(sentence: str, voice: Voice) -> list[list[int]]:
    """The sentence as one id sequence, or several cut at clause ends when longer than MAX_IDS."""
    clauses = [c.strip() for c in _CLAUSE.findall(sentence) if c.strip()]
    texts = [re.sub(r"[,;:.!?…]+$", "", c) for c in clauses]
    ipa = phonemize(texts, voice.espeak_voice)
    marks = [_PUNCTUATION.get(c[-1], c[-1]) if c[-1] in ",;:.!?…" else "" for c in clauses]
    parts = [p + (m if m in voice.phoneme_id_map else "") for p, m in zip(ipa, marks) if p]
    chunks: list[list[int]] = []
    current = ""
    for part in parts:
        joined = f"{current} {part}".strip()
        if current and len(phoneme_ids(joined, voice.phoneme_id_map)[0]) > MAX_IDS:
            chunks.append(current)
            current = part
        else:
            current = joined
    if current:
        chunks.append(current)
    out = []
    for phonemes in chunks:
        ids, missing = phoneme_ids(phonemes, voice.phoneme_id_map)
        known = len(unicodedata.normalize("NFD", phonemes))
        if known and missing / known > MAX_MISSING_SHARE:
            raise EngineError(f"giọng {voice.name} không biết {missing}/{known} âm vị của đoạn "
                              f"{sentence[:40]!r}: có lẽ không phải giọng tiếng Việt")
        out.append(ids)
    return out


def run_model(session, voice: Voice, ids: list[int]) -> bytes:
    """One inference: 16-bit mono samples, peak-normalized like Piper (the programme is levelled later)."""
    import numpy as np

    feeds = {"input": np.array([ids], dtype=np.int64),
             "input_lengths": np.array([len(ids)], dtype=np.int64),
             "scales": np.array([voice.noise_scale, voice.length_scale, voice.noise_w], dtype=np.float32)}
    if "sid" in {i.name for i in session.get_inputs()}:
        feeds["sid"] = np.array([0], dtype=np.int64)
    try:
        audio = session.run(None, feeds)[0]
    except Exception as e:
        raise EngineError(f"giọng {voice.name} lỗi khi đọc ({_first_line(e)})") from e
    samples = np.asarray(audio, dtype=np.float32).reshape(-1)
    if samples.size == 0 or not np.all(np.isfinite(samples)):
        raise EngineError(f"giọng {voice.name} trả về âm thanh rỗng hoặc hỏng")
    peak = max(0.01, float(np.max(np.abs(samples))))
    scaled = np.clip(samples * (32767.0 / peak), -32768, 32767).astype("<i2")
    return scaled.tobytes()


def check_voice(model: Path, probe: str = "Xin chào bà con.") -> Voice:
    """Everything `broadcast voices add` checks: config, model inputs, and one short sentence spoken."""
    voice = read_voice(model)
    try:
        session = load_session(voice)
        if not run_model(session, voice, chunk_ids(probe, voice)[0]):
            raise EngineError(f"{model.name}: mô hình không tạo ra âm thanh")
    except EngineError as e:   # a file the officer chose: bad input, not a failure of the station
        raise InputError(e.message, hint="tải lại giọng (cả tệp .onnx và .onnx.json) từ nguồn chính thức") from e
    return voice


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
