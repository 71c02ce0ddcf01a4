"""One grading batch of ours, in a process of its own: the ``autograde grade`` command itself (its
console script's ``main``, so its start-up order, environment and exit are the ones measured),
reporting when each submission was done. Run by benchmarks/grading.py:

    python benchmarks/_ours.py COURSE SUBMISSIONS EXECUTOR WORKERS OUT.json

The command's modules are wrapped, not changed: once it has started its zygote (its first step),
the batch's functions are wrapped to note when the imports ended, when planning ended and when
each result was committed.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

STARTED = time.perf_counter()  # before the grader's imports: they are part of the batch's cost
STARTED_AT = time.time()       # the same instant on the wall clock: the parent adds the interpreter's start-up


def main(course_dir: str, submissions: str, executor: str, workers: str, out: str) -> None:
    import grader.cli.grading as command
    from grader.cli import main as autograde

    marks: dict[str, float] = {}
    done: list[tuple[str, float, float, str]] = []  # student, when, its seconds, route
    start_server = command.start_server

    def started(*args, **kwargs):
        start_server(*args, **kwargs)
        # what the command imports next (nothing more: the same modules, in the same order)
        import grader.grading.runner as runner

        start_workers, open_batch, grade_batch = runner.start_local_workers, runner.open_batch, runner.grade_batch

        def workers_started(*a, **k):
            marks.setdefault("imported", time.perf_counter() - STARTED)  # imports and the course read
            return start_workers(*a, **k)

        def planned(*a, **k):
            batch = open_batch(*a, **k)
            marks["batch_started"] = time.perf_counter() - STARTED  # planning ended
            return batch

        def graded(*a, **k):
            # grade_batch yields a result only after batch.record has committed it (grader/grading/runner.py)
            for result in grade_batch(*a, **k):
                done.append((result.student_id, time.perf_counter() - STARTED, result.outcome.seconds,
                             result.outcome.executor))
                yield result

        runner.start_local_workers, runner.open_batch, runner.grade_batch = workers_started, planned, graded

    command.start_server = started
    sys.argv = ["autograde", "grade", "cnn-fundamentals", "--submissions", submissions, "--course", course_dir,
                "--executor", executor, "--workers", workers, "--regrade"]
    code = 0
    try:
        autograde()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    Path(out).write_text(json.dumps({"code": code, "started_at": STARTED_AT, "imported": marks.get("imported", 0.0),
                                     "batch_started": marks.get("batch_started", 0.0), "done": done,
                                     "ended": time.perf_counter() - STARTED,
                                     "self_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
    sys.exit(code)


if __name__ == "__main__":
    main(*sys.argv[1:])
