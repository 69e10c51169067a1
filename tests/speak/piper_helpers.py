"""A tiny ONNX model with a Piper voice's inputs and outputs, built by the tests themselves (no download).

It is a contract fixture, not a voice: each phoneme id becomes HOP samples of a tone whose pitch
follows the id, scaled by the length scale, so the audio's length tells how many ids went in.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

HOP = 512                  # samples per phoneme id
SAMPLE_RATE = 22050
# Every code point espeak-ng's Vietnamese IPA can hold, after NFD (letters, IPA, tones, marks).
_SYMBOLS = sorted(set(unicodedata.normalize(
    "NFD", "abcdefghijklmnopqrstuvwxyz0123456789 ,.;:!?"
           "ɐɑɒæɓβɔɕçɗɖðəɘɚɛɜɝɞɟʄɡɠɢʛɦɧħɥʜɨɪʝɭɬɫɮʟɱɯɰŋɳɲɴøɵɸθœɶɹɺɾɻʀʁɽʂʃʈʉʊʋʌɣɤʍχʎʏʑʐʒʔʕʢ"
           "ˈˌːˑʼʰʱʲʷˠˤ˞̪̩̃̚͡")))


def phoneme_id_map(symbols=_SYMBOLS) -> dict[str, list[int]]:
    ids = {"_": [0], "^": [1], "$": [2]}
    for n, symbol in enumerate(s for s in symbols if s not in ids):
        ids[symbol] = [n + 3]
    return ids


def model_bytes(*, with_sid: bool = False, inputs: tuple[str, ...] | None = None) -> bytes:
    import onnx
    from onnx import TensorProto, helper

    names = inputs or ("input", "input_lengths", "scales", *(("sid",) if with_sid else ()))
    shapes = {"input": (TensorProto.INT64, [1, "n"]), "input_lengths": (TensorProto.INT64, [1]),
              "scales": (TensorProto.FLOAT, [3]), "sid": (TensorProto.INT64, [1])}
    graph_inputs = [helper.make_tensor_value_info(n, *shapes.get(n, (TensorProto.FLOAT, [1]))) for n in names]
    ramp = helper.make_tensor("ramp", TensorProto.FLOAT, [1, 1, HOP], [i * 0.002 for i in range(HOP)])
    shape = helper.make_tensor("shape", TensorProto.INT64, [3], [1, 1, -1])
    axes = helper.make_tensor("axes", TensorProto.INT64, [1], [2])
    index = helper.make_tensor("one", TensorProto.INT64, [1], [1])
    half = helper.make_tensor("half", TensorProto.FLOAT, [], [0.5])
    nodes = [
        helper.make_node("Cast", ["input"], ["ids_f"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["ids_f", "axes"], ["ids_3d"]),            # [1, n, 1]
        helper.make_node("Gather", ["scales", "one"], ["length_scale"]),          # [1]
        helper.make_node("Mul", ["ids_3d", "length_scale"], ["scaled"]),
        helper.make_node("Mul", ["scaled", "ramp"], ["phase"]),                   # [1, n, HOP]
        helper.make_node("Sin", ["phase"], ["tone"]),
        helper.make_node("Mul", ["tone", "half"], ["quiet"]),
        helper.make_node("Reshape", ["quiet", "shape"], ["output"]),              # [1, 1, n*HOP]
    ]
    graph = helper.make_graph(nodes, "piper-contract", graph_inputs,
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, "t"])],
                              initializer=[ramp, shape, axes, index, half])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


def write_voice(folder: Path, name: str = "vi_VN-kiemthu-x_low", *, with_sid: bool = False,
                config: dict | None = None, inputs: tuple[str, ...] | None = None) -> Path:
    """`folder/name.onnx` and its `.onnx.json`; returns the model path."""
    folder.mkdir(parents=True, exist_ok=True)
    model = folder / f"{name}.onnx"
    model.write_bytes(model_bytes(with_sid=with_sid, inputs=inputs))
    data = {"audio": {"sample_rate": SAMPLE_RATE, "quality": "x_low"}, "espeak": {"voice": "vi"},
            "inference": {"noise_scale": 0.667, "length_scale": 1.0, "noise_w": 0.8},
            "phoneme_type": "espeak", "phoneme_id_map": phoneme_id_map(),
            "num_symbols": 256, "num_speakers": 2 if with_sid else 1,
            "language": {"code": "vi_VN"}, "dataset": "kiemthu"}
    data.update(config or {})
    (folder / f"{name}.onnx.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return model
