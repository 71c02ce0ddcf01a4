"""Prepare a submission for running: the student's cells in the student's order, with every
locked cell (statements, parameters, test placeholders) restored from the instructor's version,
and collector cells that print the answers as bounded JSON.

Answer cells that were moved or duplicated run where the student put them (as they would when
the student runs the notebook); a deleted answer cell is noted and its variables are still
looked for anywhere in the notebook. A deleted parameters cell is put back at the top.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from grader.notebook.cells import FREE_TEXT_STUB, Cell, new_code_cell, notebook
from grader.notebook.nbgrader import grade_id, is_locked
from grader.notebook.slots import Slot, collector_source
from grader.sandbox.job import COLLECTOR_CELL_PREFIX

__all__ = ["Prepared", "prepare"]


@dataclass
class Prepared:
    """The notebook to run, the marker its collectors print between, and what we noticed."""

    notebook: dict[str, Any]  # plain data, nbformat's keys (the kernel route makes nbformat's nodes of it)
    marker: str
    notes: dict[str, list[str]] = field(default_factory=dict)  # problem id -> sentences for the student
    free_text: dict[str, str | None] = field(default_factory=dict)
    cell_problem: dict[str, str] = field(default_factory=dict)  # id of a cell that ran -> its problem
    cell_origin: dict[str, int] = field(default_factory=dict)  # id of a cell that ran -> its place (from 1) in the submission

    def note(self, problem_id: str, sentence: str) -> None:
        self.notes.setdefault(problem_id, []).append(sentence)


def prepare(instructor: Mapping[str, Any], submitted: Mapping[str, Any], slots: dict[str, list[Slot]],
            questions: list[str], marker: str | None = None) -> Prepared:
    """Merge ``submitted`` into ``instructor`` (see the module docstring): notebooks of plain data
    or of nbformat's nodes; the prepared one is plain data."""
    marker = marker or "@@autograde:" + secrets.token_hex(16) + "@@"
    reference = {grade_id(c): c for c in instructor["cells"] if grade_id(c)}
    answer_ids = {gid for gid, c in reference.items() if not is_locked(c)}
    prepared = Prepared(notebook=notebook([], {}), marker=marker)
    cells: list[Cell] = []
    origins: list[int | None] = []  # beside cells: where each came from in the submission
    seen: Counter[str] = Counter()
    order: list[str] = []
    for place, cell in enumerate(submitted["cells"], start=1):
        gid = grade_id(cell)
        ours = reference.get(gid) if gid else None
        if ours is not None and is_locked(ours):
            seen[gid] += 1
            if seen[gid] == 1:
                cells.append(_copy(ours))
                origins.append(place)
            continue
        if ours is not None and gid in answer_ids and cell["cell_type"] == ours["cell_type"]:
            seen[gid] += 1
            order.append(gid)
            if ours["cell_type"] == "markdown":
                if seen[gid] == 1:
                    prepared.free_text[gid] = None if cell["source"].strip() in ("", FREE_TEXT_STUB) else cell["source"]
                continue
        elif ours is not None:
            prepared.note(gid, f"The answer cell for {gid} was changed to a {cell['cell_type']} cell; it was run as it is.")
        cells.append(_scratch(cell))
        origins.append(place)

    missing_params = [c for gid, c in reference.items() if is_locked(c) and c["cell_type"] == "code" and not seen[gid]]
    cells = [_copy(c) for c in missing_params] + cells
    origins = [None] * len(missing_params) + origins
    for c in missing_params:
        prepared.note(str(grade_id(c)).removesuffix("-params"), "The parameters cell was deleted; it was put back at the top.")

    for pid in slots:
        if not seen[pid]:
            prepared.note(pid, f"The answer cell for {pid} was deleted; its variables were looked for in the rest of the notebook.")
        elif seen[pid] > 1:
            prepared.note(pid, f"The answer cell for {pid} appears {seen[pid]} times; all copies were run in your order.")
    for qid in questions:
        if not seen[qid]:
            prepared.note(qid, f"The answer cell for {qid} was deleted.")
            prepared.free_text.setdefault(qid, None)
    expected_order = [gid for gid in reference if gid in answer_ids]
    if [g for g in dict.fromkeys(order)] != [g for g in expected_order if g in order]:
        prepared.note("", "Some answer cells were moved; the notebook was run in your order.")

    prepared.notebook["cells"] = _with_collectors(cells, slots, marker)
    prepared.cell_problem = {c["id"]: str(grade_id(c)) for c in prepared.notebook["cells"] if grade_id(c) in slots}
    prepared.cell_origin = {cell["id"]: place for cell, place in zip(cells, origins) if place is not None}
    return prepared


def _copy(cell: Mapping[str, Any]) -> Cell:
    out: Cell = {"cell_type": cell["cell_type"], "source": cell["source"], "metadata": {"nbgrader": dict(cell["metadata"]["nbgrader"])}}
    if cell["cell_type"] == "code":
        out.update(outputs=[], execution_count=None)
    return out


def _scratch(cell: Mapping[str, Any]) -> Cell:
    out: Cell = {"cell_type": cell["cell_type"], "source": cell["source"], "metadata": {}}
    gid = grade_id(cell)
    if gid:
        out["metadata"]["nbgrader"] = {"grade_id": gid}
    if cell["cell_type"] == "code":
        out.update(outputs=[], execution_count=None)
    return out


def _with_collectors(cells: list[Cell], slots: dict[str, list[Slot]], marker: str) -> list[Cell]:
    """A collector after the last copy of each answer cell (answers survive a later crash), and one at the end."""
    last = {grade_id(c): i for i, c in enumerate(cells) if grade_id(c) in slots and c["cell_type"] == "code"}
    out: list[Cell] = []
    for i, cell in enumerate(cells):
        cell["id"] = f"c{i:04d}"
        out.append(cell)
        gid = grade_id(cell)
        if gid in last and last[gid] == i:
            variables = [s.variable for s in slots[gid]]
            # plain cells (nbformat's new_code_cell validates each against the schema: 80 ms a worker's first run)
            out.append(new_code_cell(collector_source(variables, marker), id=f"{COLLECTOR_CELL_PREFIX}-{gid}"))
    everything = [s.variable for group in slots.values() for s in group]
    out.append(new_code_cell(collector_source(everything, marker), id=f"{COLLECTOR_CELL_PREFIX}-final"))
    return out
