"""The hostile corpus's course: its students' notebooks built in code, and one grading batch run.

Two problems (a shape, answered with integers, and a KL derivation, answered with expressions)
and a free-text question. Honest students ``s01``..``s40`` are a deterministic mix of fully right,
partly wrong with named mistakes, code-computed and blank notebooks; a hostile student's notebook
starts as a fully right one and then does its worst (see ``cases.py``).
"""

from __future__ import annotations

import copy
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from grader.assignment import load_assignment
from grader.config import Course, load_course
from grader.generate import notebook_for
from grader.gradebook import Gradebook
from grader.notebook.build import answer_cell, notebook_bytes
from grader.notebook.slots import slots
from grader.variants import variants

ASSIGNMENT = '''
title = "Hostile"
due = 2030-01-31T23:59:00Z

[[problems]]
id = "q1"
family = "conv_output_shape"
points = 2

[[problems]]
id = "q2"
family = "kl_derivation"
points = 5

[[problems]]
id = "q3"
title = "Why?"
prompt = "Why do CNNs share weights?"
points = 1
rubric = "Translation equivariance and fewer parameters."
'''
# generous, so that only the cases built to run out of time ever do
LIMITS = "cell_seconds = 4\nnotebook_seconds = 20\nmemory_mb = 2048\n"
SECRET = "test-secret"
HONEST = tuple(f"s{i:02d}" for i in range(1, 41))


def make_course(root: Path, students: list[str]) -> Course:
    """A course folder at ``root`` (always the same course name and secret: the same variants)."""
    (root / "assignments" / "a1").mkdir(parents=True)
    (root / "autograde.toml").write_text('course = "hostile-course"\ntitle = "Hostile"\n[limits]\n' + LIMITS)
    (root / "roster.csv").write_text("student_id,name\n" + "".join(f"{s},Student {s}\n" for s in students))
    (root / "assignments" / "a1" / "assignment.toml").write_text(ASSIGNMENT)
    (root / ".autograde").mkdir()
    (root / ".autograde" / "secret").write_text(SECRET + "\n")
    return load_course(root)


class Students:
    """Notebooks, answers and submission folders of one course's students."""

    def __init__(self, course: Course):
        self.course = course
        self.assignment = load_assignment(course, "a1")
        self.roster = {s.student_id: s for s in course.roster()}

    def variant(self, sid: str, pid: str):
        return variants(SECRET.encode(), self.course.config.course, self.assignment, sid)[pid]

    def notebook(self, sid: str, worked: bool = True) -> nbformat.NotebookNode:
        nb = notebook_for(self.course, self.assignment, self.roster[sid], SECRET.encode(), worked=worked)
        return copy.deepcopy(nb)

    def reference(self, sid: str, pid: str) -> dict[str, Any]:
        v = self.variant(sid, pid)
        return v.family.answer(v.params)

    def mistake(self, sid: str, pid: str, index: int):
        v = self.variant(sid, pid)
        found = list(v.family.mistakes(v.params))
        return found[index % len(found)]

    def answer_source(self, sid: str, pid: str, answer: dict[str, Any]) -> str:
        """The answer cell's source giving ``answer`` (``{part: value}``) for problem ``pid``."""
        v = self.variant(sid, pid)
        problem_slots = slots(pid, v.family, v.params)
        return answer_cell(pid, problem_slots, [answer.get(s.part) for s in problem_slots])["source"]

    def folder(self, sid: str) -> Path:
        folder = self.course.folder("submitted") / sid / "a1" / "2030-01-01T10-00-00Z"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def write(self, sid: str, content: bytes | nbformat.NotebookNode) -> Path:
        path = self.folder(sid) / "a1.ipynb"
        path.write_bytes(content if isinstance(content, bytes) else notebook_bytes(content))
        return path


def cell_index(nb: nbformat.NotebookNode, cell_id: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if c.get("id") == cell_id)


def code_cell(source: str, cell_id: str | None = None) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    if cell_id:
        cell.id = cell_id
    return cell


def honest(students: Students, sid: str) -> nbformat.NotebookNode:
    """Student ``sid``'s honest notebook: which kind depends on the number, so it never changes."""
    n = int(sid[1:])
    kind = n % 5
    if kind == 4:  # blank: the notebook as released
        return students.notebook(sid, worked=False)
    nb = students.notebook(sid)
    if kind == 1:  # a named mistake in the shape problem
        q1 = students.mistake(sid, "q1", n)
        nb.cells[cell_index(nb, "q1")].source = students.answer_source(sid, "q1", q1.answer)
    elif kind == 2:  # a named mistake in the derivation, and the shape left out
        q2 = students.mistake(sid, "q2", n)
        nb.cells[cell_index(nb, "q2")].source = students.answer_source(sid, "q2", q2.answer)
        nb.cells[cell_index(nb, "q1")].source = students.answer_source(sid, "q1", {})
    elif kind == 3:  # right, computed with code (so it is executed, not read as literals)
        ref = students.reference(sid, "q1")
        nb.cells.insert(cell_index(nb, "q1") + 1, code_cell(
            "import numpy as np\n"
            f"q1_out_size = [int(v) for v in np.array({ref['out_size']!r}) * 1]\n"
            f"print('working:', q1_out_size, sum(range(10)))\n"))
    if n % 3 == 0:
        nb.cells[cell_index(nb, "q3")].source = "Weights are shared so a feature is found anywhere in the image."
    return nb


@dataclass
class BatchRun:
    """What one graded batch left behind."""

    rows: dict[str, tuple[Any, dict[tuple[str, str], dict]]]  # student -> (submission, {(problem, part): row})
    outcomes: dict[str, Any] = field(default_factory=dict)      # student -> ExecutionOutcome (runs only)
    seconds: float = 0.0
    facts: dict[str, Any] = field(default_factory=dict)         # what the environment checks found


def run_batch(course: Course, executor: str, workers: int) -> BatchRun:
    from grader.grading.runner import grade

    start = time.perf_counter()
    results = grade(course, "a1", workers=workers, executor=executor)
    seconds = time.perf_counter() - start
    # each run's outcome (the sandbox state, the run's own status), as the batch hands it back
    return BatchRun(rows=gradebook_rows(course), outcomes={r.student_id: r.outcome for r in results}, seconds=seconds)


def gradebook_rows(course: Course) -> dict[str, tuple[Any, dict[tuple[str, str], dict]]]:
    book = Gradebook(course.config.gradebook, course.root)
    try:
        return {sub.student_id: (sub, {(r.problem_id, r.part): r for r in book.part_rows(sub.id)})
                for sub in book.submissions("a1")}
    finally:
        book.close()


def run_uid_processes() -> dict[int, tuple[int, str]]:
    """Every live process under a run uid (100000 and up): pid -> (uid, command line); a zombie
    (dead, waiting for its parent to collect it) is not one."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
            if "\nState:\tZ" in status:
                continue
            uid = int(next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1])
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, StopIteration, ValueError):
            continue
        if uid >= 100_000:
            found[int(entry)] = (uid, cmdline)
    return found
