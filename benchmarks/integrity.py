"""How well ``autograde integrity`` finds copiers, and how many false pairs it lists, on simulated classes.

A class of 200 students with realistic mistakes (the families' named mistakes for each student's
own variant, and slips: one number off by one or ten, doubled, halved, a tenth, 10% off, of the
wrong sign) plus 10 pairs in which one student hands in the other's answers: 5 for every problem,
5 for half of them. Precision and recall at the default threshold, per seed and over all seeds.
Then honest classes (nobody copies) of 50, 200 and 1,000 students: the pairs listed at the default
threshold (all false) beside the number the shuffles expected. Each class is recorded in a real
gradebook and checked by ``check_integrity``, the function ``autograde integrity`` calls (see
benchmarks/_classroom.py).

    .venv/bin/python benchmarks/integrity.py [--seeds 5] [--honest-seeds 3] [--sizes 50,200,1000]
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._classroom import ASSIGNMENT, flagged, make_course, simulate  # noqa: E402
from grader.report.integrity import check_integrity  # noqa: E402


def copying(seeds: list[int], students: int = 200, full: int = 5, half: int = 5) -> None:
    print(f"\n{students} students, {full} copying every problem and {half} copying half of them ({ASSIGNMENT}), "
          "default threshold")
    print(f"{'seed':>4} {'threshold':>9} {'by chance':>9} {'listed':>6} {'full found':>10} {'half found':>10} "
          f"{'false':>5} {'seconds':>7}")
    listed = true = true_full = true_half = 0
    for seed in seeds:
        with tempfile.TemporaryDirectory() as tmp:
            course = make_course(Path(tmp) / "course", students)
            sim = simulate(course, full_copies=full, half_copies=half, seed=seed)
            start = time.perf_counter()
            result = check_integrity(course, ASSIGNMENT)
            seconds = time.perf_counter() - start
        found = flagged(result)
        full_pairs = {c.pair for c in sim.copies if c.full}
        half_pairs = sim.copied_pairs - full_pairs
        hits_full, hits_half = len(found & full_pairs), len(found & half_pairs)
        false = len(found - sim.copied_pairs)
        listed, true, true_full, true_half = listed + len(found), true + hits_full + hits_half, true_full + hits_full, true_half + hits_half
        print(f"{seed:>4} {result.threshold:>9.2f} {result.expected_by_chance:>9.2f} {len(found):>6} "
              f"{hits_full:>7} / {full} {hits_half:>7} / {half} {false:>5} {seconds:>7.1f}")
    runs = len(seeds)
    print(f"precision {true}/{listed} = {true / listed:.3f}; recall {true}/{runs * (full + half)} = "
          f"{true / (runs * (full + half)):.3f} (every problem copied: {true_full}/{runs * full}, "
          f"half of them: {true_half}/{runs * half})")


def honest(sizes: list[int], seeds: list[int]) -> None:
    print(f"\nHonest classes ({ASSIGNMENT}): pairs listed at the default threshold (all false) and the shuffles' "
          "expectation")
    print(f"{'students':>8} {'seed':>4} {'threshold':>9} {'listed':>6} {'by chance':>9} {'simulate s':>10} {'check s':>7}")
    for n in sizes:
        total, expected = 0, 0.0
        for seed in seeds:
            with tempfile.TemporaryDirectory() as tmp:
                start = time.perf_counter()
                course = make_course(Path(tmp) / "course", n)
                simulate(course, seed=seed)
                middle = time.perf_counter()
                result = check_integrity(course, ASSIGNMENT)
                end = time.perf_counter()
            total, expected = total + len(result.pairs), expected + result.expected_by_chance
            print(f"{n:>8} {seed:>4} {result.threshold:>9.2f} {len(result.pairs):>6} {result.expected_by_chance:>9.2f} "
                  f"{middle - start:>10.1f} {end - middle:>7.1f}")
        print(f"{n:>8} false pairs: {total} in {len(seeds)} class(es); the shuffles expected {expected:.2f} in all")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="simulated copying classes")
    parser.add_argument("--honest-seeds", type=int, default=3, help="simulated honest classes per size")
    parser.add_argument("--sizes", default="50,200,1000", help="sizes of the honest classes")
    args = parser.parse_args()
    print(f"autograde integrity on simulated classes; Python {platform.python_version()}, {platform.machine()}")
    if args.seeds:
        copying(list(range(1, args.seeds + 1)))
    honest([int(n) for n in args.sizes.split(",")], list(range(101, 101 + args.honest_seeds)))


if __name__ == "__main__":
    main()
