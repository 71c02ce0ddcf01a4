"""The student's side: ``validate`` a notebook and ``submit`` it. No terminal I/O here, so a
submission service can call the same functions.

Validation runs the notebook as the grader would and reports, per problem, whether each answer
is there and has the right type and shape; it never says whether an answer is right.
"""

from __future__ import annotations

import ast
import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from nbformat import NotebookNode

from grader.assignment import Assignment, load_assignment
from grader.config import Course
from grader.course_families import find_family
from grader.errors import AutogradeError, ConfigError, SubmissionError
from grader.grading.execute import ExecutionOutcome, SubmissionJob, execute_submission
from grader.grading.hide import sandbox_for
from grader.identity import IdentityCheck, RosterStamps, notebook_stamp
from grader.late import Deadlines, Lateness, deadlines, moment
from grader.limits import Limits
from grader.notebook.build import METADATA_KEY
from grader.notebook.read import read_notebook, read_submission_bytes
from grader.notebook.slots import UNANSWERED, Slot, slots, to_answer
from grader.outcomes import RunStatus, ValidationStatus
from grader.private import FILE_MODE, private_folder
from grader.problems import families
from grader.sandbox.executors import ExecutorName

__all__ = ["Inbox", "ProblemCheck", "SubmitResult", "ValidationReport", "check_stamp", "submit", "validate"]


@dataclass
class ProblemCheck:
    problem_id: str
    status: ValidationStatus
    messages: list[str] = field(default_factory=list)


@dataclass
class ValidationReport:
    notebook: str
    assignment: str
    student_id: str
    problems: list[ProblemCheck] = field(default_factory=list)
    run_status: RunStatus = RunStatus.OK
    run_reason: str = ""
    errors: list[str] = field(default_factory=list)  # what cells outside the answer cells raised, and where
    identity: IdentityCheck | None = None  # whose notebook its release stamp says it is (None: not checked)

    @property
    def complete(self) -> bool:
        return self.run_status == RunStatus.OK and not self.errors and all(
            p.status in (ValidationStatus.ANSWERED, ValidationStatus.PENDING) for p in self.problems)


@dataclass
class SubmitResult:
    path: Path | None                 # None: a dry run, nothing written
    report: ValidationReport
    lateness: Lateness | None = None  # a late file is kept all the same, and marked
    identity: IdentityCheck | None = None  # whose notebook its release stamp says it is (None: not checked)


def check_stamp(course: Course | None, assignment: str, student_id: str, nb: NotebookNode) -> IdentityCheck | None:
    """The notebook's release stamp against the student handing it in; None without the course secret
    (a student's own copy of the course, say): there is nothing to check it against."""
    stamps = _roster_stamps(course, assignment) if course is not None else None
    return stamps.check(student_id, notebook_stamp(nb.metadata)) if stamps else None


def _roster_stamps(course: Course, assignment: str) -> RosterStamps | None:
    try:
        secret, _ = course.secret()
        roster = [s.student_id for s in course.roster()]
    except ConfigError:
        return None
    return RosterStamps(secret, course.config.course, assignment, roster)


def _record(nb: NotebookNode, name: str) -> dict:
    record = nb.metadata.get(METADATA_KEY)
    if not isinstance(record, dict) or not isinstance(record.get("problems"), list):
        raise SubmissionError(f"{name}: not an autograde notebook (no {METADATA_KEY} record in its metadata)")
    return record


