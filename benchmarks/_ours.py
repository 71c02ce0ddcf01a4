"""One grading batch of ours, in a process of its own (as ``autograde grade`` runs it), reporting
when each submission was done. Run by benchmarks/grading.py:

    python benchmarks/_ours.py COURSE SUBMISSIONS EXECUTOR WORKERS OUT.json
"""

from __future__ import annotations

import json
import resource
import sys
import time

STARTED = time.perf_counter()  # before the grader's imports: they are part of the batch's cost


class _Clock:
    """A harness plugin noting when planning ended and when each submission was recorded."""

    def __init__(self) -> None:
        self.batch_started = 0.0
        self.done: list[tuple[str, float, float, str]] = []  # student, when, its seconds, route

    def pytest_grader_batch_started(self, batch, total):
        self.batch_started = time.perf_counter() - STARTED

    def pytest_grader_submission_done(self, batch, planned, outcome, rows, done, total):
        self.done.append((planned.student.student_id, time.perf_counter() - STARTED, outcome.seconds, outcome.executor))


def main(course_dir: str, submissions: str, executor: str, workers: str, out: str) -> None:
    from pathlib import Path

    from grader.config import load_course
    from grader.grading.runner import grade

    imported = time.perf_counter() - STARTED
    clock = _Clock()
    code = grade(load_course(Path(course_dir)), "cnn-fundamentals", submissions=Path(submissions),
                 workers=int(workers), executor=executor, regrade=True, plugins=[clock])
    Path(out).write_text(json.dumps({"code": code, "imported": imported, "batch_started": clock.batch_started,
                                     "done": clock.done, "ended": time.perf_counter() - STARTED,
                                     "self_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main(*sys.argv[1:])
