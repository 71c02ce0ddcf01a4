"""Run one submission and bring back its answers: a plain function, submission in, answers out.

``execute_submission`` is what every executor calls (a local process pool, the warm fork pool, a
Dask worker). It gets only the submission's bytes, the student's instructor notebook and the
answer slots (no secret, no gradebook) and returns plain data.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from grader.errors import SubmissionError
from grader.grading.hide import sandbox_for
from grader.grading.literal import read_literals
from grader.limits import Limits
from grader.notebook.build import grading_reference
from grader.notebook.prepare import prepare
from grader.notebook.read import read_notebook
from grader.notebook.slots import Slot, parse_collected
from grader.outcomes import RunStatus
from grader.sandbox.executors import EXECUTORS, ExecutorName, executor
from grader.sandbox.job import CellError, RunJob, Sandbox

__all__ = ["ExecutionOutcome", "SubmissionJob", "execute_submission"]


@dataclass(frozen=True)
class SubmissionJob:
    """Everything needed to run one submission, and nothing secret."""

    key: str                             # "<student>/<assignment>" for messages
    data: bytes                          # the submitted file's bytes
    params: dict[str, dict]              # problem id -> this student's parameters, recomputed from the secret
    slots: dict[str, list[Slot]]         # problem id -> answer variables
    questions: tuple[str, ...] = ()      # free-text question ids
    limits: Limits = field(default_factory=Limits)
    executor: ExecutorName = ExecutorName.KERNEL
    sandbox: Sandbox = field(default_factory=Sandbox)
    alternatives: dict[str, str] = field(default_factory=dict)  # pool problem id -> the alternative this student got


@dataclass
class ExecutionOutcome:
    """Plain results: status, the collected answer values, free text, and notes for the student."""

    key: str
    status: RunStatus = RunStatus.OK
    reason: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    free_text: dict[str, str | None] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)
    cell_problem: dict[str, str] = field(default_factory=dict)
    cell_origin: dict[str, int] = field(default_factory=dict)  # cell id -> its place in the submission, from 1
    errors: list[CellError] = field(default_factory=list)
    output_truncated: bool = False
    seconds: float = 0.0
    executor: str = ""
    sandbox: dict[str, str] = field(default_factory=dict)  # isolation layer -> "on" or why it is off
    cpu_seconds: float | None = None     # the whole run's, counted by its control group
    memory_peak_mb: float | None = None
    stages: dict[str, float] = field(default_factory=dict)  # stage -> seconds (benchmarks/breakdown.py)


def execute_submission(job: SubmissionJob) -> ExecutionOutcome:
    """Read, prepare, run and collect one submission. Never raises for anything the student did."""
    start = time.perf_counter()
    outcome = ExecutionOutcome(key=job.key, executor=ExecutorName(job.executor).value)
    try:
        submitted = read_notebook(job.data, name=job.key)
    except SubmissionError as exc:
        outcome.status, outcome.reason = RunStatus.INVALID, str(exc)
        return outcome
    instructor = grading_reference(job.params, job.slots, list(job.questions), job.alternatives)
    prepared = prepare(instructor, submitted, job.slots, list(job.questions))
    outcome.free_text, outcome.notes, outcome.cell_problem = prepared.free_text, prepared.notes, prepared.cell_problem
    outcome.cell_origin = prepared.cell_origin
    prepared_at = time.perf_counter()
    variables = [s.variable for group in job.slots.values() for s in group]
    literal_ok = EXECUTORS[ExecutorName(job.executor)].reads_literals
    run = read_literals(prepared.notebook.cells, variables, prepared.marker) if literal_ok else None
    if run is None:
        # hide what the client named, and this machine's own grader home and source too (a cluster worker's)
        local = sandbox_for(None)
        sandbox = Sandbox(hide=tuple(dict.fromkeys(job.sandbox.hide + local.hide)), keep=job.sandbox.keep)
        run = executor(job.executor).run(RunJob(prepared.notebook, prepared.marker, job.limits, job.key, sandbox))
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
