"""``autograde export``: the gradebook of one assignment as CSV, a Canvas gradebook import, or JSON.

Every roster student is listed (one without a submission as ``missing``); the same gradebook
always gives the same bytes: rows sorted by student id, keys sorted, numbers written one way.
Totals are net of the late penalty. A total with free-text parts still to be graded by hand is
provisional: its status is ``pending``, and it is left out of the Canvas file unless asked for.

The CSV is for people: UTF-8 with a byte-order mark (so an office spreadsheet keeps non-ASCII
names intact), scores to two decimals. The Canvas file follows Canvas's gradebook importer
(canvas-lms ``app/models/gradebook_importer.rb``): the identity columns, one assignment column
"Title (id)", a "Points Possible" row; any further column would make Canvas create an assignment,
so lateness, pending totals and what a notebook's release stamp said (``identity``: a notebook
released to another student, see :mod:`grader.identity`) are in the CSV and JSON only.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from grader.assignment import Assignment, Pool, QuestionConfig, load_assignment
from grader.changes import Change, history
from grader.config import Course
from grader.outcomes import GradeStatus, Verdict
from grader.report.manual import inert
from grader.report.records import StudentRecord, opened, points, points_possible, student_records, write_atomic

PEOPLE = 2
"""Decimals of the scores in files people read (the CSV) and in Canvas, which keeps two."""

__all__ = ["CHANGE_COLUMNS", "ExportFormat", "ExportResult", "canvas_text", "changes_text", "csv_text", "export",
           "export_changes", "json_text"]


class ExportFormat(str, Enum):
    csv = "csv"
    canvas = "canvas"
    json = "json"


SUFFIX = {ExportFormat.csv: ".csv", ExportFormat.canvas: ".canvas.csv", ExportFormat.json: ".json"}
CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
CANVAS_POINTS_ROW = "    Points Possible"  # spelled as Canvas's own gradebook export spells it


@dataclass(frozen=True)
class ExportResult:
    path: Path
    format: ExportFormat
    students: int
    missing: int
    pending: int = 0                      # provisional totals: hand grades to come
    withheld: tuple[str, ...] = ()        # Canvas: students whose provisional total was left blank
    unmatched: tuple[str, ...] = ()       # Canvas: students with no LMS id on the roster (matched on student_id and email)


def _csv(rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(rows)
    return buffer.getvalue()


def _waiting(r: StudentRecord) -> set[str]:
    """Problems with a part still to be graded by hand: no score yet, rather than a 0 that looks final."""
    return {row.problem_id for row in r.rows if row.verdict == Verdict.PENDING}


def _when(r: StudentRecord) -> str:
    when = r.submitted_at
    return when.strftime("%Y-%m-%dT%H:%M:%SZ") if when else ""


def _problem_columns(assignment: Assignment) -> list[tuple[str, bool]]:
    """(problem id, is it the column naming a pool's alternative): each pool's follows its points."""
    return [(p.id, alt) for p in assignment.problems for alt in ((False, True) if isinstance(p, Pool) else (False,))]


def csv_text(assignment: Assignment, records: list[StudentRecord]) -> str:
    """student_id, name, points per problem (and after a question pool's, which alternative the
    student got), total (net of any late penalty), max, status, the points still to be graded by
    hand, when it was submitted, days late, the penalty in points, what the notebook's release stamp
    said and, for another student's notebook, whose it was."""
    columns = _problem_columns(assignment)
    rows: list[list[Any]] = [["student_id", "name", *(f"{pid}_alternative" if alt else pid for pid, alt in columns),
                              "total", "max", "status", "pending_points", "submitted_at", "late_days", "penalty",
                              "identity", "released_to"]]
    for r in records:
        per_problem = r.problem_scores()
        waiting = _waiting(r)
        late_days = r.submission.late_days if r.submission else None
        rows.append([r.student_id, r.name,
                     *((r.alternative(pid) or "") if alt else
                       points(per_problem[pid][0], PEOPLE) if pid in per_problem and pid not in waiting else ""
                       for pid, alt in columns),
                     points(r.score, PEOPLE), points(r.max_score, PEOPLE), r.grade_status,
                     points(r.pending_points, PEOPLE) if r.rows else "", _when(r),
                     "" if late_days is None else late_days, points(r.penalty, PEOPLE),
                     (r.submission.identity or "") if r.submission else "", r.submission.released_to if r.submission else ""])
    return _csv(rows)


def canvas_column(assignment: Assignment) -> str:
    """The assignment's column: ``canvas_column`` from assignment.toml ("Title (canvas id)"), else the
    title, which Canvas matches against its assignments' titles."""
    return assignment.config.canvas_column or assignment.config.title


def _lms_ids(r: StudentRecord) -> tuple[str, str, str] | None:
    s = r.student
    return (s.canvas_id, s.sis_id, s.login) if s and (s.canvas_id or s.sis_id or s.login) else None


def canvas_text(assignment: Assignment, records: list[StudentRecord], include_pending: bool = False) -> str:
    """A CSV for Canvas's gradebook import: roster students only (Canvas cannot match anyone else).
    Canvas finds a student by ID (the roster's canvas_id), then SIS User ID (sis_id), then SIS Login
    ID (login); a student with none of them is sent with student_id and email there. A blank score
    leaves Canvas's grade unchanged: so is a provisional total, unless ``include_pending``."""
    rows: list[list[Any]] = [
        [*CANVAS_IDENTITY, canvas_column(assignment)],
        [CANVAS_POINTS_ROW, "", "", "", "", points(points_possible(assignment, records), PEOPLE)],
    ]
    for r in records:
        if r.status == GradeStatus.NOT_ON_ROSTER:
            continue
        canvas_id, sis_id, login = _lms_ids(r) or ("", r.student_id, r.email)
        withheld = r.grade_status == GradeStatus.PENDING and not include_pending
        rows.append([r.name or r.student_id, canvas_id, sis_id, login, "", "" if withheld else points(r.score, PEOPLE)])
    return _csv(rows)


def _number(value: float | None) -> float | None:
    # rounded so that float noise from splitting points never changes the bytes
    return None if value is None else round(value, 4) + 0.0


def json_document(course: Course, assignment: Assignment, records: list[StudentRecord]) -> dict[str, Any]:
    problems = [{"id": p.id, "title": p.title, "kind": "free_text" if isinstance(p, QuestionConfig) else "computed",
                 **({"alternatives": [a.alternative for a in p.alternatives]} if isinstance(p, Pool) else {})}
                for p in assignment.problems]
    pools = {p.id for p in assignment.pools}
    students = []
    for r in records:
        sub = r.submission
        per_problem = r.problem_scores()
        students.append({
            "student_id": r.student_id, "name": r.name, "email": r.email, "status": r.grade_status,
            "reason": sub.reason if sub else "",
            "submitted_at": _when(r) or None,
            "graded_at": sub.graded_at if sub else None,
            "due": sub.due_at if sub else None,
            "late_days": sub.late_days if sub else None,
            "penalty": _number(r.penalty), "penalty_percent": _number(r.penalty_percent) if sub else None,
            # what the release stamp said (grader.identity; None: not checked) and, if another's, whose
            "identity": sub.identity if sub else None, "released_to": (sub.released_to or None) if sub else None,
            "pending": r.grade_status == GradeStatus.PENDING, "pending_points": _number(r.pending_points) if r.rows else None,
            "score": _number(r.score), "score_before_penalty": _number(r.raw_score), "max": _number(r.max_score),
            "problems": [{
                "id": pid, "score": None if pid in _waiting(r) else _number(got), "max": _number(top),
                **({"alternative": r.alternative(pid)} if pid in pools else {}),
                "parts": [{
                    "part": row.part, "score": _number(row.score), "max": _number(row.max_score),
                    "verdict": row.verdict, "mistake": row.mistake, "feedback": row.feedback,
                    "manual": row.manual, "given": row.given, "expected": row.expected,
                    "override": row.override,  # an instructor's reason, when they set this computed score
                } for row in r.rows if row.problem_id == pid],
            } for pid, (got, top) in per_problem.items()],
        })
    return {
        "course": course.config.course,
        "assignment": assignment.name,
        "title": assignment.config.title,
        "due": assignment.due.isoformat() if assignment.due else None,
        "max": _number(points_possible(assignment, records)),
        "problems": problems,
        "students": students,
    }


def json_text(course: Course, assignment: Assignment, records: list[StudentRecord]) -> str:
    return json.dumps(json_document(course, assignment, records), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def export(course: Course, assignment_name: str, fmt: ExportFormat | str = ExportFormat.csv,
           out: Path | None = None, include_pending: bool = False) -> ExportResult:
    """Write the export (default ``exports/<assignment>.csv``, ``.canvas.csv`` or ``.json``).

    Args:
        include_pending: Canvas only: publish provisional totals too (hand grades still to come).
    """
    fmt = ExportFormat(fmt)
    assignment = load_assignment(course, assignment_name)
    with opened(course) as book:
        records = student_records(course, assignment, book)
    pending = tuple(r.student_id for r in records if r.grade_status == GradeStatus.PENDING)
    withheld, unmatched = (), ()
    if fmt is ExportFormat.csv:
        data = csv_text(assignment, records).encode("utf-8-sig")  # the mark tells a spreadsheet it is UTF-8
    elif fmt is ExportFormat.canvas:
        data = canvas_text(assignment, records, include_pending).encode("utf-8")
        withheld = () if include_pending else pending
        unmatched = tuple(r.student_id for r in records if r.student is not None and _lms_ids(r) is None)
    else:
        data = json_text(course, assignment, records).encode("utf-8")
    path = Path(out) if out else course.folder("exports") / f"{assignment.name}{SUFFIX[fmt]}"
    write_atomic(path, data)
    return ExportResult(path, fmt, len(records), sum(r.status == GradeStatus.MISSING for r in records), len(pending),
                        withheld, unmatched)


CHANGE_COLUMNS = ("at", "by", "kind", "assignment", "student_id", "submission_id", "problem_id", "part", "old", "new",
                  "reason")


def changes_text(entries: list[Change]) -> str:
    """The audit log as CSV, newest first: a comment typed by staff is text for a spreadsheet, never a formula."""
    rows: list[list[Any]] = [list(CHANGE_COLUMNS)]
    for e in entries:
        rows.append([points(getattr(e, c)) if c in ("old", "new") else inert(str(getattr(e, c))) for c in CHANGE_COLUMNS])
    return _csv(rows)


def export_changes(course: Course, assignment: str | None = None, student_id: str | None = None,
                   out: Path | None = None) -> tuple[Path, int]:
    """Write the audit log of grade changes (of one assignment and/or student) as CSV (default
    ``exports/<assignment>.changes.csv``, or ``exports/changes.csv`` for every assignment); the path and row count."""
    with opened(course) as book:
        entries = history(book.engine, assignment, student_id)
    path = Path(out) if out else course.folder("exports") / f"{assignment + '.' if assignment else ''}changes.csv"
    write_atomic(path, changes_text(entries).encode("utf-8-sig"))
    return path, len(entries)
