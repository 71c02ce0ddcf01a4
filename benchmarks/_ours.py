"""One grading batch of ours, in a process of its own (as ``autograde grade`` runs it: the workers'
process server started before the grader's other imports), reporting when each submission was done.
Run by benchmarks/grading.py:

    python benchmarks/_ours.py COURSE SUBMISSIONS EXECUTOR WORKERS OUT.json
"""

from __future__ import annotations

import json
import resource
import sys
import time

STARTED = time.perf_counter()  # before the grader's imports: they are part of the batch's cost
STARTED_AT = time.time()       # the same instant on the wall clock: the parent adds the interpreter's start-up


def main(course_dir: str, submissions: str, executor: str, workers: str, out: str) -> None:
    from grader.grading.pool import start_server

    start_server(executor)  # what the ``grade`` command does first (grader/cli/grading.py)
    from pathlib import Path

    from grader.config import load_course
    from grader.gradebook import Gradebook
    from grader.grading.runner import grade_batch, open_batch

    imported = time.perf_counter() - STARTED
    done: list[tuple[str, float, float, str]] = []  # student, when, its seconds, route
    course = load_course(Path(course_dir))
    book = Gradebook(course.config.gradebook, course.root)
    batch = open_batch(course, "cnn-fundamentals", gradebook=book, submissions=Path(submissions),
                       workers=int(workers), executor=executor, regrade=True)
    batch_started = time.perf_counter() - STARTED  # planning ended
    # grade_batch yields a result only after batch.record has committed it (grader/grading/runner.py)
    for result in grade_batch(batch):
        done.append((result.student_id, time.perf_counter() - STARTED, result.outcome.seconds, result.outcome.executor))
    book.close()
    Path(out).write_text(json.dumps({"code": 0, "started_at": STARTED_AT, "imported": imported,
                                     "batch_started": batch_started, "done": done,
                                     "ended": time.perf_counter() - STARTED,
                                     "self_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main(*sys.argv[1:])
