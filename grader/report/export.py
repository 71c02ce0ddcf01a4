"""``autograde export``: the gradebook of one assignment as CSV, a Canvas gradebook import, or JSON.

Every roster student is listed (one without a submission as ``missing``); the same gradebook
always gives the same bytes: rows sorted by student id, keys sorted, numbers written one way.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from grader.assignment import Assignment, Problem, load_assignment
from grader.config import Course
from grader.report.records import StudentRecord, opened, points, points_possible, student_records, write_atomic

__all__ = ["ExportFormat", "ExportResult", "canvas_text", "csv_text", "export", "json_text"]


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


def _csv(rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(rows)
    return buffer.getvalue()


def csv_text(assignment: Assignment, records: list[StudentRecord]) -> str:
    """student_id, name, one column of points per problem, total, max, status."""
    ids = [p.id for p in assignment.problems]
    rows: list[list[Any]] = [["student_id", "name", *ids, "total", "max", "status"]]
    for r in records:
        per_problem = r.problem_scores()
        rows.append([r.student_id, r.name,
                     *(points(per_problem[pid][0]) if pid in per_problem else "" for pid in ids),
                     points(r.score), points(r.max_score), r.status])
    return _csv(rows)


def canvas_column(assignment: Assignment) -> str:
    return f"{assignment.config.title} ({assignment.name})"


def canvas_text(assignment: Assignment, records: list[StudentRecord]) -> str:
    """A CSV for Canvas's gradebook import: roster students only (Canvas cannot match anyone else),
    matched on the student id as SIS User ID; a blank score leaves Canvas's grade unchanged."""
    rows: list[list[Any]] = [
        [*CANVAS_IDENTITY, canvas_column(assignment)],
        [CANVAS_POINTS_ROW, "", "", "", "", points(points_possible(assignment, records))],
    ]
    for r in records:
        if r.status == "not_on_roster":
            continue
        rows.append([r.name or r.student_id, "", r.student_id, r.email, "", points(r.score)])
    return _csv(rows)


def _number(value: float | None) -> float | None:
    # rounded so that float noise from splitting points never changes the bytes
    return None if value is None else round(value, 4) + 0.0


def json_document(course: Course, assignment: Assignment, records: list[StudentRecord]) -> dict[str, Any]:
    problems = [{"id": p.id, "title": p.title,
                 "kind": "computed" if isinstance(p, Problem) else "free_text"} for p in assignment.problems]
    students = []
    for r in records:
        sub = r.submission
        per_problem = r.problem_scores()
        students.append({
            "student_id": r.student_id, "name": r.name, "email": r.email, "status": r.status,
            "reason": sub.reason if sub else "",
            "submitted_at": sub.submitted_at if sub else None,
            "graded_at": sub.graded_at if sub else None,
            "score": _number(r.score), "max": _number(r.max_score),
            "problems": [{
                "id": pid, "score": _number(got), "max": _number(top),
                "parts": [{
                    "part": row["part"], "score": _number(row["score"]), "max": _number(row["max_score"]),
                    "verdict": row["verdict"], "mistake": row["mistake"], "feedback": row["feedback"],
                    "manual": bool(row["manual"]), "given": row["given"], "expected": row["expected"],
                } for row in r.rows if row["problem_id"] == pid],
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
           out: Path | None = None) -> ExportResult:
    """Write the export (default ``exports/<assignment>.csv``, ``.canvas.csv`` or ``.json``)."""
    fmt = ExportFormat(fmt)
    assignment = load_assignment(course, assignment_name)
    with opened(course) as book:
        records = student_records(course, assignment, book)
    if fmt is ExportFormat.csv:
        text = csv_text(assignment, records)
    elif fmt is ExportFormat.canvas:
        text = canvas_text(assignment, records)
    else:
        text = json_text(course, assignment, records)
    path = Path(out) if out else course.folder("exports") / f"{assignment.name}{SUFFIX[fmt]}"
    write_atomic(path, text.encode("utf-8"))
    return ExportResult(path, fmt, len(records), sum(r.status == "missing" for r in records))
