"""The local worker pool: every job comes back exactly once, whatever a worker does."""

from __future__ import annotations

import os
import time

from grader.grading.execute import ExecutionOutcome, SubmissionJob
from grader.grading.pool import run_jobs


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
