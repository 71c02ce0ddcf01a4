"""``autograde generate``: one notebook per roster student, and optionally their worked solutions."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from grader.assignment import Assignment, load_assignment
from grader.config import Course, Student
from grader.notebook.build import STEPS, NotebookContext, build, write_notebook
from grader.variants import variants

__all__ = ["GenerateResult", "generate", "notebook_for", "release_path"]


@dataclass
class GenerateResult:
    assignment: str
    students: int = 0
    notebooks: list[Path] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    seconds: float = 0.0


def release_path(course: Course, assignment: str, student_id: str, worked: bool = False) -> Path:
    folder = course.folder("solutions_release" if worked else "release")
    return folder / assignment / student_id / f"{assignment}.ipynb"


def notebook_for(course: Course, assignment: Assignment, student: Student, secret: bytes, worked: bool = False,
                 steps=STEPS):
    """The notebook one student gets (recomputed from the secret: the same inputs give the same bytes)."""
    ctx = NotebookContext(
        course_name=course.config.course,
        course_title=course.config.title,
        assignment=assignment,
        student=student,
        variants=variants(secret, course.config.course, assignment, student.student_id),
        worked=worked,
    )
    return build(ctx, steps)


def generate(
    course: Course,
    assignment_name: str,
    solutions: bool = False,
    students: Iterable[Student] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> GenerateResult:
    """Write ``release/<assignment>/<student>/<assignment>.ipynb`` for every student on the roster."""
    start = time.perf_counter()
    assignment = load_assignment(course, assignment_name)
    secret, notice = course.secret(create=True)
    roster = list(students) if students is not None else course.roster()
    result = GenerateResult(assignment=assignment.name, students=len(roster))
    if notice:
        result.notices.append(notice)
    for done, student in enumerate(roster, start=1):
        for worked in (False, True) if solutions else (False,):
            path = release_path(course, assignment.name, student.student_id, worked)
            write_notebook(notebook_for(course, assignment, student, secret, worked), path)
            result.notebooks.append(path)
        if progress:
            progress(done, len(roster))
    result.seconds = time.perf_counter() - start
    return result
