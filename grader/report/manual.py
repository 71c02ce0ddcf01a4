"""Hand grading of free-text answers: export a sheet of pending answers, fill it in, import it.

The import checks every row before it writes anything: one bad row (an unknown submission or
problem, a score that is not a number or is out of range, a row given twice) is an error line
naming the sheet's line, and then nothing is recorded. A row with a blank score is left pending.
Importing the same sheet twice records the same grades twice: harmless.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from grader.assignment import Assignment, QuestionConfig, load_assignment
from grader.changes import cli_user
from grader.config import Course
from grader.errors import ConfigError
from grader.gradebook import Gradebook, PartRecord
from grader.outcomes import Verdict
from grader.report.records import opened, points, student_records, write_atomic

__all__ = ["COLUMNS", "Answer", "AnswerGroup", "Grade", "ManualExportResult", "ManualImportResult", "answers", "check_rows", "export_manual",
           "grouped", "import_manual", "inert", "normalised", "record_grades", "sheet_text"]

COLUMNS = ("submission_id", "student_id", "problem_id", "part", "max_points", "prompt", "rubric", "answer",
           "score", "feedback")
REQUIRED = ("submission_id", "problem_id", "part", "score")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ManualExportResult:
    path: Path
    rows: int
    kept: int = 0  # rows whose typed score or comment came from the sheet already there


@dataclass
class ManualImportResult:
    imported: int = 0
    skipped: int = 0  # blank score: left pending
    errors: list[str] = field(default_factory=list)


def inert(text: str) -> str:
    # a student's answer opened in a spreadsheet must not run as a formula (CSV injection)
    return "'" + text if text.startswith(FORMULA_START) else text


Key = tuple[str, str, str]
"""A sheet row's place: submission id (as written), problem id, part."""


@dataclass(frozen=True)
class _Typed:
    """What a TA typed into one row of a sheet already there."""

    line: int
    student_id: str
    score: str
    feedback: str


@dataclass(frozen=True)
class Answer:
    """One free-text answer of a latest submission: a row of the sheet, or of the web's grading page."""

    submission_id: int
    student_id: str
    problem_id: str
    part: str
    max_score: float
    prompt: str
    rubric: str
    answer: str
    graded: bool       # a hand grade is recorded (else it is pending)
    score: float
    feedback: str


def answers(course: Course, assignment: Assignment, book: Gradebook, pending_only: bool = True) -> Iterator[Answer]:
    """The free-text answers of every student's latest submission, by student (pending ones only, by default)."""
    for record in student_records(course, assignment, book):
        for row in record.rows:
            if row.verdict != Verdict.PENDING and (pending_only or row.verdict != Verdict.MANUAL):
                continue
            question = assignment.problem(row.problem_id)
            prompt, rubric = (question.prompt.strip(), question.rubric) if isinstance(question, QuestionConfig) else ("", "")
            assert record.submission is not None  # a record with rows has its submission
            yield Answer(record.submission.id, record.student_id, row.problem_id, row.part, row.max_score, prompt, rubric,
                         str(row.given or ""), row.verdict == Verdict.MANUAL, row.score, row.feedback)


def sheet_text(course: Course, assignment: Assignment, book: Gradebook,
               typed: dict[Key, _Typed] | None = None) -> tuple[str, int, set[Key]]:
    """The grading sheet: one row per pending free-text part of every latest submission, with what
    was ``typed`` for it before; also the row count and the rows that took something typed."""
    typed = typed or {}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    count, used = 0, set()
    for a in answers(course, assignment, book):
        key = (str(a.submission_id), a.problem_id, a.part)
        before = typed.get(key)
        if before is not None:
            used.add(key)
        writer.writerow([a.submission_id, a.student_id, a.problem_id, a.part, points(a.max_score), a.prompt, a.rubric,
                         inert(a.answer), before.score if before else "", before.feedback if before else ""])
        count += 1
    return buffer.getvalue(), count, used


