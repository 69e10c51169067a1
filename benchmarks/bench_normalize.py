"""Normalizer speed side by side with vietnormalizer: start-up and steady state, per CPU-second.

Run: .venv/bin/python benchmarks/bench_normalize.py [--megabytes 1] [--linearity]

Start-up is the CPU time of `broadcast normalize` reading one line (in a folder with no station and
in the repository's sample station), against a Python process that imports vietnormalizer and reads
one line. Steady state is the seed plan (shared/seed) repeated to --megabytes, normalized line by
line in this process, in characters per CPU-second; then the same text through each whole process
(start-up included). vietnormalizer comes with the `bench` extra (pip install -e '.[bench]'); without
it only this normalizer's figures are printed. CPU time, not wall time, so other processes' load
counts less; still report `cat /proc/loadavg` with the figures.

`--linearity` times ten times the text against the text for hostile pieces (the wall-clock
twin of the counted `tests/normalize/test_normalize_properties.py::test_linear_work`, which
cannot see regex backtracking inside C): a ratio far above 10 means a superlinear step.
"""

from __future__ import annotations

import argparse
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from broadcast.normalize import NormalizeOptions, normalize

ROOT = Path(__file__).resolve().parents[1]
SHARED = next((p for p in (ROOT / "shared", ROOT.parent / "shared", Path("/work/shared")) if p.is_dir()),
              None)
BROADCAST = Path(sys.executable).with_name("broadcast")
VIETNORMALIZER_LOOP = ("import sys\nfrom vietnormalizer import VietnameseNormalizer\n"
                       "n = VietnameseNormalizer()\nfor line in sys.stdin: print(n.normalize(line.rstrip('\\n')))\n")


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


def seed_plan(megabytes: float) -> str:
    """The seed plan (the issue's measure) repeated to about `megabytes` of UTF-8."""
    seed = sorted((SHARED / "seed").glob("*.txt"))[0].read_text(encoding="utf-8") if SHARED else corpus()
    size = len(seed.encode("utf-8"))
    return (seed.rstrip("\n") + "\n") * max(1, round(megabytes * 1_000_000 / size))


def vietnormalizer():
    """vietnormalizer's normalize function, or None when the `bench` extra is not installed."""
    try:
        from vietnormalizer import VietnameseNormalizer
    except ImportError:
        return None
    return VietnameseNormalizer().normalize


def child_cpu(command: list[str], stdin: bytes, cwd: Path) -> float:
    """CPU seconds (user + system) a child process used to read `stdin`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, input=stdin, stdout=subprocess.DEVNULL, cwd=cwd, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def startup(runs: int, have_peer: bool) -> None:
    line = "UBND xã thông báo: ngày 05/02/2024 lúc 7h30.\n".encode()
    with tempfile.TemporaryDirectory() as empty:
        cases = [("python -c pass", [sys.executable, "-c", "pass"], Path(empty)),
                 ("broadcast normalize (no station)", [str(BROADCAST), "normalize"], Path(empty)),
                 ("broadcast normalize (sample station)", [str(BROADCAST), "normalize"], ROOT)]
        if have_peer:
            cases.append(("vietnormalizer (import, one line)", [sys.executable, "-c", VIETNORMALIZER_LOOP],
                          Path(empty)))
        print(f"start-up, CPU-s over {runs} runs (min / median):")
        for name, command, cwd in cases:
            times = [child_cpu(command, line, cwd) for _ in range(runs)]
            print(f"  {name:<38} {min(times):.3f} / {statistics.median(times):.3f}")


def steady(megabytes: float, peer) -> None:
    text = seed_plan(megabytes)
    lines = text.splitlines()
    contenders = [("broadcast", normalize)] + ([("vietnormalizer", peer)] if peer else [])
    for _, run in contenders:
        run("UBND xã")                                 # caches and compiled patterns
    best: dict[str, float] = {}
    for _ in range(2):                                 # interleaved, best of two: load hits both alike
        for name, run in contenders:
            start = time.process_time()
            for line in lines:
                run(line)
            best[name] = max(best.get(name, 0.0), len(text) / (time.process_time() - start))
    print(f"steady state, seed plan repeated to {len(text.encode('utf-8')) / 1e6:.2f} MB "
          f"({len(lines):,} lines, {len(text):,} characters), line by line:")
    for name, rate in best.items():
        print(f"  {name:<38} {rate:>10,.0f} characters per CPU-s")
    if peer:
        print(f"  ratio broadcast / vietnormalizer: {best['broadcast'] / best['vietnormalizer']:.2f}")

    data = text.encode("utf-8")
    with tempfile.TemporaryDirectory() as empty:
        whole = [("broadcast normalize < text", [str(BROADCAST), "normalize"])]
        if peer:
            whole.append(("vietnormalizer loop < text", [sys.executable, "-c", VIETNORMALIZER_LOOP]))
        print("whole process, start-up included:")
        rates = {}
        for name, command in whole:
            seconds = child_cpu(command, data, Path(empty))
            rates[name] = len(text) / seconds
            print(f"  {name:<38} {seconds:6.2f} CPU-s  {rates[name]:>10,.0f} characters per CPU-s")
        if peer:
            print(f"  ratio: {rates[whole[0][0]] / rates[whole[1][0]]:.2f}")


def hostile_pieces() -> list[str]:
    """The hostile pieces of the property tests (one list for the counted test and this timing)."""
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
    parser.add_argument("--megabytes", type=float, default=1.0, help="size of the repeated seed plan")
    parser.add_argument("--runs", type=int, default=5, help="start-up runs per command")
    parser.add_argument("--linearity", action="store_true", help="time 10x text against 1x")
    args = parser.parse_args()
    if args.linearity:
        linearity()
        return
    peer = vietnormalizer()
    if peer is None:
        print("vietnormalizer is not installed (pip install -e '.[bench]'): this normalizer only")
    startup(args.runs, peer is not None)
    steady(args.megabytes, peer)


if __name__ == "__main__":
    main()
