"""The one place the service calls grading: ``autograde grade``'s own batch, run in the grading worker's process.

:class:`BatchGrading` grades an assignment's ungraded latest submissions with
:func:`grader.grading.runner.grade`, the function behind ``autograde grade``: the same batch lock,
plan, sandbox, harness and gradebook writes, the batch skipping what the gradebook already holds;
its plan is of the students whose uploads are queued (``grade``'s ``students``), not the whole class.
It runs each submission in the process that calls it (``workers=0``), so that process, the
server's grading worker (:mod:`grader.web.worker`), keeps its imports, the course and the
executor's zygote warm from one upload to the next, instead of starting a pool for every upload.
With ``[grading] cluster`` configured, the batch goes to the Dask scheduler as the CLI's does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from grader.config import Course
from grader.errors import AutogradeError
from grader.sandbox.executors import ExecutorName

if TYPE_CHECKING:
    from grader.grading.runner import SubmissionResult

__all__ = ["BatchGrading", "GradeAssignment"]

class GradeAssignment(Protocol):
    """Grade an assignment's ungraded latest submissions of these students (with ``regrade``, their latest
    submissions whether graded or not); returns what went wrong ("" when nothing did)."""

    def __call__(self, course: Course, assignment: str, students: frozenset[str], *, regrade: bool = False) -> str: ...


@dataclass(frozen=True)
class BatchGrading:
    """The real :data:`GradeAssignment`; plain data, so it crosses into the worker's process."""

    executor: ExecutorName = ExecutorName.FORK

    def warm(self) -> None:
        """Import the grading and start the executor (its zygote) now, not with the first upload."""
        from grader.grading import runner  # noqa: F401 - imported for its import time
        from grader.sandbox.executors import executor

        executor(self.executor).warm_up()

    def __call__(self, course: Course, assignment: str, students: frozenset[str], *, regrade: bool = False) -> str:
        try:
            self.results(course, assignment, students, regrade=regrade)
        except AutogradeError as exc:  # what stops the whole batch: each upload it left unrecorded says so
            return str(exc)[:300]
        return ""

    def results(self, course: Course, assignment: str, students: frozenset[str], *, regrade: bool = False) -> list[SubmissionResult]:
        """The batch of these students (whose uploads are queued: planning the whole assignment for each
        upload would read every student's file): waits for another batch of the assignment (a CLI
        ``grade``), then grades what is left."""
        from grader.grading.runner import grade

        return grade(course, assignment, executor=self.executor, workers=0, students=students, regrade=regrade)
