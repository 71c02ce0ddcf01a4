"""The hostile corpus as a benchmark: 40 honest submissions graded alone, then the same 40 with the
whole corpus of ``tests/hostile`` in one batch, on each executor asked for. Prints each batch's
wall time, the peak memory of the grader's own processes during it (the batch and its workers,
not the runs, whose memory their control groups bound), what the 19 MB literal notebook cost the
worker before it was handed to the sandbox, the time ``autograde feedback`` takes for the whole
batch, and the table of docs/security.md: per case, what it tries, what it got, how long its run
took and the most memory it held (all its processes together) on each executor, and what stopped
it. Needs root, like the corpus itself.

    .venv/bin/python benchmarks/hostile.py fork kernel
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._measure import GraderPeak, loadavg  # noqa: E402
from grader.grading.literal import read_literals  # noqa: E402
from grader.notebook.read import read_notebook  # noqa: E402
from grader.report import feedback  # noqa: E402
from tests.hostile.conftest import CORPUS, WORKERS, Batches  # noqa: E402


def _regrade(proof, executor: str) -> str:
    """The corpus's course graded again by ``autograde grade --regrade`` in a process of its own,
    the grader's memory sampled meanwhile: its own, not that of the test code that built the corpus."""
    command = [sys.executable, "-m", "grader", "grade", "a1", "--regrade", "--executor", executor,
               "--workers", str(WORKERS), "--course", str(proof.ctx.students.course.root)]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with GraderPeak(process.pid) as peak:
        process.wait()
    return (f"{executor}: autograde grade --regrade of the same 123 in {time.perf_counter() - start:.1f} s; grader peak "
            f"memory: the batch's process {peak.main_mb:.0f} MB, the largest worker {peak.workers_mb:.0f} MB")


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
    right = sum(row.verdict == "correct" for row in rows.values() if not row.manual)
    run = f" ({outcome.status})" if outcome is not None and outcome.status not in ("ok", "invalid") else ""
    return f"{submission.status}{run}, {right}/7 right"


def _literal_decision(proof) -> float:
    """Seconds the worker spends on the 19 MB literal notebook before handing it to the sandbox."""
    student = next(case.student for case in CORPUS if case.name == "literal_19mb")
    nb = read_notebook((proof.ctx.students.folder(student) / "a1.ipynb").read_bytes())
    start = time.perf_counter()
    assert read_literals(nb.cells, [], "@@m@@") is None
    return time.perf_counter() - start


def _feedback(proof) -> str:
    times: dict[str, float] = {}
    page = feedback.FeedbackWriter.page

    def timed(self, record):
        start = time.perf_counter()
        try:
            return page(self, record)
        finally:
            times[record.student_id] = time.perf_counter() - start

    feedback.FeedbackWriter.page = timed
    try:
        start = time.perf_counter()
        result = feedback.write_feedback(proof.ctx.students.course, "a1")
        seconds = time.perf_counter() - start
    finally:
        feedback.FeedbackWriter.page = page
    slowest = max(times, key=times.get)
    return (f"feedback for the batch: {len(result.pages)} pages in {seconds:.1f} s "
            f"({1000 * seconds / max(1, len(result.pages)):.0f} ms a page; the slowest, {slowest}, "
            f"{times[slowest]:.2f} s), {len(result.failed)} failed")


def _cell(proof, case) -> str:
    outcome = proof.run.outcomes.get(case.student)
    if outcome is None or outcome.status == "invalid":
        return "- | -"
    peak = f"{outcome.memory_peak_mb:.0f}" if outcome.memory_peak_mb is not None else "-"
    return f"{outcome.seconds:.1f} | {peak}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("executors", nargs="+", choices=("fork", "kernel"))
    executors = parser.parse_args(argv).executors
    folders = _Folders()
    proofs = {}
    print(f"load average before: {loadavg()}")
    batches = Batches(folders)
    try:
        for executor in executors:
            alone, proofs[executor] = batches.honest(executor), batches.corpus(executor)
            print(f"{executor}, {WORKERS} workers: the 40 honest alone {alone.seconds:.1f} s; with the "
                  f"{len(CORPUS)} hostile ({len(proofs[executor].run.rows)} submissions) {proofs[executor].run.seconds:.1f} s")
        for executor in executors:
            print(_regrade(proofs[executor], executor))
        first = proofs[executors[0]]
        print(f"the 19 MB literal notebook: {1000 * _literal_decision(first):.2f} ms in the worker before the sandbox "
              f"(its run: {first.run.outcomes[next(c.student for c in CORPUS if c.name == 'literal_19mb')].seconds:.1f} s)")
        print(_feedback(first))
    finally:
        batches.close()
        shutil.rmtree(folders.root, ignore_errors=True)
    print(f"load average after: {loadavg()}")
    print("\n| case | what it tries | what it got | " + " | ".join(f"{e} (s) | {e} peak (MB)" for e in executors)
          + " | what stopped it |")
    print("|---|---|---|" + "---|---|" * len(executors) + "---|")
    for case in CORPUS:
        cells = " | ".join(_cell(proofs[executor], case) for executor in executors)
        print(f"| `{case.name}` | {case.attack} | {_got(first, case)} | {cells} | {case.stopped_by} |")


if __name__ == "__main__":
    main()
