"""One assignment's gradebook, student by student: what feedback pages, exports and grading sheets read.

Every roster student appears (one without a submission as ``missing``), rows come in the
assignment's order (problem by problem, parts in the family's order) and numbers are written one
way everywhere, so the same gradebook always gives the same bytes.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.assignment import Assignment, Problem
from grader.config import Course
from grader.errors import AutogradeError
from grader.gradebook import Gradebook, SubmissionRecord
from grader.private import private_folder

__all__ = ["StudentRecord", "opened", "ordered_rows", "points", "points_possible", "student_records", "write_atomic"]


@dataclass(frozen=True)
class StudentRecord:
    """A student's latest submission of one assignment and its part rows, in assignment order."""

    student_id: str
    name: str
    email: str
    status: str
    submission: SubmissionRecord | None
    rows: tuple[dict[str, Any], ...] = ()

    @property
    def score(self) -> float | None:
        return sum(r["score"] for r in self.rows) if self.rows else None

    @property
    def max_score(self) -> float | None:
        return sum(r["max_score"] for r in self.rows) if self.rows else None

    def problem_scores(self) -> dict[str, tuple[float, float]]:
        """Points and maximum per problem id, for the problems that have rows."""
        totals: dict[str, tuple[float, float]] = {}
        for r in self.rows:
            got, top = totals.get(r["problem_id"], (0.0, 0.0))
            totals[r["problem_id"]] = (got + r["score"], top + r["max_score"])
        return totals


@contextlib.contextmanager
def opened(course: Course) -> Iterator[Gradebook]:
    book = Gradebook(course.config.gradebook, course.root)
    try:
        yield book
    finally:
        book.close()


def student_records(course: Course, assignment: Assignment, book: Gradebook) -> list[StudentRecord]:
    """Roster students and anyone who submitted, sorted by student id."""
    roster = {s.student_id: s for s in course.roster()}
    known = book.students()
    latest = {s.student_id: s for s in book.submissions(assignment.name)}
    params: dict[str, dict[str, dict]] = {}
    for (sid, pid), value in book.variant_params(assignment.name).items():
        params.setdefault(sid, {})[pid] = value
    records = []
    for sid in sorted(set(roster) | set(latest)):
        name, email = (roster[sid].name, roster[sid].email) if sid in roster else known.get(sid, ("", ""))
        sub = latest.get(sid)
        if sub is None:
            records.append(StudentRecord(sid, name, email, "missing", None))
            continue
        rows = ordered_rows(assignment, book.results(sub.id), params.get(sid, {}))
        records.append(StudentRecord(sid, name, email, sub.status, sub, tuple(rows)))
    return records


def ordered_rows(assignment: Assignment, rows: list[dict[str, Any]], params: dict[str, dict]) -> list[dict[str, Any]]:
    """Rows by problem as the assignment lists them, parts as the student's variant lists them."""
    position = {p.id: i for i, p in enumerate(assignment.problems)}
    part_order: dict[str, list[str]] = {}
    for item in assignment.computed:
        part_order[item.id] = _parts(item, params.get(item.id))

    def key(row: dict[str, Any]) -> tuple:
        pid, part = row["problem_id"], row["part"]
        parts = part_order.get(pid, [])
        return (position.get(pid, len(position)), pid, parts.index(part) if part in parts else len(parts), _natural(part))

    return sorted(rows, key=key)


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


def points(value: float | None) -> str:
    """Points as text: at most four decimals, no trailing zeros, never ``-0``."""
    if value is None:
        return ""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def points_possible(assignment: Assignment, records: list[StudentRecord]) -> float | None:
    """The assignment's maximum: from the points in assignment.toml when every problem fixes them,
    else the largest maximum recorded (a family's part weights may depend on the variant)."""
    total = 0.0
    for item in assignment.problems:
        given = item.config.points if isinstance(item, Problem) else item.points
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
