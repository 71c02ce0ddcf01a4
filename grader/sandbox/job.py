"""The plain data an executor takes and returns: nothing here holds a secret or a live object."""

from __future__ import annotations

from dataclasses import dataclass, field

from grader.limits import Limits

__all__ = ["COLLECTOR_CELL_PREFIX", "COLLECTOR_OUTPUT_CHARS", "KERNEL_DIED", "CellError", "Limits", "RunJob",
           "RunResult", "Sandbox"]

KERNEL_DIED = "the kernel died (it crashed, exited, was killed, or ran out of memory)"
COLLECTOR_CELL_PREFIX = "autograde-collect"
"""Cell ids of the grader's collector cells start with this; executors treat those cells apart."""
COLLECTOR_OUTPUT_CHARS = 4_200_000
"""What one collector cell's output may hold, on every executor (its JSON is read up to 4 MB): the
rest is dropped where it arrives, whatever an answer's ``tolist()`` prints while it is collected."""


@dataclass(frozen=True)
class Sandbox:
    """Which folders the run must not see (the course, the grader's home) and which it needs: the
    caller's to say (``grader.grading.hide``), the sandbox only applies it."""

    hide: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunJob:
    """A prepared notebook to execute and where its answers will be printed."""

    notebook: dict                     # the notebook to run (plain nbformat data, instructor cells restored)
    marker: str                        # per-run marker framing the collector's JSON output
    limits: Limits = field(default_factory=Limits)
    label: str = ""                    # for messages only (student id / assignment)
    sandbox: Sandbox = field(default_factory=Sandbox)


@dataclass(frozen=True)
class CellError:
    cell_id: str
    ename: str
    evalue: str


@dataclass
class RunResult:
    """What came back: the collector's text (parsed later by the grader) and what went wrong."""

    status: str = "ok"                 # ok | timeout | died | failed
    reason: str = ""
    collected: list[str] = field(default_factory=list)  # text printed by collector cells, in order
    errors: list[CellError] = field(default_factory=list)
    output_truncated: bool = False
    seconds: float = 0.0
    executor: str = ""
    sandbox: dict[str, str] = field(default_factory=dict)  # isolation layer -> "on" or why it is off
    cpu_seconds: float | None = None   # the whole run's, from its control group (None: no group)
    memory_peak_mb: float | None = None
    stages: dict[str, float] = field(default_factory=dict)  # stage -> seconds, where the executor says (benchmarks/breakdown.py)
