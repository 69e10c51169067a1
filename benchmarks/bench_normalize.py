"""Measure normalizer throughput (characters per second) on the seed plan and DOMAIN.md samples.

Run: .venv/bin/python benchmarks/bench_normalize.py [--rounds N]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
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


if __name__ == "__main__":
    main()
