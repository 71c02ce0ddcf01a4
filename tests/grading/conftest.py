"""Build a course, its students' notebooks and their (good and broken) submissions in code."""

from __future__ import annotations

import json
import signal
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest

from grader.assignment import load_assignment
from grader.generate import notebook_for
from grader.gradebook import Gradebook
from grader.notebook.build import notebook_bytes
from grader.variants import variants

LIMITS = "cell_seconds = 3\nnotebook_seconds = 20\nmemory_mb = 1500\n"


def as_at_a_terminal() -> None:
    """A ``preexec_fn`` for a command the test stops with Ctrl-C: Ctrl-C does its default, as at a
    terminal, even when the tests themselves were started in the background (``make test &``), which
    makes every process they start ignore it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Submissions:
    """Write submissions for a course as students would leave them in submitted/."""

    def __init__(self, course):
        self.course = course
        self.assignment = load_assignment(course, "a1")
        self.count = 0

    def notebook(self, sid: str, worked: bool = False) -> nbformat.NotebookNode:
        student = next(s for s in self.course.roster() if s.student_id == sid)
        return notebook_for(self.course, self.assignment, student, b"test-secret", worked=worked)

    def params(self, sid: str) -> dict:
        """The student's parameters per problem, recomputed as the grader does."""
        found = variants(b"test-secret", self.course.config.course, self.assignment, sid)
        return {pid: v.params for pid, v in found.items()}

    def write(self, sid: str, content: bytes | nbformat.NotebookNode, stamp: str = "2030-01-01T10-00-00") -> Path:
        self.count += 1
        folder = self.course.folder("submitted") / sid / "a1" / f"{stamp}.{self.count:06d}Z"
        folder.mkdir(parents=True)
        path = folder / "a1.ipynb"
        data = content if isinstance(content, bytes) else notebook_bytes(content)
        path.write_bytes(data)
        return path

    def edited(self, sid: str, edit: Callable[[nbformat.NotebookNode], None], worked: bool = True) -> Path:
        nb = self.notebook(sid, worked=worked)
        edit(nb)
        return self.write(sid, nb)


def cell(nb, cell_id):
    return next(c for c in nb.cells if c.id == cell_id)


def insert_after(nb, cell_id, source):
    index = next(i for i, c in enumerate(nb.cells) if c.id == cell_id)
    nb.cells.insert(index + 1, nbformat.v4.new_code_cell(source))


def rows_by_student(course, assignment="a1") -> dict[str, tuple]:
    book = Gradebook(course.config.gradebook, course.root)
    try:
        return {sub.student_id: (sub, {(r.problem_id, r.part): r for r in book.part_rows(sub.id)})
                for sub in book.submissions(assignment)}
    finally:
        book.close()


@pytest.fixture
def subs(make_course):
    students = tuple(f"s{i:02d}" for i in range(1, 21))
    return Submissions(make_course(students=students, limits=LIMITS))


def dumps(obj) -> bytes:
    return json.dumps(obj).encode()
