"""Measure normalizer throughput (characters per second) on the seed plan and DOMAIN.md samples.

Run: .venv/bin/python benchmarks/bench_normalize.py [--rounds N] [--scaling]

--scaling also times each hostile piece of tests/normalize/test_normalize_properties.py at 1x and
10x length and exits 1 when ten times the text costs more than 25 times as much (not linear).
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

from broadcast.normalize import normalize

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


def _cost(text: str) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        normalize(text)
        best = min(best, time.perf_counter() - start)
    return best


def scaling() -> bool:
    """Ten times the text should take about ten times as long; True when every piece does."""
    import sys
    sys.path.insert(0, str(ROOT / "tests" / "normalize"))
    from test_normalize_properties import HOSTILE
    ok = True
    for piece in HOSTILE:
        small_text = piece * (3000 // len(piece) + 1)
        small, large = _cost(small_text), _cost(small_text * 10)
        ratio = large / max(small, 1e-4)
        ok &= ratio < 25
        print(f"{piece!r:40} {len(small_text):>6} chars {small * 1e3:8.2f} ms  x10 {large * 1e3:9.2f} ms  "
              f"ratio {ratio:5.1f}{'' if ratio < 25 else '  NOT LINEAR'}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--scaling", action="store_true", help="also check linear time per hostile piece")
    args = parser.parse_args()
    text = corpus()
    normalize(text)                                   # warm the caches and compiled patterns
    start = time.perf_counter()
    for _ in range(args.rounds):
        normalize(text)
    seconds = time.perf_counter() - start
    chars = len(text) * args.rounds
    print(f"{len(text)} characters x {args.rounds} rounds in {seconds:.3f} s: "
          f"{chars / seconds:,.0f} characters/s")
    if args.scaling and not scaling():
        raise SystemExit(1)


if __name__ == "__main__":
    main()
