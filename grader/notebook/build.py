"""Build a student's notebook (or their worked-solution notebook) as a list of small steps.

Each step is a function of a shared :class:`NotebookContext`; :data:`STEPS` is the pipeline,
and ``NotebookContext.worked`` turns a release notebook into a worked-solution one. Cell ids are derived from problem ids, never
random, so the same inputs always give the same bytes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode, from_dict

from grader.answers import DEFAULT_TOLERANCE, Tolerance
from grader.assignment import Assignment, Pool, Problem, QuestionConfig
from grader.checking import split_points
from grader.config import Student
from grader.identity import STAMP_KEY
from grader.notebook.cells import (
    FREE_TEXT_STUB,
    Cell,
    answer_cell,
    new_code_cell,
    new_markdown_cell,
    notebook,
    params_cell,
    question_cell,
    tests_cell,
)
from grader.notebook.cells import graded as _graded
from grader.notebook.slots import slot_values, slots
from grader.private import FILE_MODE, FOLDER_MODE, private_folder
from grader.variants import Variant

__all__ = ["FREE_TEXT_STUB", "METADATA_KEY", "STEPS", "NotebookContext", "answer_cell", "build", "new_code_cell", "notebook_bytes",
           "params_cell", "write_notebook"]

METADATA_KEY = "autograde"
METADATA_VERSION = 1
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


@dataclass
class NotebookContext:
    """What the build steps share: the inputs, and the notebook growing cell by cell."""

    course_name: str
    course_title: str
    assignment: Assignment
    student: Student
    variants: dict[str, Variant]
    worked: bool = False
    tolerance: Tolerance = DEFAULT_TOLERANCE  # the course's, for a problem that sets none
    stamp: str | None = None  # HMAC of the student and assignment (grader.identity): whose notebook this is
    cells: list[Cell] = field(default_factory=list)
    metadata: dict = field(default_factory=dict)

    @property
    def notebook_name(self) -> str:
        return f"{self.assignment.name}.ipynb"


Step = Callable[[NotebookContext], None]
def problem_points(problem: Problem, variant: Variant) -> dict[str, float]:
    return split_points(problem.family.parts(variant.params), problem.config.points)


def version_line(variant: Variant, versions: int) -> str:
    """The line under a pool problem's heading naming the alternative the student got."""
    return f"*Your version of this question: **{variant.alternative}** (one of {versions}).*"


def add_header(ctx: NotebookContext) -> None:
    a = ctx.assignment
    who = f"{ctx.student.name} ({ctx.student.student_id})" if ctx.student.name else ctx.student.student_id
    due = a.due.strftime("%Y-%m-%d %H:%M %Z") if a.due else "see the course page"
    title = "Worked solutions: " if ctx.worked else ""
    lines = [
        f"# {ctx.course_title or ctx.course_name}: {title}{a.config.title}",
        "",
        f"**Student:** {who} &nbsp;·&nbsp; **Due:** {due}",
    ]
    if a.config.intro:
        lines += ["", a.config.intro.strip()]
    if not ctx.worked:
        nb = ctx.notebook_name
        lines += [
            "",
            "**How to answer.** Every problem shows *your own* numbers; they are also given as data in the",
            "cell `<problem>_params` (read it, don't edit it: it is restored before grading). Replace each",
            "`None` (or `...`) in the answer cells with your answer: integers for sizes and counts, numbers",
            "for real values, nested lists (channels first) for tensors — numpy arrays are fine too. Add",
            "cells for your working if you like, but keep the answer cells and their variable names.",
            "",
            f"**Before you submit**, run every cell (*Kernel → Restart & Run All*), then `autograde validate {nb}`",
            "tells you which answers are missing or have the wrong type or shape (not whether they are right).",
            f"**Submit** with `autograde submit {a.name} {nb} --student {ctx.student.student_id}`.",
        ]
    ctx.cells.append(_graded(new_markdown_cell, "\n".join(lines), "header", locked=True))


def add_problems(ctx: NotebookContext) -> None:
    for item in ctx.assignment.problems:
        if isinstance(item, QuestionConfig):
            _add_question(ctx, item)
        else:
            variant = ctx.variants[item.id]  # of a pool: the alternative this student got
            _add_problem(ctx, variant.problem, variant,
                         len(item.alternatives) if isinstance(item, Pool) else 0)


def _heading(pid: str, title: str, points: float) -> str:
    unit = "point" if points == 1 else "points"
    return f"## {pid}: {title} ({points:g} {unit})"


