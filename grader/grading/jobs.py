"""What a submission's run is given and what it gives back: plain data, no secret.

Apart from :mod:`grader.grading.execute`, which runs them, so that the grading process plans
jobs and records outcomes without importing what only a run needs (the executors; the kernel
route's nbformat, nbclient and zmq).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from grader.limits import Limits
from grader.notebook.slots import Slot
from grader.outcomes import RunStatus
from grader.sandbox.executors import ExecutorName
from grader.sandbox.job import CellError, Sandbox

__all__ = ["ExecutionOutcome", "SubmissionJob"]


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
    stamp: str | None = None  # the release stamp in the notebook's metadata, as read: the grader checks it, never trusts it
