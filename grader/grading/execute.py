"""Run one submission and bring back its answers: a plain function, submission in, answers out.

``execute_submission`` is what every executor calls (a local process pool, the warm fork pool, a
Dask worker). It gets only the submission's bytes, the student's instructor notebook and the
answer slots (no secret, no gradebook) and returns plain data.
"""

from __future__ import annotations

import time

from grader.errors import SubmissionError
from grader.grading.hide import sandbox_for
from grader.grading.jobs import ExecutionOutcome, SubmissionJob
from grader.grading.literal import read_literals
from grader.identity import notebook_stamp
from grader.limits import Limits
from grader.notebook.cells import grading_reference
from grader.notebook.prepare import prepare
from grader.notebook.read import read_notebook_data
from grader.notebook.slots import parse_collected
from grader.outcomes import RunStatus
from grader.sandbox.executors import EXECUTORS, ExecutorName, executor
from grader.sandbox.job import RunJob, Sandbox

__all__ = ["ExecutionOutcome", "SubmissionJob", "execute_submission", "prepare_runs", "run_sandbox"]


def run_sandbox(given: Sandbox) -> Sandbox:
    """What a run hides: what the client named, and this machine's own grader home and source too
    (a cluster worker's)."""
    local = sandbox_for(None)
    return Sandbox(hide=tuple(dict.fromkeys(given.hide + local.hide)), keep=given.keep)


def prepare_runs(name: ExecutorName, limits: Limits, sandbox: Sandbox) -> None:
    """Warm this process's executor and get a run of a batch with these limits and folders ready."""
    executor(name).prepare(limits, run_sandbox(sandbox))


def execute_submission(job: SubmissionJob) -> ExecutionOutcome:
    """Read, prepare, run and collect one submission. Never raises for anything the student did."""
    start = time.perf_counter()
    outcome = ExecutionOutcome(key=job.key, executor=ExecutorName(job.executor).value)
    try:
        submitted = read_notebook_data(job.data, name=job.key)
    except SubmissionError as exc:
        outcome.status, outcome.reason = RunStatus.INVALID, str(exc)
        return outcome
    outcome.stamp = notebook_stamp(submitted["metadata"])  # read here, where the notebook is parsed anyway
    instructor = grading_reference(job.params, job.slots, list(job.questions), job.alternatives)
    prepared = prepare(instructor, submitted, job.slots, list(job.questions))
    outcome.free_text, outcome.notes, outcome.cell_problem = prepared.free_text, prepared.notes, prepared.cell_problem
    outcome.cell_origin = prepared.cell_origin
    prepared_at = time.perf_counter()
    variables = [s.variable for group in job.slots.values() for s in group]
    literal_ok = EXECUTORS[ExecutorName(job.executor)].reads_literals
    run = read_literals(prepared.notebook["cells"], variables, prepared.marker) if literal_ok else None
    if run is None:
        run = executor(job.executor).run(RunJob(prepared.notebook, prepared.marker, job.limits, job.key, run_sandbox(job.sandbox)))
    outcome.status, outcome.reason, outcome.executor = RunStatus(run.status), run.reason, run.executor
    outcome.errors, outcome.output_truncated, outcome.sandbox = run.errors, run.output_truncated, run.sandbox
    outcome.cpu_seconds, outcome.memory_peak_mb = run.cpu_seconds, run.memory_peak_mb
    ran_at = time.perf_counter()
    for text in run.collected:  # later collectors (the final one last) override earlier snapshots
        found = parse_collected(text, prepared.marker)
        if found:
            outcome.values.update(found)
    outcome.seconds = time.perf_counter() - start
    outcome.stages = {"read+prepare": prepared_at - start, **run.stages, "run": ran_at - prepared_at,
                      "parse": start + outcome.seconds - ran_at}
    return outcome