def validate(path: Path, limits: Limits | None = None, data: bytes | None = None,
             course: Course | None = None, executor: ExecutorName = ExecutorName.KERNEL, student_id: str | None = None) -> ValidationReport:
    """Run the notebook as the grader would and report missing or malformed answers and what raised (and,
    with the course secret at hand, a notebook released to someone other than ``student_id`` or its header's)."""
    path = Path(path)
    data = data if data is not None else read_submission_bytes(path, 50_000_000)
    nb = read_notebook(data, path.name)
    record = _record(nb, path.name)
    report = ValidationReport(str(path), str(record.get("assignment", "")), str(record.get("student_id", "")))
    report.identity = check_stamp(course, report.assignment, student_id or report.student_id, nb)
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
        if course is None and str(family_name) not in families():
            report.problems.append(ProblemCheck(pid, ValidationStatus.UNKNOWN, [
                f"cannot check this problem here: its family {family_name!r} is the course's own; "
                "validate inside the course folder, or with --course"]))
            continue
        try:
            family = find_family(course, str(family_name))  # the course's own too, as every command finds them
            params = family.params(_params_in(nb, pid))
        except AutogradeError as exc:
            report.problems.append(ProblemCheck(pid, ValidationStatus.UNKNOWN, [f"cannot check this problem here: {exc}"]))
            continue
        slot_map[pid] = slots(pid, family, params)
        expected[pid] = (family, params)
    # the notebook is its own reference here: validation is advice, never a grade
    outcome = execute_submission(SubmissionJob(key=path.name, data=data, params={pid: params.model_dump(mode="json") for pid, (_, params) in expected.items()}, slots=slot_map,
                                               questions=tuple(questions), limits=limits or Limits(),
                                               sandbox=sandbox_for(course), executor=executor))
    report.run_status, report.run_reason = outcome.status, outcome.reason
    raised = _raised(outcome, nb, report)
    for pid, problem_slots in slot_map.items():
        family, params = expected[pid]
        parts = family.parts(params)
        check = ProblemCheck(pid, ValidationStatus.ANSWERED, list(outcome.notes.get(pid, [])))
        if pid in raised:  # said first, as grading says it: an unset variable is its consequence
            check.messages.insert(0, raised[pid])
            check.status = ValidationStatus.ERROR
        read = _read_parts(family, params, problem_slots, outcome.values)
        for slot in problem_slots:
            value = outcome.values.get(slot.variable, UNANSWERED)
            if slot.part is not None and read.get(slot.part) is not None:
                value = read[slot.part]  # as grading reads it: a whole shape in out_size fills out_channels too
            if value == UNANSWERED or (value is None and not slot.none_is_answer):
                check.messages.append(f"{slot.variable} was not set before the error." if pid in raised
                                      else f"{slot.variable} is not answered yet.")
                check.status = ValidationStatus.ERROR if pid in raised else ValidationStatus.MISSING
                continue
            problem = _form_problem(family, params, parts, slot, value)
            if problem:
                check.messages.append(f"{slot.variable}: {problem}")
                if check.status == ValidationStatus.ANSWERED:
                    check.status = ValidationStatus.WRONG_FORM
        report.problems.append(check)
    for qid in questions:
        answered = bool(outcome.free_text.get(qid))
        report.problems.append(ProblemCheck(qid, ValidationStatus.PENDING if answered else ValidationStatus.MISSING,
                                            [] if answered else [f"{qid} (written answer) is not answered yet."]))
    return report


def _raised(outcome: ExecutionOutcome, nb: NotebookNode, report: ValidationReport) -> dict[str, str]:
    """What each answer cell raised (by problem), as grading words it; other cells' errors go to the
    report with their place in the notebook and their first line."""
    by_problem: dict[str, str] = {}
    for error in outcome.errors:
        what = f"{error.ename}: {error.evalue}".rstrip(".")[:300]
        pid = outcome.cell_problem.get(error.cell_id)
        if pid is not None:
            by_problem.setdefault(pid, f"Your answer cell raised {what}.")
        elif error.cell_id in outcome.cell_origin:
            place = outcome.cell_origin[error.cell_id]
            first = nb.cells[place - 1].source.strip().splitlines()[:1]
            shown = f" ({first[0][:60]})" if first else ""
            report.errors.append(f"Cell {place}{shown} raised {what}.")
    return by_problem


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


def _read_parts(family, params, problem_slots: list[Slot], values: dict) -> dict:
    """Each part of an object answer as grading reads it (a family may read one variable into several parts)."""
    if family.layout != "object":
        return {}
    return family.read(params, to_answer(family, problem_slots, values))[0]


def _form_problem(family, params, parts: dict, slot: Slot, value) -> str | None:
    """What is wrong with the form of one answer variable, read as grading reads it (never whether it is right)."""
    if slot.part is not None:
        return parts[slot.part].kind.check_form(value, parts[slot.part].expected)
    values, notes, malformed = family.read(params, value)  # the whole answer in one variable
    if malformed:
        return notes[-1] if notes else "The answer does not have the form asked for."
    for name, part in parts.items():
        if values.get(name) is not None and (problem := part.kind.check_form(values[name], part.expected)):
            return problem
    return None


