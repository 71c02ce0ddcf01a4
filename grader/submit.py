"""The student's side: ``validate`` a notebook and ``submit`` it. No terminal I/O here, so a
submission service can call the same functions.

Validation runs the notebook as the grader would and reports, per problem, whether each answer
is there and has the right type and shape; it never says whether an answer is right.
"""

from __future__ import annotations

import ast
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from nbformat import NotebookNode

from grader.assignment import load_assignment
from grader.config import Course, LimitsConfig
from grader.errors import AutogradeError, SubmissionError
from grader.grading.execute import SubmissionJob, execute_submission
from grader.notebook.build import METADATA_KEY
from grader.notebook.read import read_notebook, read_submission_bytes
from grader.notebook.slots import UNANSWERED, Slot, slots
from grader.private import private_folder, write_private
from grader.problems import get_family
from grader.sandbox.job import Limits
from grader.sandbox.limits import sandbox_for

__all__ = ["ProblemCheck", "SubmitResult", "ValidationReport", "submit", "validate"]


@dataclass
class ProblemCheck:
    problem_id: str
    status: str                 # answered | missing | wrong_form | pending | unknown
    messages: list[str] = field(default_factory=list)


@dataclass
class ValidationReport:
    notebook: str
    assignment: str
    student_id: str
    problems: list[ProblemCheck] = field(default_factory=list)
    run_status: str = "ok"
    run_reason: str = ""

    @property
    def complete(self) -> bool:
        return self.run_status == "ok" and all(p.status in ("answered", "pending") for p in self.problems)


@dataclass
class SubmitResult:
    path: Path
    report: ValidationReport


def _record(nb: NotebookNode, name: str) -> dict:
    record = nb.metadata.get(METADATA_KEY)
    if not isinstance(record, dict) or not isinstance(record.get("problems"), list):
        raise SubmissionError(f"{name}: not an autograde notebook (no {METADATA_KEY} record in its metadata)")
    return record


def validate(path: Path, limits: LimitsConfig | None = None, data: bytes | None = None,
             course: Course | None = None) -> ValidationReport:
    """Run the notebook as the grader would and report missing or malformed answers."""
    path = Path(path)
    data = data if data is not None else read_submission_bytes(path, 50_000_000)
    nb = read_notebook(data, path.name)
    record = _record(nb, path.name)
    report = ValidationReport(str(path), str(record.get("assignment", "")), str(record.get("student_id", "")))
    slot_map: dict[str, list[Slot]] = {}
    expected: dict[str, tuple] = {}
    questions: list[str] = []
    for entry in record["problems"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            continue
        pid, family_name = entry["id"], entry.get("family")
        if family_name is None:
            questions.append(pid)
            continue
        try:
            family = get_family(str(family_name))
            params = family.params(_params_in(nb, pid))
        except AutogradeError as exc:
            report.problems.append(ProblemCheck(pid, "unknown", [f"cannot check this problem here: {exc}"]))
            continue
        slot_map[pid] = slots(pid, family, params)
        expected[pid] = (family, params)
    # the notebook is its own reference here: validation is advice, never a grade
    outcome = execute_submission(SubmissionJob(key=path.name, data=data, params={pid: params.model_dump(mode="json") for pid, (_, params) in expected.items()}, slots=slot_map,
                                               questions=tuple(questions), limits=Limits.from_config(limits or LimitsConfig()),
                                               sandbox=sandbox_for(course)))
    report.run_status, report.run_reason = outcome.status, outcome.reason
    for pid, problem_slots in slot_map.items():
        family, params = expected[pid]
        parts = family.parts(params)
        check = ProblemCheck(pid, "answered", list(outcome.notes.get(pid, [])))
        for slot in problem_slots:
            value = outcome.values.get(slot.variable, UNANSWERED)
            if value == UNANSWERED or (value is None and not slot.none_is_answer):
                check.messages.append(f"{slot.variable} is not answered yet.")
                check.status = "missing"
                continue
            reference = family.answer(params) if slot.part is None else parts[slot.part].expected
            kind = next(iter(parts.values())).kind if slot.part is None else parts[slot.part].kind
            problem = _form_problem(family.layout, kind, value, reference)
            if problem:
                check.messages.append(f"{slot.variable}: {problem}")
                check.status = "wrong_form" if check.status == "answered" else check.status
        report.problems.append(check)
    for qid in questions:
        answered = bool(outcome.free_text.get(qid))
        report.problems.append(ProblemCheck(qid, "pending" if answered else "missing",
                                            [] if answered else [f"{qid} (written answer) is not answered yet."]))
    return report


def _params_in(nb: NotebookNode, pid: str) -> dict:
    """The student's numbers, read (never run) from the literal in their parameters cell."""
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == f"{pid}-params":
            try:
                tree = ast.parse(cell.source)
                statement = tree.body[-1]
                if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Dict):
                    return ast.literal_eval(statement.value)
            except (SyntaxError, ValueError, IndexError, RecursionError, MemoryError):
                break
    raise SubmissionError(f"the parameters cell of {pid} is missing or changed: get a fresh copy of the notebook")


def _form_problem(layout: str, kind, value, reference) -> str | None:
    if layout != "list":
        return kind.check_form(value, reference)
    if not isinstance(value, list) or len(value) != len(reference):
        return f"Expected a list of {len(reference)} entries."
    for entry, ref in zip(value, reference):
        problem = kind.check_form(entry, ref)
        if problem:
            return problem
    return None


def submit(course: Course, assignment_name: str, notebook: Path, student_id: str, *, run: bool = True,
           now: dt.datetime | None = None) -> SubmitResult:
    """Validate, then copy into ``submitted/<student>/<assignment>/<timestamp>/`` (never overwriting)."""
    assignment = load_assignment(course, assignment_name)
    roster = {s.student_id for s in course.roster()}
    if student_id not in roster:
        raise SubmissionError(f"student {student_id!r} is not on the roster of {course.config.course}")
    limits = course.config.limits
    data = read_submission_bytes(Path(notebook), limits.submission_mb * 1_000_000)
    nb = read_notebook(data, Path(notebook).name)
    record = _record(nb, Path(notebook).name)
    if record.get("assignment") != assignment.name:
        raise SubmissionError(f"{Path(notebook).name} belongs to assignment {record.get('assignment')!r}, not {assignment.name!r}")
    report = validate(Path(notebook), limits, data, course) if run else ValidationReport(str(notebook), assignment.name, student_id)
    now = now or dt.datetime.now(dt.UTC)
    stamp = now.strftime("%Y-%m-%dT%H-%M-%S.%fZ")
    folder = course.folder("submitted") / student_id / assignment.name / stamp
    suffix = 1
    while folder.exists():
        folder = folder.with_name(f"{stamp}-{suffix}")
        suffix += 1
    private_folder(folder)
    target = write_private(folder / f"{assignment.name}.ipynb", data, exclusive=True)
    write_private(folder / "timestamp.txt", (now.strftime("%Y-%m-%d %H:%M:%S.%f UTC") + "\n").encode())
    return SubmitResult(target, report)
