"""Grading a batch: an iterator of submission results that the CLI, the pytest harness and the web
service all consume.

``open_batch`` checks the course, starts local workers (or reaches the cluster) and plans the
batch; ``grade_batch`` runs, scores and records each submission and yields it as soon as it is
committed, so stopping the iteration (Ctrl-C, ``pytest -x``, a lost scheduler) keeps everything
yielded so far and a rerun grades the rest. ``grade`` does both for a whole assignment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.config import Course
from grader.gradebook import Gradebook
from grader.grading.batch import Batch, Planned
from grader.grading.hide import sandbox_for
from grader.grading.jobs import ExecutionOutcome, SubmissionJob
from grader.grading.lock import batch_lock
from grader.grading.pool import default_workers, run_early, run_jobs, start_workers, stop_workers, workers_started
from grader.grading.score import PartRow, part_rows
from grader.late import deadlines
from grader.outcomes import RunStatus
from grader.private import private_folder
from grader.sandbox.executors import ExecutorName

__all__ = ["SubmissionResult", "grade", "grade_batch", "open_batch", "start_local_workers"]


@dataclass(frozen=True)
class SubmissionResult:
    """One submission run, scored part by part and recorded."""

    planned: Planned
    outcome: ExecutionOutcome
    rows: list[PartRow]

    @property
    def student_id(self) -> str:
        return self.planned.student.student_id

    @property
    def score(self) -> float:
        return sum(r.result.score for r in self.rows)

    @property
    def max_score(self) -> float:
        return sum(r.result.max_score for r in self.rows)

    def row(self, problem_id: str, part: str) -> PartRow:
        return next(r for r in self.rows if r.problem_id == problem_id and r.part == part)


def open_batch(course: Course, assignment: str, *, gradebook: Gradebook | None = None, submissions: Path | None = None,
               executor: ExecutorName = ExecutorName.FORK, workers: int | None = None, cluster: str | None = None,
               regrade: bool = False, include_after_cutoff: bool = False, accept_changes: bool = False,
               students: frozenset[str] | None = None) -> Batch:
    """A planned batch of every latest submission (before its student's cutoff, unless
    ``include_after_cutoff``; of ``students`` only, if given). Local workers start first, and the
    first runs while the rest is planned (``workers=0``: none, each submission runs in this process,
    as the server's warm grading worker does). Raises ``AutogradeError`` for what stops the whole
    batch (a bad configuration, an unreachable cluster, changed releases)."""
    executor = ExecutorName(executor)
    local = start_local_workers(course, executor=executor, workers=workers, cluster=cluster)
    sandbox = sandbox_for(course)
    try:
        batch = Batch.open(course, assignment, executor=executor, regrade=regrade, gradebook=gradebook,
                           include_after_cutoff=include_after_cutoff, accept_changes=accept_changes,
                           workers=workers, cluster=cluster, students=students)
        batch.sandbox = sandbox  # what the workers got ready for
        deadlines(course, batch.assignment)  # configuration errors surface here, as one line
        course.secret()
        if batch.address:
            from grader.grading.cluster import connect

            connect(batch.address).close()  # an unreachable scheduler: one line, before we start
        batch.submitted = private_folder(Path(submissions or course.folder("submitted")).resolve())
        return batch.plan(on_planned=(lambda i, p: run_early(executor, i, p.job)) if local else None)
    except BaseException:
        stop_workers()
        raise


def start_local_workers(course: Course, *, executor: ExecutorName = ExecutorName.FORK, workers: int | None = None,
                        cluster: str | None = None, fork: bool = False) -> bool:
    """Start the local workers of a batch of ``course`` (unless they are, or it runs on a cluster or
    in this process); ``fork``: from this process, if it can (see :func:`~grader.grading.pool.start_workers`),
    before it opens the gradebook or takes the batch's lock. Whether the batch runs on local workers."""
    if cluster or course.config.cluster or workers == 0:
        return False
    if not workers_started(executor):
        start_workers(executor, workers or course.config.workers or default_workers(),
                      (course.config.limits, sandbox_for(course)), fork=fork)
    return True


def workers_for(batch: Batch) -> int:
    """Local workers: asked for, else the course's setting, else the machine's cores."""
    return batch.workers or batch.course.config.workers or default_workers()


def grade_batch(batch: Batch, planned: Sequence[Planned] | None = None) -> Iterator[SubmissionResult]:
    """Record what is not graded (unknown students, unreadable files, ...), then run, score and
    record each of ``planned`` (default: the whole plan); yield each as it is committed, in the
    order they finish. Closing the iterator stops the runs still going; they stay unrecorded."""
    batch.record_plan()
    chosen = list(batch.planned if planned is None else planned)
    outcomes = _outcomes(batch, [p.job for p in chosen], whole=planned is None)
    try:
        for index, outcome in outcomes:
            p = chosen[index]
            batch.identify(p, outcome)
            rows = part_rows(batch.assignment, p.variants, p.slots, outcome, batch.policy)
            batch.record(p, outcome, rows)
            yield SubmissionResult(p, outcome, rows)
    finally:
        outcomes.close()


def _outcomes(batch: Batch, jobs: list[SubmissionJob], whole: bool) -> Iterator[tuple[int, ExecutionOutcome]]:
    if batch.address:
        from grader.grading.cluster import run_jobs_on_cluster

        return run_jobs_on_cluster(jobs, batch.address)
    if batch.workers == 0:
        return _run_here(jobs)
    return run_jobs(jobs, workers_for(batch), take_early=whole)


def _run_here(jobs: list[SubmissionJob]) -> Iterator[tuple[int, ExecutionOutcome]]:
    """One job after another in this process, with its warm executor: no pool to start for a batch of one upload.
    Student code still runs only in the executor's sandbox; a grader bug in one job fails that job alone."""
    from grader.grading.execute import execute_submission

    for index, job in enumerate(jobs):
        try:
            yield index, execute_submission(job)
        except Exception as exc:  # noqa: BLE001 - as a pool's worker reports it (pool._run)
            yield index, ExecutionOutcome(key=job.key, status=RunStatus.FAILED, reason=f"grader error: {type(exc).__name__}: {exc}"[:500])


def grade(course: Course, assignment: str, *, submissions: Path | None = None,
          executor: ExecutorName = ExecutorName.FORK, workers: int | None = None, cluster: str | None = None,
          regrade: bool = False, include_after_cutoff: bool = False, accept_changes: bool = False,
          students: frozenset[str] | None = None, on_wait: Callable[[], None] = lambda: None) -> list[SubmissionResult]:
    """Grade an assignment's latest submissions into the course's gradebook (see :func:`open_batch`).
    While another batch grades the same assignment this waits for it (calling ``on_wait`` first),
    then grades what is left."""
    gradebook = Gradebook(course.config.gradebook, course.root)
    try:
        with batch_lock(course.config.gradebook, course.root, assignment, on_wait):
            batch = open_batch(course, assignment, gradebook=gradebook, submissions=submissions, executor=executor,
                               workers=workers, cluster=cluster, regrade=regrade,
                               include_after_cutoff=include_after_cutoff, accept_changes=accept_changes, students=students)
            return list(grade_batch(batch))
    finally:
        gradebook.close()
