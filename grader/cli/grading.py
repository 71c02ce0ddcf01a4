"""Commands for grading: grade (and the gradebook's exports, feedback and reports)."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Table

from grader.cli import pause_collection, resume_collection
from grader.cli.common import CourseOption, app, course_at, err, fail, out, rel, score_text
from grader.errors import AutogradeError
from grader.grading.pool import start_server
from grader.sandbox.executors import ExecutorName, describe

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from grader.config import Course
    from grader.grading.batch import Batch
    from grader.grading.runner import SubmissionResult

EXECUTOR_HELP = describe() + "."


class _BatchDisplay:
    """Progress (a bar on a terminal, plain lines otherwise) and what the summary needs."""

    def __init__(self) -> None:
        self.progress: Progress | None = None  # made only for a terminal: importing the bar is 0.02 s of a batch's start
        self.task: TaskID | None = None
        self.counts = {"graded": 0, "failed": 0, "invalid": 0}
        self.weak_layers: dict[str, set[str]] = {}  # isolation layers that did not hold, and why
        self.unreadable: list[str] = []  # "student problem/part" whose answer could not be read or compared
        self.started = time.perf_counter()

    def start(self, assignment: str, total: int) -> None:
        if err.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

            self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                     TimeElapsedColumn(), TimeRemainingColumn(), console=err, transient=True)
            self.progress.start()
            self.task = self.progress.add_task(f"grading {assignment}", total=total)
        else:
            err.print(f"grading {total} submission(s) of {assignment} (each line: this run's auto-graded points, "
                      "before any late penalty or hand grade; the gradebook's totals are in the summary)", highlight=False,
                      soft_wrap=True)

    def done(self, result: SubmissionResult, done: int, total: int) -> None:
        outcome = result.outcome
        for layer, state in outcome.sandbox.items():
            if state != "on":
                self.weak_layers.setdefault(layer, set()).add(state)
        status = {"invalid": "invalid", "failed": "failed"}.get(outcome.status, "graded")
        self.counts[status] += 1
        self.unreadable += [f"{result.student_id} {r.problem_id}/{r.part}" for r in result.rows if r.result.unreadable]
        if self.progress is not None and self.task is not None:
            self.progress.update(self.task, completed=done)
        else:
            note = f" ({outcome.status}: {outcome.reason})" if outcome.status != "ok" else ""
            # plain text as it is (no markup read in a reason, no wrapping): a third of print's cost, for each of 1,000 lines
            err.out(f"[{done}/{total}] {result.student_id}: {score_text(result.score)}/{score_text(result.max_score)} auto-graded{note}",
                    highlight=False)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()


@app.command()
def grade(
    assignment: str = typer.Argument(..., help="Assignment name."),
    submissions: Path = typer.Option(None, "--submissions", help="Folder of submissions (default: submitted/)."),
    workers: int = typer.Option(None, "--workers", min=1, help="Parallel runs (default: the machine's cores)."),
    regrade: bool = typer.Option(False, "--regrade", help="Grade again submissions already in the gradebook."),
    accept_changes: bool = typer.Option(False, "--accept-changes", help="Grade even where a problem's parameters changed since release (the students' notebooks show other numbers)."),
    executor: ExecutorName = typer.Option(ExecutorName.FORK, "--executor", help=EXECUTOR_HELP),
    junitxml: Path = typer.Option(None, "--junitxml", help="Also write the results as JUnit XML: one test case per graded part, its points as properties."),
    cluster: str = typer.Option(None, "--cluster", help="Grade on a Dask cluster: the scheduler's address, tcp://host:8786."),
    include_after_cutoff: bool = typer.Option(False, "--include-after-cutoff", help="Grade each student's latest submission even when it came after their cutoff (late days and penalty still apply)."),
    course: Path = CourseOption,
) -> None:
    """Run every latest submission in the sandbox, score it part by part, record it in the gradebook."""
    if not cluster:
        # the zygote imports numpy and IPython (~0.3 s) while this process imports the grader, opens
        # the gradebook and plans the batch; a course that sets a cluster leaves it idle
        start_server(executor, fork_workers=True)
    pause_collection()  # until the batch is planned: what it imports and plans lives until the end
    from grader.gradebook import Gradebook
    from grader.grading.junit import write_junit
    from grader.grading.lock import batch_lock
    from grader.grading.runner import grade_batch, open_batch, start_local_workers

    display = _BatchDisplay()
    results: list[SubmissionResult] = []
    stopped = ""  # why the batch stopped early, if it did
    try:
        c = course_at(course)
        # forked from this process: before its gradebook connection, the batch's lock and any thread
        start_local_workers(c, executor=executor, workers=workers, cluster=cluster, fork=True)
        book = Gradebook(c.config.gradebook, c.root)
    except AutogradeError as exc:
        fail(str(exc))
    waiting = f"waiting: another autograde grade is grading {assignment} in this gradebook"
    try:
        with batch_lock(c.config.gradebook, c.root, assignment, on_wait=lambda: err.print(waiting, highlight=False)):
            try:
                # planning 1,000 students takes seconds (their numbers recomputed); a terminal shows it is under way
                with err.status(f"planning {assignment} (recomputing each student's numbers)") \
                        if err.is_terminal else contextlib.nullcontext():
                    batch = open_batch(c, assignment, gradebook=book, submissions=submissions, executor=executor,
                                       workers=workers, cluster=cluster, regrade=regrade,
                                       include_after_cutoff=include_after_cutoff, accept_changes=accept_changes)
                resume_collection()  # recording and scoring each result makes garbage: collected as usual
            except AutogradeError as exc:
                book.close()
                fail(str(exc))
            display.start(batch.assignment.name, len(batch.planned))
            try:
                for result in grade_batch(batch):
                    results.append(result)
                    display.done(result, len(results), len(batch.planned))
            except KeyboardInterrupt:
                stopped = "interrupted"
            except AutogradeError as exc:  # a lost cluster
                stopped = str(exc)
            finally:
                display.close()
                book.close()
    except KeyboardInterrupt:  # while waiting for another batch, or planning: nothing was graded
        book.close()
        fail(f"interrupted before grading began: nothing of {assignment} was graded by this run", code=130)
    if junitxml:
        write_junit(junitxml, assignment, results)
    if stopped:
        fail(f"{stopped}: the {len(results)} submission(s) graded so far are kept in the gradebook; "
             "run the same command again to grade the rest", code=130)
    _summary(c, batch, display, time.perf_counter() - display.started)


def _summary(course: Course, b: Batch, display: _BatchDisplay, seconds: float) -> None:
    table = Table(title=f"{b.assignment.name}: grading summary", title_justify="left", show_header=False)
    table.add_column(justify="left")
    table.add_column(justify="right")
    rows = [
        ("graded", display.counts["graded"]),
        ("failed to run", display.counts["failed"]),
        ("not a readable notebook", display.counts["invalid"] + len(b.unreadable)),
        ("not on the roster (reported, not graded)", len(b.unknown)),
        ("already graded (skipped; --regrade to redo)", len(b.skipped)),
        ("after the cutoff (kept, not graded; --include-after-cutoff)", len(b.after_cutoff)),
    ]
    if b.broken:
        rows.append(("not graded: the course's family code raised", len(b.broken)))
    flagged = sum(1 for p in b.planned if p.identity is not None and p.identity.flagged)
    if flagged:
        rows.append(("released to another student (see below)", flagged))
    for label, value in rows:
        table.add_row(label, str(value))
    from grader.changes import override_count
    from grader.report.records import opened
    from grader.report.stats import headline

    with opened(course) as book:  # the whole assignment's, as the report gives it: not this batch's alone
        whole = headline(book, b.assignment.name)
        overridden = override_count(book.engine, b.assignment.name)
    if overridden:  # a regrade puts each back over the fresh result: say so, or a changed total would puzzle
        table.add_row("overrides kept (an instructor's scores)", str(overridden))
    if whole.mean is not None:
        pending = " (pending hand grades aside)" if whole.pending else ""
        table.add_row(f"mean score, all {len(whole.scores)} graded{pending}", f"{100 * whole.mean:.2f}%")
    ran = sum(display.counts.values())
    if ran:
        table.add_row("time", f"{seconds:.1f} s ({seconds / ran:.2f} s per submission)")
    out.print(table)
    for layer, states in sorted(display.weak_layers.items()):
        err.print(f"[bold yellow]warning: sandbox layer '{layer}' was {'; '.join(sorted(states))}[/] "
                  "(see docs/security.md for what it needs)", highlight=False)
    if display.unreadable:
        shown = ", ".join(display.unreadable[:10]) + (" ..." if len(display.unreadable) > 10 else "")
        err.print(f"[yellow]{len(display.unreadable)} answer part(s) could not be read[/] (scored wrong, their points "
                  f"kept in the maximum; the reason is in each part's feedback): {shown}", highlight=False, soft_wrap=True)
    for f in b.unknown:
        err.print(f"[yellow]not on the roster:[/] {rel(course, f.path)}", highlight=False)
    for _, reason in b.unreadable:
        err.print(f"[yellow]unreadable:[/] {reason}", highlight=False)
    for _, reason in b.broken:
        err.print(f"[bold red]error:[/] {escape(reason)}", highlight=False, soft_wrap=True)
    for planned in b.planned:
        if planned.identity is not None and planned.identity.flagged:
            err.print(f"[bold red]not their notebook:[/] {planned.student.student_id}: {planned.identity.message()} "
                      f"({rel(course, planned.found.path)}; graded as {planned.student.student_id}'s, and flagged in "
                      "the gradebook and the report)", highlight=False, soft_wrap=True)
    out.print(f"Gradebook: {course.config.gradebook}. Next: autograde feedback / export / report {b.assignment.name}.",
              highlight=False)
    if b.broken:
        fail(f"{len(b.broken)} submission(s) not graded: fix the family, then run the same command again", code=1)
