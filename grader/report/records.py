"""One assignment's gradebook, student by student: what feedback pages, exports and grading sheets read.

Every roster student appears (one without a submission as ``missing``), rows come in the
assignment's order (problem by problem, parts in the family's order) and numbers are written one
way everywhere, so the same gradebook always gives the same bytes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from grader.assignment import Assignment, Pool, Problem, QuestionConfig
from grader.config import Course, Student
from grader.errors import AutogradeError
from grader.gradebook import Gradebook, PartRecord, SubmissionRecord
from grader.late import Deadline, Lateness, submission_time
from grader.outcomes import GradeStatus, SubmissionStatus, Verdict
from grader.private import private_folder

__all__ = ["StudentRecord", "graded_problem", "lateness_of", "opened", "ordered_rows", "points", "points_possible", "student_records", "write_atomic"]


@dataclass(frozen=True)
class StudentRecord:
    """A student's latest submission of one assignment and its part rows, in assignment order."""

    student_id: str
    name: str
    email: str
    status: GradeStatus           # of the submission, or missing (never pending: see grade_status)
    submission: SubmissionRecord | None
    rows: tuple[PartRecord, ...] = ()
    student: Student | None = None          # the roster's entry, with the student's LMS ids
    due: dt.datetime | None = None          # the assignment's own due date, to tell an extension
    alternatives: tuple[tuple[str, str], ...] = ()  # (pool problem id, the alternative graded), in assignment order
    params: Mapping[str, dict] = field(default_factory=dict)  # problem id -> the parameters graded

    def alternative(self, problem_id: str) -> str | None:
        """The alternative of a question pool this student was graded on (None: not a pool, or not graded)."""
        return dict(self.alternatives).get(problem_id)

    @property
    def raw_score(self) -> float | None:
        """The points of the parts, before any late penalty."""
        return sum(r.score for r in self.rows) if self.rows else None

    @property
    def penalty(self) -> float | None:
        """Points taken for lateness (None when there is no total to take them from)."""
        raw = self.raw_score
        return None if raw is None else raw * self.penalty_percent / 100

    @property
    def score(self) -> float | None:
        """The total: the parts' points less the late penalty."""
        raw = self.raw_score
        return None if raw is None else raw - self.penalty

    @property
    def penalty_percent(self) -> float:
        return (self.submission.penalty_percent or 0.0) if self.submission else 0.0

    @property
    def pending_points(self) -> float:
        """Points of free-text parts still waiting for a hand grade: while any are, the total is provisional."""
        return sum(r.max_score for r in self.rows if r.verdict == Verdict.PENDING)

    @property
    def grade_status(self) -> GradeStatus:
        """The submission's status, except that a graded total with hand grades to come is ``pending``."""
        return GradeStatus.PENDING if self.status == GradeStatus.GRADED and self.pending_points else self.status

    @property
    def submitted_at(self) -> dt.datetime | None:
        return submission_time(self.submission.submitted_at) if self.submission else None

    @property
    def lateness(self) -> Lateness | None:
        return lateness_of(self.submission, self.due) if self.submission else None

    @property
    def max_score(self) -> float | None:
        return sum(r.max_score for r in self.rows) if self.rows else None

    def problem_scores(self) -> dict[str, tuple[float, float]]:
        """Points and maximum per problem id, for the problems that have rows."""
        totals: dict[str, tuple[float, float]] = {}
        for r in self.rows:
            got, top = totals.get(r.problem_id, (0.0, 0.0))
            totals[r.problem_id] = (got + r.score, top + r.max_score)
        return totals


def lateness_of(sub: SubmissionRecord, due: dt.datetime | None) -> Lateness | None:
    """What the late rule said of a submission when it was graded, as the gradebook keeps it
    (``due``: the assignment's own due date, to tell an extension)."""
    if sub.due_at is None:
        return None
    own = dt.datetime.fromisoformat(sub.due_at)
    deadline = Deadline(own, None, extended=due is not None and own != due)
    return Lateness(submission_time(sub.submitted_at), deadline, sub.late_days, sub.status == SubmissionStatus.AFTER_CUTOFF,
                    sub.penalty_percent or 0.0)


@contextlib.contextmanager
def opened(course: Course) -> Iterator[Gradebook]:
    book = Gradebook(course.config.gradebook, course.root)
    try:
        yield book
    finally:
        book.close()


