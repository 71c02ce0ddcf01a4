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


def main(course_dir: str, submissions: str, executor: str, workers: str, out: str) -> None:
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
    for result in grade_batch(batch):
        done.append((result.student_id, time.perf_counter() - STARTED, result.outcome.seconds, result.outcome.executor))
    book.close()
    Path(out).write_text(json.dumps({"code": 0, "imported": imported, "batch_started": batch_started,
                                     "done": done, "ended": time.perf_counter() - STARTED,
                                     "self_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main(*sys.argv[1:])