def submit(course: Course, assignment_name: str, notebook: Path, student_id: str, *, run: bool = True,
           now: dt.datetime | None = None, data: bytes | None = None, untimed: bool = False,
           dry_run: bool = False, force: bool = False) -> SubmitResult:
    """Validate, then copy into ``submitted/<student>/<assignment>/<timestamp>/`` (never overwriting).

    ``now`` is the submission time (an LMS's own record of it, when collecting); ``data`` the bytes
    when they do not come from the file ``notebook`` names (an archive's entry: ``notebook`` then only
    names it); ``untimed`` files it without a time, so it is never counted late (an LMS that does not
    say when); ``dry_run`` checks everything and writes nothing (``path`` is then None). A notebook
    released to another student is refused unless ``force`` (it is then filed, and grading flags it).
    """
    return Inbox.open(course, assignment_name).submit(notebook, student_id, run=run, now=now, data=data,
                                                      untimed=untimed, dry_run=dry_run, force=force)


@dataclass(frozen=True)
class Inbox:
    """One assignment's submissions desk: the assignment, its roster and deadlines, loaded once, so that
    an LMS collection files hundreds of notebooks through the same checks as ``submit`` at the cost of one."""

    course: Course
    assignment: Assignment
    students: frozenset[str]
    deadlines: Deadlines | None       # None: the extensions file is broken
    stamps: RosterStamps | None       # None: no course secret here, so no stamp can be checked

    @classmethod
    def open(cls, course: Course, assignment_name: str) -> Inbox:
        assignment = load_assignment(course, assignment_name)
        students = frozenset(s.student_id for s in course.roster())
        try:
            found = deadlines(course, assignment)
        except ConfigError:
            found = None  # a broken extensions file is the instructor's to fix (grade says how): files are kept
        return cls(course, assignment, students, found, _roster_stamps(course, assignment.name))

    def submit(self, notebook: Path, student_id: str, *, run: bool = True, now: dt.datetime | None = None,
               data: bytes | None = None, untimed: bool = False, dry_run: bool = False,
               force: bool = False) -> SubmitResult:
        """:func:`submit` for this inbox's assignment."""
        course, assignment = self.course, self.assignment
        if student_id not in self.students:
            raise SubmissionError(f"student {student_id!r} is not on the roster of {course.config.course}")
        limits = course.config.limits
        name = Path(notebook).name
        if data is None:
            data = read_submission_bytes(Path(notebook), limits.submission_mb * 1_000_000)
        elif len(data) > limits.submission_mb * 1_000_000:
            raise SubmissionError(f"{name}: {len(data) / 1e6:.1f} MB is larger than the {limits.submission_mb:g} MB limit")
        nb = read_notebook(data, name)
        record = _record(nb, name)
        if record.get("assignment") != assignment.name:
            raise SubmissionError(f"{name} belongs to assignment {record.get('assignment')!r}, not {assignment.name!r}")
        identity = self.stamps.check(student_id, notebook_stamp(nb.metadata)) if self.stamps else None
        if identity is not None and identity.flagged and not force:
            raise SubmissionError(f"{name}: {identity.message()}; submit your own notebook "
                                  "(or --force to file it anyway: grading will flag it)")
        report = validate(Path(notebook), limits, data, course, student_id=student_id) if run \
            else ValidationReport(str(notebook), assignment.name, student_id)
        now = None if untimed else moment(now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)  # the folder's stamp is read back as UTC
        lateness = self.deadlines.for_student(student_id).judge(now) if now and self.deadlines else None
        if dry_run:
            return SubmitResult(None, report, lateness, identity)
        return SubmitResult(_file(course.folder("submitted") / student_id / assignment.name, assignment.name, data, now),
                            report, lateness, identity)


def _file(where: Path, assignment: str, data: bytes, now: dt.datetime | None) -> Path:
    """Write a new ``<stamp>/<assignment>.ipynb`` under ``where`` (``untimed`` without a time); never overwrites."""
    stamp = now.strftime("%Y-%m-%dT%H-%M-%S.%fZ") if now else "untimed"
    private_folder(where)
    folder, suffix = where / stamp, 0
    while True:  # mkdir is the claim: two submissions in the same microsecond get two folders
        try:
            folder.mkdir(mode=0o700)
            break
        except FileExistsError:
            suffix += 1
            folder = where / f"{stamp}-{suffix}"
    if now:
        _write_new(folder / "timestamp.txt", (now.strftime("%Y-%m-%d %H:%M:%S.%f UTC") + "\n").encode())
    target = folder / f"{assignment}.ipynb"
    _write_new(target, data)
    return target


def _write_new(path: Path, data: bytes) -> None:
    """Write under a hidden temporary name beside ``path`` and rename it into place: a crash leaves
    no half-written file where grading looks (it skips hidden names)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
