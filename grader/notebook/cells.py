"""The cells grading depends on, as plain data: what a grading worker restores and reads.

Apart from :mod:`grader.notebook.build` (which writes whole notebooks, with nbformat) so that a
worker rebuilds a student's instructor cells from the job alone without importing nbformat: its
JSON schema validator alone was 0.05 s of each worker's start, and turning every notebook into
nbformat's nodes a millisecond of each run. Cells here are dicts with nbformat's keys.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from grader.notebook.nbgrader import nbgrader_metadata
from grader.notebook.slots import Slot, literal, stub_line

__all__ = ["FREE_TEXT_STUB", "Cell", "answer_cell", "graded", "grading_reference", "new_code_cell", "new_markdown_cell",
           "notebook", "params_cell", "tests_cell"]

FREE_TEXT_STUB = "_Write your answer here._"

Cell = dict[str, Any]
"""A cell as plain data, with nbformat's keys."""


# Cells as nbformat.v4's new_*_cell make them, as plain data: those validate every cell on its own
# with jsonschema (a $ref, which the faster validator cannot follow), which was half the time of
# generating a roster's notebooks; nbformat.writes validates each whole notebook instead.
def new_markdown_cell(source: str, id: str, metadata: dict | None = None) -> Cell:  # noqa: A002
    return {"cell_type": "markdown", "id": id, "metadata": metadata or {}, "source": source}


def new_code_cell(source: str, id: str, metadata: dict | None = None) -> Cell:  # noqa: A002
    return {"cell_type": "code", "execution_count": None, "id": id, "metadata": metadata or {}, "outputs": [],
            "source": source}


def graded(new_cell: Callable[..., Cell], source: str, gid: str, **flags: Any) -> Cell:
    """A cell whose id is its nbgrader grade id (every graded or locked cell of ours is one)."""
    return new_cell(source, id=gid, metadata={"nbgrader": nbgrader_metadata(gid, **flags)})


def notebook(cells: list[Cell], metadata: dict) -> dict[str, Any]:
    """A version-4 notebook (nbformat 4.5: cells have ids) as plain data."""
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": metadata, "cells": cells}


def params_cell(pid: str, params: dict, alternative: str | None = None) -> Cell:
    # a pool's alternative comes first: validate reads the parameters from the cell's last statement
    version = "" if alternative is None else f"{pid}_alternative = {alternative!r}  # your version of {pid}\n"
    data = f"# Your numbers for {pid}, as data (read-only: restored before grading)\n{version}{pid}_params = {literal(params)}"
    return graded(new_code_cell, data, f"{pid}-params", locked=True)


def answer_cell(pid: str, problem_slots: list[Slot], values: list | None = None) -> Cell:
    lines = [f"# {pid}: your answer" + ("" if values is not None else " (replace each None / ... below)")]
    for i, slot in enumerate(problem_slots):
        lines.append(stub_line(slot, values[i] if values is not None else None, filled=values is not None))
    return graded(new_code_cell, "\n".join(lines), pid, solution=True)


def tests_cell(pid: str, points: float) -> Cell:
    note = f"# autograde grades {pid} outside this notebook: nothing to run here."
    return graded(new_code_cell, note, f"{pid}-tests", grade=True, locked=True, points=points)


def question_cell(qid: str, points: float) -> Cell:
    return graded(new_markdown_cell, FREE_TEXT_STUB, qid, solution=True, grade=True, points=points)


def grading_reference(params: dict[str, dict], problem_slots: dict[str, list[Slot]], questions: list[str],
                      alternatives: dict[str, str] | None = None) -> dict[str, Any]:
    """What grading restores and reads, from plain data alone (a worker needs no assignment file):
    each problem's parameters (and a pool problem's alternative), answer cell and tests placeholder,
    and the free-text answer cells."""
    cells: list[Cell] = []
    alternatives = alternatives or {}
    for pid, values in params.items():
        cells += [params_cell(pid, values, alternatives.get(pid)), answer_cell(pid, problem_slots[pid]), tests_cell(pid, 0.0)]
    cells += [question_cell(qid, 0.0) for qid in questions]
    return notebook(cells, {})