def student_records(course: Course, assignment: Assignment, book: Gradebook, only: str | None = None) -> list[StudentRecord]:
    """Roster students and anyone who submitted, sorted by student id (``only``: that one student's, if any)."""
    roster = {s.student_id: s for s in course.roster()}
    known = book.students()
    latest = {s.student_id: s for s in book.submissions(assignment.name)}
    params: dict[str, dict[str, dict]] = {}
    for (sid, pid), value in book.variant_params(assignment.name).items():
        params.setdefault(sid, {})[pid] = value
    chosen: dict[str, dict[str, str]] = {}
    for (sid, pid), name in book.variant_alternatives(assignment.name).items():
        chosen.setdefault(sid, {})[pid] = name
    records = []
    for sid in sorted(set(roster) | set(latest)):
        if only is not None and sid != only:
            continue  # one student's page reads one student's rows
        name, email = (roster[sid].name, roster[sid].email) if sid in roster else known.get(sid, ("", ""))
        sub = latest.get(sid)
        if sub is None:
            records.append(StudentRecord(sid, name, email, GradeStatus.MISSING, None, student=roster.get(sid), due=assignment.due))
            continue
        rows = ordered_rows(assignment, book.part_rows(sub.id), params.get(sid, {}), chosen.get(sid, {}))
        alternatives = tuple((p.id, chosen[sid][p.id]) for p in assignment.pools if p.id in chosen.get(sid, {}))
        records.append(StudentRecord(sid, name, email, GradeStatus(sub.status), sub, tuple(rows), roster.get(sid), assignment.due,
                                     alternatives, params.get(sid, {})))
    return records


def ordered_rows(assignment: Assignment, rows: list[PartRecord], params: dict[str, dict],
                 alternatives: dict[str, str] | None = None) -> list[PartRecord]:
    """Rows by problem as the assignment lists them, parts as the student's variant lists them
    (``alternatives``: of each question pool, the alternative the student got)."""
    position = {p.id: i for i, p in enumerate(assignment.problems)}
    part_order: dict[str, list[str]] = {}
    for item in assignment.computed:
        problem = graded_problem(item, (alternatives or {}).get(item.id))
        part_order[item.id] = _parts(problem, params.get(item.id)) if problem is not None else []

    def key(row: PartRecord) -> tuple:
        pid, part = row.problem_id, row.part
        parts = part_order.get(pid, [])
        return (position.get(pid, len(position)), pid, parts.index(part) if part in parts else len(parts), _natural(part))

    return sorted(rows, key=key)


def graded_problem(item: Problem | Pool, alternative: str | None) -> Problem | None:
    """The problem a student was graded on: the item itself, or of a pool the alternative recorded
    for them (None when that is unknown: graded before the pool existed, or an alternative since removed)."""
    if isinstance(item, Problem):
        return item
    return next((a for a in item.alternatives if a.alternative == alternative), None)


def _parts(problem: Problem, params: dict | None) -> list[str]:
    if params is None:
        return []
    try:
        return list(problem.family.parts(problem.family.params(params)))
    except AutogradeError:
        return []  # a family changed since grading: fall back to name order


def _natural(name: str) -> tuple:
    # layer2 before layer10
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name))


def points(value: float | None, decimals: int = 4) -> str:
    """Points as text: at most four decimals (two for people: exports), no trailing zeros, never ``-0``."""
    if value is None:
        return ""
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def points_possible(assignment: Assignment, records: list[StudentRecord]) -> float | None:
    """The assignment's maximum: from the points in assignment.toml when every problem fixes them,
    else the largest maximum recorded (a family's part weights may depend on the variant)."""
    total = 0.0
    for item in assignment.problems:
        # a pool's alternatives are all worth the same (checked when the assignment loads)
        given = item.points if isinstance(item, QuestionConfig) else \
            (item.alternatives[0] if isinstance(item, Pool) else item).config.points
        if given is None:
            recorded = [round(r.max_score, 4) for r in records if r.max_score is not None]
            return max(recorded) if recorded else None
        total += sum(given.values()) if isinstance(given, dict) else given
    return round(total, 4)


def write_atomic(path: Path, data: bytes) -> Path:
    """Write a whole file or nothing: a reader never sees half an export."""
    private_folder(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # 0600, as course state is
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path