def export_manual(course: Course, assignment_name: str, out: Path | None = None) -> ManualExportResult:
    """Write the grading sheet (default ``exports/<assignment>.manual.csv``).

    A sheet already there keeps what was typed into it: each typed score and comment is carried
    into its row of the new sheet. Typed work with no row in the new sheet (the student handed in
    again; or a score changed after it was imported) would be lost: then nothing is written and a
    ``ConfigError`` names each such line.
    """
    assignment = load_assignment(course, assignment_name)
    path = Path(out) if out else course.folder("exports") / f"{assignment.name}.manual.csv"
    typed = _typed_in(path)
    with opened(course) as book:
        text, count, used = sheet_text(course, assignment, book, typed)
        lost = [_why_lost(path, key, t, book, assignment) for key, t in typed.items() if key not in used]
    lost = [line for line in lost if line]
    if lost:
        raise ConfigError(f"{'; '.join(lost)}. Nothing was written: copy what is typed there, then move the sheet "
                          "away (or export with --out)")
    write_atomic(path, text.encode("utf-8-sig"))  # the mark tells a spreadsheet the answers are UTF-8
    return ManualExportResult(path, count, len(used))


def _typed_in(path: Path) -> dict[Key, _Typed]:
    """The scores and comments typed into the sheet at ``path`` (none when there is no file)."""
    if not path.exists():
        return {}
    try:
        rows, errors = _read_sheet(path)
    except ConfigError as exc:
        errors = [str(exc)]
    if errors:
        raise ConfigError(f"{path} exists and is not a grading sheet ({errors[0]}); move it away or export with --out")
    return {(row.get("submission_id", ""), row.get("problem_id", ""), row.get("part", "")):
            _Typed(line, row.get("student_id", ""), row.get("score", ""), row.get("feedback", ""))
            for line, row in rows if row.get("score") or row.get("feedback")}


def _why_lost(path: Path, key: Key, typed: _Typed, book: Gradebook, assignment: Assignment) -> str | None:
    """Why typed work without a row in the new sheet would be lost; ``None`` when the gradebook has it."""
    sub_text, pid, part = key
    where = f"{path}:{typed.line}: the score or comment typed for {typed.student_id} {pid}/{part} (submission {sub_text})"
    latest = {str(s.id): s for s in book.submissions(assignment.name)}
    if sub_text not in latest:
        every = {str(s.id) for s in book.submissions(assignment.name, latest_only=False)}
        why = f"{typed.student_id} handed in again since" if sub_text in every else f"it is not a submission of {assignment.name}"
        return f"{where} has no row in a new sheet: {why}"
    recorded = next((r for r in book.part_rows(latest[sub_text].id) if (r.problem_id, r.part) == (pid, part)), None)
    if recorded is None or recorded.verdict != Verdict.MANUAL:
        return f"{where} has no row in a new sheet"
    same_score = not typed.score or _number(typed.score) == recorded.score
    if same_score and typed.feedback in ("", recorded.feedback):
        return None  # imported already: the gradebook holds it
    return f"{where}: it differs from the hand grade recorded ({points(recorded.score)}); import the sheet first"


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class Grade:
    submission_id: int
    problem_id: str
    part: str
    score: float
    feedback: str


