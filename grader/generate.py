"""``autograde generate``: one notebook per roster student, and optionally their worked solutions."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from grader.assignment import Assignment, load_assignment
from grader.config import Course, Student, load_course
from grader.grading.pool import default_workers
from grader.notebook.build import STEPS, NotebookContext, build, write_notebook
from grader.errors import FamilyError
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
    return _build_for(course, assignment, student, student_variants, worked, steps)


def _build_for(course: Course, assignment: Assignment, student: Student, student_variants: dict[str, Variant],
               worked: bool, steps=STEPS):
    ctx = NotebookContext(course_name=course.config.course, course_title=course.config.title, assignment=assignment,
                          student=student, variants=student_variants, worked=worked)
    return build(ctx, steps)


def generate(
    course: Course,
    assignment_name: str,
    solutions: bool = False,
    students: Iterable[Student] | None = None,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    now: dt.datetime | None = None,
) -> GenerateResult:
    """Write ``release/<assignment>/<student>/<assignment>.ipynb`` for every student on the roster.

    Large rosters are split over processes; every notebook depends only on its own student, so
    the bytes are the same however the work is split.
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
    if workers == 1:
        batches = (_write_chunk(course, assignment, secret, chunk, solutions) for chunk in chunks)
    else:
        # generation runs no student code: forking this warm process saves every worker the imports,
        # unless threads make forking unsafe
        method = "fork" if threading.active_count() == 1 else "forkserver"
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method),
                                   initializer=_start_worker, initargs=(course.root, assignment.name, secret, solutions))
        batches = pool.map(_write_chunk_in_worker, chunks)
    try:
        for chunk, (paths, errors) in zip(chunks, batches):
            result.notebooks += paths
            result.errors += errors
            done += len(chunk)
            if progress:
                progress(done, len(roster))
    finally:
        if workers != 1:
            pool.shutdown(cancel_futures=True)
    result.seconds = time.perf_counter() - start
    return result


PARALLEL_FROM = 200
CHUNK = 20  # small enough that the workers finish together, large enough that handing out chunks costs little


def _write_chunk(course: Course, assignment: Assignment, secret: bytes, students: list[Student],
                 solutions: bool) -> tuple[list[Path], list[str]]:
    kinds = (False, True) if solutions else (False,)
    folders = {worked: _release_folder(course, assignment.name, worked) for worked in kinds}  # resolved once
    paths, errors = [], []
    for student in students:
        # drawn once for both notebooks: the worked one then finds the solutions already computed
        try:
            student_variants = solved_variants(secret, course.config.course, assignment, student.student_id)
        except FamilyError as exc:  # the course's code, not this student: the others still get theirs
            errors.append(str(exc))
            continue
        for worked in kinds:
            path = folders[worked] / student.student_id / f"{assignment.name}.ipynb"
            write_notebook(_build_for(course, assignment, student, student_variants, worked), path)
            paths.append(path)
    return paths, errors


_WORKER: dict = {}
"""What a worker process writes for: its course, assignment, secret and solutions flag, loaded once."""


def _start_worker(root: Path, name: str, secret: bytes, solutions: bool) -> None:
    course = load_course(root)
    _WORKER.update(course=course, assignment=load_assignment(course, name), secret=secret, solutions=solutions)


def _write_chunk_in_worker(students: list[Student]) -> tuple[list[Path], list[str]]:
    return _write_chunk(students=students, **_WORKER)
