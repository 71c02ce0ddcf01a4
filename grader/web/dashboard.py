"""The instructor's view of one assignment: counts, and one row per roster student with their latest status.

An upload through the service is shown by its queue status; a submission that only the CLI
(``submit`` then ``grade``) knows is shown by its gradebook row, so the board is whole either way.
"""

from __future__ import annotations

from dataclasses import dataclass

from grader.assignment import load_assignment
from grader.config import Course
from grader.errors import AutogradeError, UploadError
from grader.gradebook import Gradebook
from grader.service_tables import QueueStatus
from grader.web import queue as q

__all__ = ["Band", "Board", "BoardRow", "bands", "dashboard"]


@dataclass(frozen=True)
class BoardRow:
    student_id: str
    name: str
    status: str           # a QueueStatus value, a gradebook status, or "not submitted"
    late: bool
    score: str
    item: q.QueueItem | None
    graded_id: int | None = None  # the gradebook's row of the latest submission, for the staff's view of it


@dataclass(frozen=True)
class Band:
    """Graded submissions whose score falls in one 10-point band (the last one includes 100%)."""

    label: str
    count: int


@dataclass(frozen=True)
class Board:
    assignment: str
    title: str
    counts: list[tuple[str, int]]
    rows: list[BoardRow]
    mean: str = ""     # of the graded submissions' scores, as the report gives it ("" when none is graded)
    median: str = ""
    bands: tuple[Band, ...] = ()


def bands(scores: list[float]) -> tuple[Band, ...]:
    """The report's histogram as numbers: submissions per 10-point band of the score (a share of the points)."""
    counts = [0] * 10
    for score in scores:
        counts[min(max(int(score * 10 + 1e-9), 0), 9)] += 1
    return tuple(Band(f"{10 * i}–{10 * i + 9}%" if i < 9 else "90–100%", n) for i, n in enumerate(counts))


def dashboard(course: Course, book: Gradebook, name: str) -> Board:
    try:
        assignment = load_assignment(course, name)
    except AutogradeError:
        raise UploadError(404, f"there is no assignment {name!r}") from None
    uploads = q.latest_by_student(book.engine, name)
    graded = {r.student_id: r for r in book.submissions(name)}
    rows = []
    for student in course.roster():
        item, row = uploads.get(student.student_id), graded.get(student.student_id)
        if item is not None:
            status, late = item.status.value, item.late
        elif row is not None:
            status, late = row.status, bool(row.late_days)
        else:
            status, late = "not submitted", False
        score = ""
        if row is not None and row.score is not None and (item is None or item.status is QueueStatus.GRADED):
            score = f"{row.score:g} / {row.max_score:g}"
        rows.append(BoardRow(student.student_id, student.name, status, late, score, item, row.id if row else None))
    statuses = [r.status for r in rows]
    counts = [("submitted", sum(s != "not submitted" for s in statuses)),
              ("queued", sum(s in (QueueStatus.QUEUED.value, QueueStatus.RUNNING.value) for s in statuses)),
              ("graded", statuses.count("graded")), ("failed", sum(s in ("failed", "invalid") for s in statuses)),
              ("late", sum(r.late for r in rows)), ("not submitted", statuses.count("not submitted"))]
    from grader.report.stats import headline  # the report's own figures, so the two never disagree

    whole = headline(book, name, [student.student_id for student in course.roster()])
    mean = f"{100 * whole.mean:.0f}%" if whole.mean is not None else ""
    median = f"{100 * whole.median:.0f}%" if whole.median is not None else ""
    return Board(name, assignment.config.title, counts, rows, mean, median, bands(list(whole.scores)) if whole.scores else ())