def _read_sheet(path: Path) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    """Rows with the line each starts on (an answer may span several lines), or the header's error."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")  # a spreadsheet may save a byte-order mark
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text (save the sheet as CSV UTF-8)") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return [], [f"{path}:1: missing column(s) {', '.join(missing)} (the first line must name the columns)"]
    reader.fieldnames = header
    rows, start = [], reader.line_num + 1
    try:
        for raw in reader:
            rows.append((start, {k: (v or "").strip() for k, v in raw.items() if isinstance(k, str)}))
            start = reader.line_num + 1
    except csv.Error as exc:
        return [], [f"{path}:{start}: not readable as CSV: {exc}"]
    return rows, []


def check_rows(source: str | Path, assignment: Assignment, book: Gradebook,
               rows: list[tuple[int, dict[str, str]]]) -> tuple[list[Grade], int, list[str]]:
    """Rows of hand grades (line, sheet row) checked against the gradebook: the grades to record, how many
    were left blank, and one error per bad row naming ``source`` and its line (a sheet, or a web form)."""
    latest = {s.id: s for s in book.submissions(assignment.name)}
    every = {s.id for s in book.submissions(assignment.name, latest_only=False)}
    parts: dict[int, dict[tuple[str, str], PartRecord]] = {}
    grades, errors, blank, seen = [], [], 0, {}
    for line, row in rows:
        where = f"{source}:{line}"
        sid_text, pid, part = row.get("submission_id", ""), row.get("problem_id", ""), row.get("part", "")
        key = (sid_text, pid, part)
        if key in seen:
            errors.append(f"{where}: the same submission, problem and part as line {seen[key]}")
            continue
        seen[key] = line
        try:
            sub_id = int(sid_text)
        except ValueError:
            errors.append(f"{where}: submission_id {sid_text!r} is not a number")
            continue
        if sub_id not in latest:
            why = "is not the latest submission of its student (export the sheet again)" if sub_id in every \
                else f"is not a submission of {assignment.name}"
            errors.append(f"{where}: submission {sub_id} {why}")
            continue
        student = row.get("student_id", "")
        if student and student != latest[sub_id].student_id:
            errors.append(f"{where}: submission {sub_id} belongs to {latest[sub_id].student_id}, not {student}")
            continue
        if not any(q.id == pid for q in assignment.questions):
            known = ", ".join(q.id for q in assignment.questions) or "none"
            errors.append(f"{where}: {pid!r} is not a free-text question of {assignment.name} (those are: {known})")
            continue
        if sub_id not in parts:
            parts[sub_id] = {(r.problem_id, r.part): r for r in book.part_rows(sub_id)}
        result = parts[sub_id].get((pid, part))
        if result is None or not result.manual:
            errors.append(f"{where}: submission {sub_id} has no hand-graded part {pid}/{part}")
            continue
        score_text = row.get("score", "")
        if not score_text:
            blank += 1
            continue
        try:
            score = float(score_text)
        except ValueError:
            score = math.nan
        if not math.isfinite(score):
            errors.append(f"{where}: score {score_text!r} is not a number")
            continue
        if not 0 <= score <= result.max_score:
            errors.append(f"{where}: score {score_text} is outside 0..{points(result.max_score)} for {pid}/{part}")
            continue
        grades.append(Grade(sub_id, pid, part, score, row.get("feedback", "")))
    return grades, blank, errors


def import_manual(course: Course, assignment_name: str, path: Path) -> ManualImportResult:
    """Check every row of a filled-in sheet, then record the hand grades (none if any row is bad)."""
    assignment = load_assignment(course, assignment_name)
    rows, errors = _read_sheet(Path(path))
    if errors:
        return ManualImportResult(errors=errors)
    with opened(course) as book:
        grades, blank, errors = check_rows(Path(path), assignment, book, rows)
        if errors:
            return ManualImportResult(errors=errors)
        record_grades(book, grades, cli_user())
    return ManualImportResult(imported=len(grades), skipped=blank)


def record_grades(book: Gradebook, grades: list[Grade], by: str) -> None:
    """Record checked hand grades, each logged as a change ``by`` someone."""
    for g in grades:
        book.set_manual(g.submission_id, g.problem_id, g.part, g.score, g.feedback, by=by)


@dataclass(frozen=True)
class AnswerGroup:
    """Answers to one question that are the same once whitespace and case are set aside: graded at once."""

    key: str
    members: tuple[Answer, ...]

    @property
    def text(self) -> str:
        return self.members[0].answer

    @property
    def graded(self) -> bool:
        return all(a.graded for a in self.members)

    @property
    def agreed(self) -> tuple[float, str] | None:
        """The score and comment every member has, when they all have the same (else None)."""
        first = self.members[0]
        same = all(a.graded and (a.score, a.feedback) == (first.score, first.feedback) for a in self.members)
        return (first.score, first.feedback) if same else None


def normalised(text: str) -> str:
    return " ".join(text.split()).casefold()


def grouped(found: Iterator[Answer] | list[Answer]) -> list[AnswerGroup]:
    """Answers in groups of equal normalised text: pending groups first, then the biggest, then by text."""
    by_key: dict[tuple[str, str, str], list[Answer]] = {}
    for a in found:
        by_key.setdefault((a.problem_id, a.part, normalised(a.answer)), []).append(a)
    groups = [AnswerGroup(f"{pid}/{part}/{text}", tuple(members)) for (pid, part, text), members in by_key.items()]
    return sorted(groups, key=lambda g: (g.graded, -len(g.members), g.key))
