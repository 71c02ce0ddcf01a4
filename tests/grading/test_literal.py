"""The no-execution route reads literal-only notebooks, and gives exactly what executing gives."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.grading.literal import read_literals
from grader.notebook.slots import collector_source, parse_collected
from grader.sandbox.job import COLLECTOR_CELL_PREFIX, Limits, RunJob

MARKER = "@@autograde:test@@"
NAMES = ["a", "b", "c", "d", "e", "f", "g", "h", "missing"]
LITERAL_CELLS = [
    "a = 1\nb = [1, 2.5, [3, 4]]  # a comment",
    "c = (1, 2)\nd = {'x': [1, 2], 'y': None}\ne = ...",
    "f = {1, 2}\ng = 1e400\nh = -7\na = 'override'",
    "b = c = 10**2 if False else 3",  # not a literal: an expression
]


def _notebook(cells: list[str]) -> nbformat.NotebookNode:
    nb = new_notebook(cells=[new_markdown_cell("# title")] + [new_code_cell(c) for c in cells])
    nb.cells.append(new_code_cell(collector_source(NAMES, MARKER)))
    nb.cells[-1].id = f"{COLLECTOR_CELL_PREFIX}-final"
    return nb


@pytest.mark.parametrize("source", [
    "import os", "x = len([1])", "print = 1", "_hidden = 1", "x: int = 3", "x, y = 1, 2", "%time x = 1",
    "x = 2 ** 10", "x = [i for i in range(3)]", "def f(): pass", "x = y = abs",
])
def test_anything_but_literal_assignments_goes_to_execution(source):
    assert read_literals(_notebook([source]).cells, NAMES, MARKER) is None


def test_a_literal_notebook_past_the_budget_goes_to_the_sandbox():
    from grader.grading import literal

    big = "x = [" + ", ".join(["0.25"] * 20_000) + "]"  # 120000 characters: two are past the budget
    assert read_literals(_notebook([big]).cells, NAMES, MARKER) is not None
    assert read_literals(_notebook([big, big]).cells, NAMES, MARKER) is None
    assert len(big) * 2 > literal.MAX_CHARS > len(big)


def test_literal_assignments_are_read_in_order():
    run = read_literals(_notebook(LITERAL_CELLS[:3]).cells, NAMES, MARKER)
    found = parse_collected(run.collected[0], MARKER)
    assert found["a"] == "override" and found["b"] == [1, 2.5, [3, 4]] and found["c"] == [1, 2]
    assert found["d"] == {"x": [1, 2], "y": None} and found["h"] == -7 and run.executor == "literal"


@pytest.mark.parametrize("executor", ["fork", pytest.param("kernel", marks=pytest.mark.slow)])
def test_reading_literals_equals_executing_them(executor):
    from grader.sandbox.executors import executor as live

    nb = _notebook(LITERAL_CELLS[:3])
    literal = parse_collected(read_literals(nb.cells, NAMES, MARKER).collected[0], MARKER)
    run = live(executor).run(RunJob(dict(nb), MARKER, Limits(cell_seconds=10, notebook_seconds=60)))
    executed = parse_collected(run.collected[-1], MARKER)
    assert run.status == "ok" and executed.keys() == literal.keys()
    for key in literal:  # nan != nan, so compare their text
        assert repr(executed[key]) == repr(literal[key]), key
