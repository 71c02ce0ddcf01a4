"""``autograde generate``: one notebook per roster student, and optionally their worked solutions."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from grader.assignment import Assignment, load_assignment
from grader.config import Course, Student, load_course
from grader.errors import FamilyError, ReleaseChangedError
from grader.grading.pool import default_workers
from grader.identity import stamp
from grader.notebook.build import STEPS, NotebookContext, build, notebook_bytes, write_notebook
from grader.releases import ReleaseRecord, changed_problems, changes_message, fingerprints
from grader.variants import Variant, solved_variants, variants

__all__ = ["GenerateResult", "generate", "notebook_for", "release_path"]


@dataclass
class GenerateResult:
    assignment: str
    students: int = 0
    notebooks: list[Path] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # students left out: a family's own code raised (one line each)
    seconds: float = 0.0


def release_path(course: Course, assignment: str, student_id: str, worked: bool = False) -> Path:
    return _release_folder(course, assignment, worked) / student_id / f"{assignment}.ipynb"


def _release_folder(course: Course, assignment: str, worked: bool) -> Path:
    return course.folder("solutions_release" if worked else "release") / assignment


def notebook_for(course: Course, assignment: Assignment, student: Student, secret: bytes, worked: bool = False,
                 steps=STEPS):
    """The notebook one student gets (recomputed from the secret: the same inputs give the same bytes)."""
    student_variants = variants(secret, course.config.course, assignment, student.student_id)
    return _build_for(course, assignment, student, student_variants, worked, secret, steps)


def _build_for(course: Course, assignment: Assignment, student: Student, student_variants: dict[str, Variant],
               worked: bool, secret: bytes, steps=STEPS):
    ctx = NotebookContext(course_name=course.config.course, course_title=course.config.title, assignment=assignment,
                          student=student, variants=student_variants, worked=worked, tolerance=course.config.tolerance,
                          stamp=stamp(secret, course.config.course, assignment.name, student.student_id))
    return build(ctx, steps)


def generate(
    course: Course,
    assignment_name: str,
    solutions: bool = False,
    students: Iterable[Student] | None = None,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    now: dt.datetime | None = None,
    force: bool = False,
) -> GenerateResult:
    """Write ``release/<assignment>/<student>/<assignment>.ipynb`` for every student on the roster.

    Large rosters are split over processes; every notebook depends only on its own student, so
    the bytes are the same however the work is split. A release notebook already there that differs
    from what would be written now is left as it is (with that student's worked solutions), unless
    ``force``; the others are written, then :class:`ReleaseChangedError` names what was left and why.
    The fingerprints of what was released are kept for ``grade`` (:mod:`grader.releases`).
    """
    start = time.perf_counter()
    assignment = load_assignment(course, assignment_name)
    secret, notice = course.secret(create=True)
    roster = list(students) if students is not None else course.roster()
    result = GenerateResult(assignment=assignment.name, students=len(roster))
    if notice:
        result.notices.append(notice)
    if assignment.due is not None and (now or dt.datetime.now(dt.UTC)) > assignment.due:
        result.warnings.append(f"{assignment.name} was due {assignment.due.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC: "
                               "these notebooks are released after the due date")
    workers = workers or (default_workers() if len(roster) >= PARALLEL_FROM else 1)
    chunks = [roster[i:i + CHUNK] for i in range(0, len(roster), CHUNK)]
    done = 0
    batches: Iterator[_Written]
    if workers == 1:
        batches = (_write_chunk(course, assignment, secret, chunk, solutions, force) for chunk in chunks)
    else:
        # generation runs no student code: forking this warm process saves every worker the imports,
        # unless threads make forking unsafe
        method = "fork" if threading.active_count() == 1 else "forkserver"
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method),
                                   initializer=_start_worker, initargs=(course.root, assignment.name, secret, solutions, force))
        batches = pool.map(_write_chunk_in_worker, chunks)
    written = _Written()
    try:
        for chunk, part in zip(chunks, batches):
            written.add(part)
            done += len(chunk)
            if progress:
                progress(done, len(roster))
    finally:
        if workers != 1:
            pool.shutdown(cancel_futures=True)
    result.notebooks, result.errors = written.paths, written.errors
    record = ReleaseRecord.load(course, assignment.name)
    previous = {sid: record.students.get(sid, {}) for sid in written.left}
    record.update(written.released)
    record.save()
    if written.left:
        also = (f"; besides, {len(written.errors)} student(s) got no notebook because a family's code raised "
                f"(first: {written.errors[0]})") if written.errors else ""
        raise ReleaseChangedError(_left_message(course, assignment, written, previous) + also)
    result.seconds = time.perf_counter() - start
    return result


@dataclass
class _Written:
    """What writing some students' notebooks did: the files written, the fingerprints now released, the
    students whose release notebook differs from the new one and was left (with the new fingerprints),
    and the students left out because a family's own code raised (one line each)."""

    paths: list[Path] = field(default_factory=list)
    released: dict[str, dict[str, str]] = field(default_factory=dict)
    left: dict[str, tuple[Path, dict[str, str]]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def add(self, other: _Written) -> None:
        self.paths += other.paths
        self.released.update(other.released)
        self.left.update(other.left)
        self.errors += other.errors


def _left_message(course: Course, assignment: Assignment, written: _Written, previous: dict[str, dict[str, str]]) -> str:
    changes: dict[str, list[str]] = {}
    unknown = []
    for sid, (_, new) in sorted(written.left.items()):
        if not previous[sid]:
            unknown.append(sid)
        for pid in changed_problems(previous[sid], new):
            changes.setdefault(pid, []).append(sid)
    first = min(path for path, _ in written.left.values())
    head = (f"{len(written.left)} release notebook(s) already there differ from what generate writes now "
            f"(such as {first.relative_to(course.root)}) and were left as they are")
    if changes:
        why = f"the parameters would change: {changes_message(changes)}"
    elif unknown and len(unknown) == len(written.left):
        why = "no fingerprints of them are on record (released by an older autograde), so whether numbers change is unknown"
    else:
        why = "no student's numbers change (the text, points or release stamp differ)"
    return (f"{head}: {why}. If students already have them, restore assignments/{assignment.name}/assignment.toml; "
            "or run generate again with --force to overwrite them")


PARALLEL_FROM = 200
CHUNK = 20  # small enough that the workers finish together, large enough that handing out chunks costs little


def _write_chunk(course: Course, assignment: Assignment, secret: bytes, students: list[Student],
                 solutions: bool, force: bool = False) -> _Written:
    kinds = (False, True) if solutions else (False,)
    folders = {worked: _release_folder(course, assignment.name, worked) for worked in kinds}  # resolved once
    out = _Written()
    for student in students:
        # drawn once for both notebooks: the worked one then finds the solutions already computed
        try:
            student_variants = solved_variants(secret, course.config.course, assignment, student.student_id)
        except FamilyError as exc:  # the course's code, not this student: the others still get theirs
            out.errors.append(str(exc))
            continue
        released = fingerprints(student_variants)
        for worked in kinds:
            path = folders[worked] / student.student_id / f"{assignment.name}.ipynb"
            data = notebook_bytes(_build_for(course, assignment, student, student_variants, worked, secret))
            if not worked and not force and _differs(path, data):
                out.left[student.student_id] = (path, released)
                break  # their worked solutions stay with the notebook they have
            write_notebook(None, path, data)
            out.paths.append(path)
        else:
            out.released[student.student_id] = released
    return out


def _differs(path: Path, data: bytes) -> bool:
    """Whether a file is there with other bytes (one not there yet differs from nothing)."""
    try:
        with open(path, "rb") as handle:
            return handle.read(len(data) + 1) != data
    except FileNotFoundError:
        return False


_WORKER: dict = {}
"""What a worker process writes for: its course, assignment, secret and solutions flag, loaded once."""


def _start_worker(root: Path, name: str, secret: bytes, solutions: bool, force: bool) -> None:
    course = load_course(root)
    _WORKER.update(course=course, assignment=load_assignment(course, name), secret=secret, solutions=solutions,
                   force=force)


def _write_chunk_in_worker(students: list[Student]) -> _Written:
    return _write_chunk(students=students, **_WORKER)
