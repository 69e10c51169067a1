"""Installed Piper voices: the folder of `.onnx` + `.onnx.json` pairs, what each one says about itself, and adding one.

A voice is installed when both files are in the voices folder (`[speech] voices_dir`, default
`voices/` in the station folder): `voices/vi_VN-vais1000-medium.onnx` and
`voices/vi_VN-vais1000-medium.onnx.json`. Its name is the file name without `.onnx`.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from broadcast.errors import EngineError, InputError

SPECIAL = ("_", "^", "$")          # pad, start and end of utterance in every Piper phoneme_id_map
MAX_JSON_BYTES = 1 << 20
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,80}")


@dataclass(frozen=True)
class Voice:
    """One installed (or about to be installed) Piper voice, from its `.onnx.json`."""

    name: str
    model: Path
    config: Path
    sample_rate: int
    espeak_voice: str
    phoneme_id_map: dict[str, tuple[int, ...]]
    noise_scale: float
    length_scale: float
    noise_w: float
    speakers: int
    language: str
    quality: str
    dataset: str

    def describe(self) -> str:
        size = self.model.stat().st_size / 1e6 if self.model.is_file() else 0.0
        who = f", {self.speakers} người đọc" if self.speakers > 1 else ""
        return (f"{self.name}: {self.language or '?'}, {self.sample_rate} Hz, chất lượng {self.quality or '?'}"
                f"{who}, {size:.0f} MB{', dữ liệu ' + self.dataset if self.dataset else ''}")


def read_voice(model: Path) -> Voice:
    """The voice whose model is `model` (its config is `model` + ".json"); InputError saying what is wrong."""
    model = Path(model)
    config = model.with_name(model.name + ".json")
    if model.suffix != ".onnx":
        raise InputError(f"{model}: giọng Piper phải là tệp .onnx", hint="chọn tệp <tên>.onnx (kèm <tên>.onnx.json)")
    if not model.is_file():
        raise InputError(f"không thấy tệp giọng {model}")
    if not config.is_file():
        raise InputError(f"thiếu tệp cấu hình {config.name} bên cạnh {model.name}",
                         hint="mỗi giọng Piper gồm hai tệp: <tên>.onnx và <tên>.onnx.json; chép cả hai")
    if config.stat().st_size > MAX_JSON_BYTES:
        raise InputError(f"{config}: tệp cấu hình quá lớn, không phải cấu hình giọng Piper")
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise InputError(f"{config}: không đọc được JSON ({e})", path=str(config)) from None
    return _voice_from(model, config, data)


def _voice_from(model: Path, config: Path, data: object) -> Voice:
    def bad(what: str) -> InputError:
        return InputError(f"{config.name}: {what}", path=str(config),
                          hint="tệp này không phải cấu hình của một giọng Piper; tải lại cả hai tệp của giọng")

    if not isinstance(data, dict):
        raise bad("nội dung phải là một đối tượng JSON")
    if data.get("phoneme_type", "espeak") != "espeak":
        raise bad(f"giọng dùng phoneme_type '{data.get('phoneme_type')}', đài chỉ đọc được giọng 'espeak'")
    raw_map = data.get("phoneme_id_map")
    if not isinstance(raw_map, dict) or not raw_map:
        raise bad("thiếu phoneme_id_map")
    id_map: dict[str, tuple[int, ...]] = {}
    for phoneme, ids in raw_map.items():
        if not (isinstance(ids, list) and ids and all(isinstance(i, int) and i >= 0 for i in ids)):
            raise bad(f"phoneme_id_map['{phoneme}'] phải là danh sách số nguyên không âm")
        id_map[phoneme] = tuple(ids)
    missing = [s for s in SPECIAL if s not in id_map]
    if missing:
        raise bad(f"phoneme_id_map thiếu ký hiệu {', '.join(repr(m) for m in missing)}")
    audio = data.get("audio") if isinstance(data.get("audio"), dict) else {}
    rate = audio.get("sample_rate")
    if not isinstance(rate, int) or not 8000 <= rate <= 48000:
        raise bad(f"audio.sample_rate phải là số nguyên 8000-48000, đang là {rate!r}")
    espeak = data.get("espeak") if isinstance(data.get("espeak"), dict) else {}
    inference = data.get("inference") if isinstance(data.get("inference"), dict) else {}
    scales = {}
    for key, default in (("noise_scale", 0.667), ("length_scale", 1.0), ("noise_w", 0.8)):
        value = inference.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 10:
            raise bad(f"inference.{key} phải là số từ 0 đến 10, đang là {value!r}")
        scales[key] = float(value)
    speakers = data.get("num_speakers", 1)
    if not isinstance(speakers, int) or speakers < 1:
        raise bad(f"num_speakers phải là số nguyên dương, đang là {speakers!r}")
    language = data.get("language") if isinstance(data.get("language"), dict) else {}
    return Voice(name=model.name[:-len(".onnx")], model=model, config=config, sample_rate=rate,
                 espeak_voice=str(espeak.get("voice") or "vi"), phoneme_id_map=id_map,
                 speakers=speakers, language=str(language.get("code", "")),
                 quality=str(audio.get("quality", "")), dataset=str(data.get("dataset", "")), **scales)


def installed(voices_dir: Path) -> list[Voice]:
    """Every complete voice in the folder, by name; a broken pair is skipped (`broadcast voices` says why)."""
    return [v for v, _problem in scan(voices_dir) if v is not None]


def scan(voices_dir: Path) -> list[tuple[Voice | None, str]]:
    """(voice, "") or (None, "name: problem") for each `.onnx` in the folder, by name."""
    folder = Path(voices_dir)
    if not folder.is_dir():
        return []
    rows: list[tuple[Voice | None, str]] = []
    for model in sorted(folder.glob("*.onnx")):
        try:
            rows.append((read_voice(model), ""))
        except InputError as e:
            rows.append((None, f"{model.name}: {e.message}"))
    return rows


def choose(voices_dir: Path, name: str) -> Voice:
    """The voice called `name`, or the only one installed when `name` is empty; EngineError otherwise."""
    voices = installed(voices_dir)
    if name:
        for voice in voices:
            if voice.name == name:
                return voice
        have = ", ".join(v.name for v in voices) or "chưa có giọng nào"
        raise EngineError(f"chưa cài giọng Piper '{name}' trong {voices_dir} (đang có: {have})",
                          hint="cài giọng: broadcast voices add ĐƯỜNG_DẪN/<tên>.onnx")
    if not voices:
        raise EngineError(f"chưa cài giọng Piper nào trong {voices_dir}",
                          hint="cài giọng: broadcast voices add ĐƯỜNG_DẪN/<tên>.onnx")
    if len(voices) > 1:
        raise EngineError(f"có {len(voices)} giọng Piper ({', '.join(v.name for v in voices)}) mà chưa chọn giọng nào",
                          hint="ghi piper_voice = \"<tên>\" trong [speech] của broadcast.toml")
    return voices[0]


def install(voice: Voice, voices_dir: Path) -> Voice:
    """Copy a checked voice into the folder: the config first, the model last, each atomically.

    A listing only sees a voice once its model is in place, so a copy cut short is never used.
    """
    if not _NAME.fullmatch(voice.name):
        raise InputError(f"tên giọng '{voice.name}' không hợp lệ",
                         hint="đổi tên tệp chỉ còn chữ không dấu, số, '-', '_' hoặc '.'")
    folder = Path(voices_dir)
    folder.mkdir(parents=True, exist_ok=True)
    for src in (voice.config, voice.model):
        dst = folder / src.name
        if src.resolve() == dst.resolve():
            continue
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{src.name[:20]}-", suffix=".tmp")
        try:
            with open(fd, "wb") as out, src.open("rb") as inp:
                shutil.copyfileobj(inp, out, 1 << 20)
            Path(tmp).replace(dst)
        finally:
            Path(tmp).unlink(missing_ok=True)
    return read_voice(folder / voice.model.name)
