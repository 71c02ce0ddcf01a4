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
from grader.notebook.nbgrader import nbgrader_metadata
from grader.notebook.slots import Slot, literal, slot_values, slots, stub_line
from grader.private import FILE_MODE, FOLDER_MODE, private_folder
from grader.variants import Variant

__all__ = ["METADATA_KEY", "STEPS", "NotebookContext", "build", "grading_reference", "notebook_bytes", "write_notebook"]

METADATA_KEY = "autograde"
METADATA_VERSION = 1
FREE_TEXT_STUB = "_Write your answer here._"
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
Cell = dict[str, Any]
"""A cell as plain data, with nbformat's keys: :func:`build` makes the notebook of nodes."""


# Cells as nbformat.v4's new_*_cell make them, as plain data: those validate every cell on its own
# with jsonschema (a $ref, which the faster validator cannot follow), which was half the time of
# generating a roster's notebooks; nbformat.writes validates each whole notebook instead.
def new_markdown_cell(source: str, id: str, metadata: dict | None = None) -> dict[str, Any]:  # noqa: A002
    return {"cell_type": "markdown", "id": id, "metadata": metadata or {}, "source": source}


def new_code_cell(source: str, id: str, metadata: dict | None = None) -> dict[str, Any]:  # noqa: A002
    return {"cell_type": "code", "execution_count": None, "id": id, "metadata": metadata or {}, "outputs": [],
            "source": source}


def _graded(new_cell: Callable[..., dict[str, Any]], source: str, gid: str, **flags: Any) -> dict[str, Any]:
    """A cell whose id is its nbgrader grade id (every graded or locked cell of ours is one)."""
    return new_cell(source, id=gid, metadata={"nbgrader": nbgrader_metadata(gid, **flags)})


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


def params_cell(pid: str, params: dict, alternative: str | None = None) -> Cell:
    # a pool's alternative comes first: validate reads the parameters from the cell's last statement
    version = "" if alternative is None else f"{pid}_alternative = {alternative!r}  # your version of {pid}\n"
    data = f"# Your numbers for {pid}, as data (read-only: restored before grading)\n{version}{pid}_params = {literal(params)}"
    return _graded(new_code_cell, data, f"{pid}-params", locked=True)


def answer_cell(pid: str, problem_slots: list[Slot], values: list | None = None) -> Cell:
    lines = [f"# {pid}: your answer" + ("" if values is not None else " (replace each None / ... below)")]
    for i, slot in enumerate(problem_slots):
        lines.append(stub_line(slot, values[i] if values is not None else None, filled=values is not None))
    return _graded(new_code_cell, "\n".join(lines), pid, solution=True)


def tests_cell(pid: str, points: float) -> Cell:
    note = f"# autograde grades {pid} outside this notebook: nothing to run here."
    return _graded(new_code_cell, note, f"{pid}-tests", grade=True, locked=True, points=points)


def _add_question(ctx: NotebookContext, q: QuestionConfig) -> None:
    text = _heading(q.id, q.title or "Written answer", q.points) + "\n\n" + q.prompt.strip()
    ctx.cells.append(_graded(new_markdown_cell, text, f"{q.id}-statement", locked=True))
    ctx.cells.append(_question_cell(q))


def _question_cell(q: QuestionConfig) -> Cell:
    return _graded(new_markdown_cell, FREE_TEXT_STUB, q.id, solution=True, grade=True, points=q.points)


def grading_reference(params: dict[str, dict], problem_slots: dict[str, list[Slot]], questions: list[str],
                      alternatives: dict[str, str] | None = None) -> NotebookNode:
    """What grading restores and reads, from plain data alone (a worker needs no assignment file):
    each problem's parameters (and a pool problem's alternative), answer cell and tests placeholder,
    and the free-text answer cells."""
    cells: list[Cell] = []
    alternatives = alternatives or {}
    for pid, values in params.items():
        cells += [params_cell(pid, values, alternatives.get(pid)), answer_cell(pid, problem_slots[pid]), tests_cell(pid, 0.0)]
    for qid in questions:
        cells.append(_graded(new_markdown_cell, FREE_TEXT_STUB, qid, solution=True, grade=True, points=0.0))
    return _notebook(cells, {})


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
    return from_dict({"nbformat": nbformat.v4.nbformat, "nbformat_minor": nbformat.v4.nbformat_minor,
                      "metadata": metadata, "cells": cells})


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
