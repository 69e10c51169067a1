"""Measure normalizer throughput (characters per second) on the seed plan and DOMAIN.md samples.

Run: .venv/bin/python benchmarks/bench_normalize.py [--rounds N] [--linearity]

`--linearity` times ten times the text against the text for hostile pieces (the wall-clock
twin of the counted `tests/normalize/test_normalize_properties.py::test_linear_work`, which
cannot see regex backtracking inside C): a ratio far above 10 means a superlinear step.
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

from broadcast.normalize import NormalizeOptions, normalize

ROOT = Path(__file__).resolve().parents[1]
SHARED = next((p for p in (ROOT / "shared", ROOT.parent / "shared", Path("/work/shared")) if p.is_dir()),
              None)


def corpus() -> str:
    """The seed plan plus every quoted sample of DOMAIN.md §2; a built-in text when shared/ is absent."""
    parts = []
    if SHARED:
        parts += [p.read_text(encoding="utf-8") for p in sorted((SHARED / "seed").glob("*.txt"))]
        domain = SHARED / "DOMAIN.md"
        if domain.exists():
            parts += re.findall(r'^\s*> "(.+)"$', domain.read_text(encoding="utf-8"), flags=re.M)
    if not parts:
        parts = ["UBND xã thông báo: ngày 05/02/2024 lúc 7h30 tại nhà văn hóa thôn Đông, gọi 0912 345 678, "
                 "mức thu 105.300đ/hộ, đạt 100% kế hoạch giai đoạn 2021-2030."] * 50
    return "\n".join(parts)


def hostile_pieces() -> list[str]:
    """The hostile pieces of the property tests (one list for the counted test and this timing)."""
    import sys
    sys.path.insert(0, str(ROOT / "tests" / "normalize"))
    from test_normalize_properties import HOSTILE
    return HOSTILE


def linearity() -> None:
    """Best of three CPU timings of 10x the text over the text, per hostile piece."""
    def cost(text: str, options: NormalizeOptions) -> float:
        best = float("inf")
        for _ in range(3):
            start = time.process_time()            # CPU time: other processes' load counts less
            normalize(text, options)
            best = min(best, time.process_time() - start)
        return best

    worst = 0.0
    for options in (NormalizeOptions(), NormalizeOptions(join_lines=True)):   # the build joins lines
        for piece in hostile_pieces():
            small_repeat, large_repeat = (150, 1500) if len(piece) < 20 else (15, 150)
            ratio = cost(piece * large_repeat, options) / max(cost(piece * small_repeat, options), 1e-6)
            worst = max(worst, ratio)
            print(f"{piece!r:>24}  10x text: {ratio:5.1f}x time{'  (join_lines)' if options.join_lines else ''}")
    print(f"worst ratio {worst:.1f} (linear: about 10)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--linearity", action="store_true", help="time 10x text against 1x")
    args = parser.parse_args()
    if args.linearity:
        linearity()
        return
    text = corpus()
    normalize(text)                                   # warm the caches and compiled patterns
    start = time.perf_counter()
    for _ in range(args.rounds):
        normalize(text)
    seconds = time.perf_counter() - start
    chars = len(text) * args.rounds
    print(f"{len(text)} characters x {args.rounds} rounds in {seconds:.3f} s: "
          f"{chars / seconds:,.0f} characters/s")


if __name__ == "__main__":
    main()
