"""The hostile corpus as a benchmark: 40 honest submissions graded alone, then the same 40 with the
whole corpus of ``tests/hostile`` in one batch, on each executor asked for. Prints each batch's
wall time and the table of docs/security.md: per case, what it tries, what it got, how long its
run took on each executor and what stopped it. Needs root, like the corpus itself.

    .venv/bin/python benchmarks/hostile.py fork kernel
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.hostile.conftest import CORPUS, WORKERS, Batches  # noqa: E402


class _Folders:
    """Stands in for pytest's ``tmp_path_factory``."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="autograde-hostile-benchmark-"))

    def mktemp(self, name: str) -> Path:
        path = self.root / name
        path.mkdir()
        return path


def _got(proof, case) -> str:
    submission, rows = proof.run.rows[case.student]
    outcome = proof.run.outcomes.get(case.student)
    right = sum(row["verdict"] == "correct" for row in rows.values() if not row["manual"])
    run = f" ({outcome.status})" if outcome is not None and outcome.status not in ("ok", "invalid") else ""
    return f"{submission.status}{run}, {right}/7 right"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("executors", nargs="+", choices=("fork", "kernel"))
    executors = parser.parse_args(argv).executors
    folders = _Folders()
    proofs = {}
    try:
        batches = Batches(folders)
        for executor in executors:
            alone, proofs[executor] = batches.honest(executor), batches.corpus(executor)
            print(f"{executor}, {WORKERS} workers: the 40 honest alone {alone.seconds:.1f} s; with the "
                  f"{len(CORPUS)} hostile ({len(proofs[executor].run.rows)} submissions) {proofs[executor].run.seconds:.1f} s")
    finally:
        shutil.rmtree(folders.root, ignore_errors=True)
    first = proofs[executors[0]]
    print("\n| case | what it tries | what it got | " + " | ".join(f"{e} (s)" for e in executors) + " | what stopped it |")
    print("|---|---|---|" + "---|" * len(executors) + "---|")
    for case in CORPUS:
        seconds = []
        for executor in executors:
            outcome = proofs[executor].run.outcomes.get(case.student)
            seconds.append(f"{outcome.seconds:.1f}" if outcome is not None and outcome.status != "invalid" else "-")
        print(f"| `{case.name}` | {case.attack} | {_got(first, case)} | {' | '.join(seconds)} | {case.stopped_by} |")


if __name__ == "__main__":
    main()