def _add_problem(ctx: NotebookContext, problem: Problem, variant: Variant, versions: int = 0) -> None:
    pid, family, params = problem.id, problem.family, variant.params
    points = sum(problem_points(problem, variant).values())
    text = [_heading(pid, problem.title, points)]
    if variant.alternative is not None:
        text.append(version_line(variant, versions))
    if problem.config.intro:
        text.append(problem.config.intro.strip())
    tolerance = problem.config.tolerance or ctx.tolerance  # what grading applies
    text.append(family.statement(params, tolerance).strip())
    ctx.cells.append(_graded(new_markdown_cell, "\n\n".join(text), f"{pid}-statement", locked=True))
    ctx.cells += _graded_cells(problem, variant, points, ctx.worked, tolerance)
    if ctx.worked:
        ctx.cells.append(new_markdown_cell("### Worked solution\n\n" + family.worked_solution(params).strip(), id=f"{pid}-worked"))


def _graded_cells(problem: Problem, variant: Variant, points: float, worked: bool = False,
                  tolerance: Tolerance = DEFAULT_TOLERANCE) -> list[Cell]:
    """The cells grading depends on: the parameters, the answer cell and the tests placeholder."""
    pid, family, params = problem.id, problem.family, variant.params
    problem_slots = slots(pid, family, params, tolerance)
    answer = family.answer(params) if worked else None
    cells = [params_cell(pid, params.model_dump(mode="json"), variant.alternative),
             answer_cell(pid, problem_slots, slot_values(problem_slots, family.layout, answer) if worked else None)]
    if not worked:
        cells.append(tests_cell(pid, points))
    return cells


def _add_question(ctx: NotebookContext, q: QuestionConfig) -> None:
    text = _heading(q.id, q.title or "Written answer", q.points) + "\n\n" + q.prompt.strip()
    ctx.cells.append(_graded(new_markdown_cell, text, f"{q.id}-statement", locked=True))
    ctx.cells.append(_question_cell(q))


def _question_cell(q: QuestionConfig) -> Cell:
    return question_cell(q.id, q.points)


def add_footer(ctx: NotebookContext) -> None:
    text = "**End of the assignment.** Restart the kernel and run every cell before you validate and submit."
    if ctx.worked:
        text = "**End of the worked solutions.**"
    ctx.cells.append(_graded(new_markdown_cell, text, "footer", locked=True))


def set_metadata(ctx: NotebookContext) -> None:
    ctx.metadata.update({
        "kernelspec": KERNELSPEC,
        "language_info": {"name": "python"},
        METADATA_KEY: {
            "schema_version": METADATA_VERSION,
            "course": ctx.course_name,
            "assignment": ctx.assignment.name,
            "student_id": ctx.student.student_id,
            "kind": "worked_solution" if ctx.worked else "release",
            # for the student's own `validate` only (it reads the numbers from the parameters cells):
            # grading recomputes everything from the secret
            "problems": [_problem_record(ctx, p) for p in ctx.assignment.problems],
        },
    })
    if ctx.stamp is not None:
        ctx.metadata[METADATA_KEY][STAMP_KEY] = ctx.stamp


def _problem_record(ctx: NotebookContext, item: Problem | Pool | QuestionConfig) -> dict[str, Any]:
    if isinstance(item, QuestionConfig):
        return {"id": item.id, "family": None}
    variant = ctx.variants[item.id]
    record: dict[str, Any] = {"id": item.id, "family": variant.family.name}
    if variant.alternative is not None:
        record["alternative"] = variant.alternative
    return record


STEPS: tuple[Step, ...] = (add_header, add_problems, add_footer, set_metadata)


def build(ctx: NotebookContext, steps: Sequence[Step] = STEPS) -> NotebookNode:
    for step in steps:
        step(ctx)
    return _notebook(ctx.cells, ctx.metadata)


def _notebook(cells: list[Cell], metadata: dict) -> NotebookNode:
    # nbformat.v4.new_notebook's, without validating it twice: notebook_bytes validates it as it
    # writes it (nbformat.writes)
    return from_dict(notebook(cells, metadata))


def notebook_bytes(nb: NotebookNode) -> bytes:
    """The notebook exactly as ``nbformat.write`` writes it to a file (a final newline included)."""
    return (nbformat.writes(nb) + "\n").encode("utf-8")


def write_notebook(nb: NotebookNode | None, path: Path, data: bytes | None = None) -> None:
    """Write atomically: a crash never leaves half a notebook behind (``data``: its bytes, if already made)."""
    # os calls rather than pathlib's: a roster writes thousands of these
    folder, name = os.path.split(path)
    try:
        os.mkdir(folder, FOLDER_MODE)  # course state is private (grader/private.py)
        os.chmod(folder, FOLDER_MODE)
    except FileExistsError:
        pass
    except FileNotFoundError:
        private_folder(Path(folder))
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.tmp")  # one writer per process: no clash
    data = memoryview(data if data is not None else notebook_bytes(nb))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, FILE_MODE)
    try:
        while data:
            data = data[os.write(fd, data):]
    finally:
        os.close(fd)
    os.replace(tmp, path)
