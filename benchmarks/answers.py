"""How long checking one answer takes: the corpus of realistic answers and hostile ones, worst case first.

    .venv/bin/python benchmarks/answers.py [--repeat 3]

Every answer of ``tests/corpus/cases.py`` is checked once cold (the expression caches empty; the
imports already warm) and then ``--repeat`` times warm; then answers built to be slow (integers
of thousands of digits, nesting thousands deep, 100,000 entries, expressions at every limit,
one that sends sympy's ``simplify`` to its separate process); then every corpus line through
``autograde check --batch -`` in one process. Prints the worst time per check, and where.
Timings on a shared machine are noisy: the load average is printed beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader import symbolic  # noqa: E402
from grader.checking import check  # noqa: E402
from grader.problems import get_family  # noqa: E402
from tests.corpus.cases import CASES, KL, README, SEED_CONV, STANDARD  # noqa: E402


def _hostile() -> list[tuple[str, str, dict, object]]:
    deep: list = [1]
    for _ in range(3000):
        deep = [deep]
    right = {"log_term": "-log(sigma)", "q_term": "-1/2", "p_term": "(sigma^2 + mu^2)/2"}
    return [
        ("a 400-digit integer", "kl_gaussian", KL, 10**400),
        ("a 4,299-digit integer", "kl_gaussian", KL, 10**4298),
        ("a 4,299-digit integer as a shape", "conv_output_shape", README, {"out_channels": 16, "out_size": [10**4298, 1]}),
        ("3,000-deep nesting", "conv_values", SEED_CONV, deep),
        ("3,000-deep nesting as a shape", "conv_output_shape", README, deep),
        ("100,001 entries", "conv_values", SEED_CONV, [[0.5] * 1000] * 101),
        ("100,000 entries, wrong shape", "conv_values", SEED_CONV, [[0.5] * 1000] * 100),
        ("20,000 characters of text", "kl_gaussian", KL, "9" * 20_000),
        ("400 characters of expression", "kl_derivation", STANDARD, {**right, "kl": "+".join(["mu"] * 133)}),
        ("an expression at the node limit", "kl_derivation", STANDARD, {**right, "kl": "*".join(["(mu+sigma)"] * 40)}),
        ("a tower of exponents", "kl_derivation", STANDARD, {**right, "kl": "exp(exp(exp(exp(exp(mu**2+7)))))"}),
        ("undefined everywhere", "kl_derivation", STANDARD, {**right, "kl": "log(-sigma**2-1) + log(sigma**2)"}),
        ("abs past the probes: simplify in a process", "kl_derivation", STANDARD,
         {**right, "kl": "(mu^2+sigma^2-1-log(sigma^2))/2 + abs(mu-5000) + mu - 5000"}),
        ("LaTeX with nested fractions", "kl_derivation", STANDARD,
         {**right, "kl": r"\frac{\frac{\mu^2}{\frac{1}{1}}+\sigma^2-1-\ln\sigma^2}{\frac{4}{2}}"}),
    ]


def _time(family: str, params: dict, answer: object) -> tuple[float, bool]:
    start = time.perf_counter()
    result = check(get_family(family), params, answer)
    return time.perf_counter() - start, result.correct


def _clear_caches() -> None:
    symbolic._read.cache_clear()
    symbolic._compare.cache_clear()


def _corpus(repeat: int) -> None:
    cold: dict[str, list[tuple[float, str]]] = defaultdict(list)
    warm: dict[str, list[float]] = defaultdict(list)
    for case in CASES:
        _clear_caches()
        answer = json.loads(json.dumps(case.answer))
        seconds, _ = _time(case.family, case.params, answer)
        cold[case.family].append((seconds, case.id))
        for _ in range(repeat):
            warm[case.family].append(_time(case.family, case.params, answer)[0])
    print(f"\nCorpus: {len(CASES)} answers, each checked once cold (caches cleared) and {repeat} times warm (ms)")
    print(f"{'family':30} {'n':>4} {'cold median':>12} {'cold worst':>11} {'warm median':>12} {'warm worst':>11}  worst case")
    worst_all = (0.0, "")
    for family in sorted(cold):
        times = cold[family]
        top = max(times)
        worst_all = max(worst_all, top)
        print(f"{family:30} {len(times):>4} {statistics.median(t for t, _ in times) * 1e3:>12.2f} {top[0] * 1e3:>11.2f} "
              f"{statistics.median(warm[family]) * 1e3:>12.2f} {max(warm[family]) * 1e3:>11.2f}  {top[1]}")
    print(f"worst time per check, corpus: {worst_all[0] * 1e3:.1f} ms ({worst_all[1]})")


def _hostile_table() -> None:
    print("\nHostile answers, each checked once cold (ms)")
    worst = (0.0, "")
    for what, family, params, answer in _hostile():
        _clear_caches()
        seconds, correct = _time(family, params, answer)
        worst = max(worst, (seconds, what))
        print(f"  {seconds * 1e3:10.1f}  {family:20} {'right' if correct else 'wrong':6} {what}")
    print(f"worst time per check, hostile: {worst[0] * 1e3:.1f} ms ({worst[1]})")


def _batch() -> None:
    by_family = defaultdict(list)
    for case in CASES:
        by_family[case.family].append(json.dumps({"params": case.params, "answer": case.answer}))
    print("\n`autograde check FAMILY --batch -`, the corpus's lines in one process per family (s, start-up included)")
    total = 0.0
    for family, lines in sorted(by_family.items()):
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "grader", "check", family, "--batch", "-"], input="\n".join(lines) + "\n",
                              capture_output=True, text=True, cwd=ROOT, check=True)
        seconds = time.perf_counter() - start
        total += seconds
        answered = len(proc.stdout.splitlines())
        print(f"  {family:30} {len(lines):>4} lines  {answered:>4} verdicts  {seconds:6.2f} s")
    print(f"  all families: {total:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="warm checks per corpus answer")
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores, shared: noisy)")
    _time("kl_derivation", STANDARD, {"kl": "mu"})  # imports sympy and mpmath once, outside every timing
    _corpus(args.repeat)
    _hostile_table()
    _batch()
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
