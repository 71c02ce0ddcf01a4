"""The local worker pool: every job comes back exactly once, whatever a worker does."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from grader.grading import pool
from grader.grading.jobs import ExecutionOutcome, SubmissionJob
from grader.grading.pool import run_early, run_jobs, start_workers
from grader.sandbox.executors import ExecutorName


def die_on_killer(job: SubmissionJob) -> ExecutionOutcome:
    """A stand-in for execute_submission whose worker process dies on one job (a grader bug or
    the OOM killer would do that; student code runs in a child and cannot)."""
    if job.key == "killer":
        os._exit(1)
    time.sleep(0.05)
    return ExecutionOutcome(key=job.key, status="ok")


def test_a_dying_worker_fails_only_its_own_job_and_loses_nothing():
    jobs = [SubmissionJob(key=k, data=b"", params={}, slots={}, executor="kernel")  # no zygote to warm
            for k in ["a", "b", "c", "killer", "d", "e", "f", "g"]]
    results = list(run_jobs(jobs, workers=2, task=die_on_killer))
    assert sorted(i for i, _ in results) == list(range(len(jobs)))  # each exactly once
    by_key = {jobs[i].key: outcome for i, outcome in results}
    assert by_key["killer"].status == "failed"
    assert "died while running this submission" in by_key["killer"].reason
    # the jobs in flight beside it are rerun alone and come back fine
    assert {k: o.status for k, o in by_key.items() if k != "killer"} == dict.fromkeys("abcdefg", "ok")


def _unreadable(keys: str) -> list[SubmissionJob]:
    """Jobs whose notebooks are not JSON: each run ends at once, invalid, in the worker."""
    return [SubmissionJob(key=k, data=b"not json", params={}, slots={}, executor="kernel") for k in keys]


def test_runs_started_while_the_batch_is_planned_are_taken_over_each_once():
    jobs = _unreadable("abcdefghij")
    start_workers(ExecutorName.KERNEL, 2)
    for i, job in enumerate(jobs[:6]):
        run_early(ExecutorName.KERNEL, i, job)  # two a worker start; the rest wait for run_jobs
    started = pool._STARTED[ExecutorName.KERNEL]
    assert len(started.early) == 4
    deadline = time.monotonic() + 60
    while started.going and time.monotonic() < deadline:
        time.sleep(0.05)
    for i, job in enumerate(jobs[6:], start=6):  # those done, a slower plan's next ones start too
        run_early(ExecutorName.KERNEL, i, job)
    assert len(started.early) == 8
    results = list(run_jobs(jobs, workers=2))
    assert sorted(i for i, _ in results) == list(range(len(jobs)))  # none lost, none twice
    assert {jobs[i].key: o.status for i, o in results} == dict.fromkeys("abcdefghij", "invalid")
    assert {jobs[i].key: o.key for i, o in results} == {k: k for k in "abcdefghij"}  # each outcome its own job's


def test_a_batch_graded_in_part_does_not_take_over_runs_of_the_whole():
    whole = _unreadable("abcd")
    start_workers(ExecutorName.KERNEL, 2)
    for i, job in enumerate(whole):
        run_early(ExecutorName.KERNEL, i, job)
    part = whole[2:]
    results = list(run_jobs(part, workers=2, take_early=False))
    assert sorted((i, o.key) for i, o in results) == [(0, "c"), (1, "d")]


def parent_pid(job: SubmissionJob) -> ExecutionOutcome:
    return ExecutionOutcome(key=job.key, status="ok", reason=str(os.getppid()))


def _parents(workers: int) -> set[int]:
    jobs = [SubmissionJob(key=str(i), data=b"", params={}, slots={}, executor="kernel") for i in range(4 * workers)]
    start_workers(ExecutorName.KERNEL, workers, fork=True)
    return {int(outcome.reason) for _, outcome in run_jobs(jobs, workers=workers, task=parent_pid)}


# a process like `autograde grade`'s: no thread, no executor of its own; prints whether its workers are its children
_FRESH = """
import os, sys
from tests.grading.test_pool import _parents
if sys.argv[1] == "executor":
    from grader.sandbox.executors import executor
    executor("kernel")  # it runs submissions itself: a ready child, a uid lock
print(_parents(2) == {os.getpid()})
"""


@pytest.mark.parametrize(("before", "forked"), [("nothing", True), ("executor", False)])
def test_workers_are_forked_from_a_process_without_threads_or_runs_of_its_own(before, forked):
    done = subprocess.run([sys.executable, "-c", _FRESH, before], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(forked)]  # forked, they share what it imported: no server imports it again


def test_a_process_with_a_thread_has_its_workers_forked_by_the_process_server():
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()  # a thread (a terminal's status line, a web server's) makes forking this process unsafe
    try:
        parents = _parents(2)
    finally:
        stop.set()
        other.join()
    assert len(parents) == 1 and os.getpid() not in parents  # the process server's children
