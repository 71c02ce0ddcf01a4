"""The no-execution route reads literal-only notebooks, and gives exactly what executing gives."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.grading.literal import read_literals
from grader.notebook.slots import collector_source, parse_collected
from grader.sandbox.job import COLLECTOR_CELL_PREFIX, Limits, RunJob

MARKER = "@@autograde:test@@"
NAMES = ["a", "b", "c", "d", "e", "f", "g", "h", "q", "r", "s", "t", "u", "missing"]
LITERAL_CELLS = [
    "a = 1\nb = [1, 2.5, [3, 4]]  # a comment",
    "c = (1, 2)\nd = {'x': [1, 2], 'y': None}\ne = ...",
    "f = {1, 2}\ng = 1e400\nh = -7\na = 'override'",
    "b = c = 10**2 if False else 3",  # not a literal: an expression
]
NUMPY_CELLS = [  # tensors typed as numpy arrays, read too
    "# q4: my answer\nimport numpy as np\nq = np.array([[1, 2], [3, 4]])\nr = np.array([1.5, -2], dtype=np.float32)",
    "import numpy\ns = numpy.array([[0.1, 0.2]], dtype='float64')\nt = numpy.array(3, dtype=int)\nu = numpy.array([True, False])",
    "a = numpy.array([[1e400, -7]])",
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


@pytest.mark.parametrize("cells", [
    ["x = np.array([1])"],  # no numpy imported
    ["import numpy as np\nnp = 1\nx = np.array([1])"],  # np is no longer numpy
    ["x = 1", "import numpy as x\ny = np.array([1])"],
    ["import numpy as np\nx = np.array([[1], [1, 2]])"],  # numpy refuses a ragged list: the run shows it
    ["import numpy as np\nx = np.array([1], dtype=np.linalg)", "import numpy as np\nx = np.array([1], dtype=abs)"],
    ["import numpy as np\nx = np.zeros(3)"], ["import numpy as np\nx = np.array([1], copy=False)"],
    ["import numpy as np\nx = np.array(y)"], ["import numpy as np\nx = np.array([1], np.float32)"],
    ["import numpy.linalg"], ["import numpy, os"], ["from numpy import array\nx = array([1])"], ["import numpy as _np"],
    ["import numpy as np\nx = np.array([10**100], dtype=int)"],  # an overflow
    # text pads to its longest item, and a dtype can ask for any size: a few KB could take GBs
    ["import numpy as np\nx = np.array(['aaaaaaaa', ''])"], ["import numpy as np\nx = np.array([b'a'])"],
    ["import numpy as np\nx = np.array([1], dtype='V1000000000')"], ["import numpy as np\nx = np.array([1], dtype='(1000000000,)f8')"],
    ["import numpy as np\nx = np.array([1], dtype=np.void)"], ["import numpy as np\nx = np.array([1], dtype='U9')"],
    ["import numpy as np\nx = np.array([1], dtype='no such type')"], ["import numpy as np\nx = np.array([None])"],
])
def test_numpy_arrays_are_read_only_when_numpy_builds_them_from_a_literal(cells):
    assert read_literals(_notebook(cells).cells, NAMES, MARKER) is None


def test_numpy_arrays_of_literals_are_read():
    found = parse_collected(read_literals(_notebook(NUMPY_CELLS).cells, NAMES, MARKER).collected[0], MARKER)
    assert found["q"] == [[1, 2], [3, 4]] and found["t"] == 3 and found["u"] == [True, False]


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
@pytest.mark.parametrize("cells", [LITERAL_CELLS[:3], LITERAL_CELLS[:3] + NUMPY_CELLS], ids=["literals", "numpy"])
def test_reading_literals_equals_executing_them(executor, cells):
    from grader.sandbox.executors import executor as live

    nb = _notebook(cells)
    literal = parse_collected(read_literals(nb.cells, NAMES, MARKER).collected[0], MARKER)
    run = live(executor).run(RunJob(dict(nb), MARKER, Limits(cell_seconds=10, notebook_seconds=60)))
    executed = parse_collected(run.collected[-1], MARKER)
    assert run.status == "ok" and executed.keys() == literal.keys()
    for key in literal:  # nan != nan, so compare their text
        assert repr(executed[key]) == repr(literal[key]), key


def test_a_notebook_with_a_statement_no_literal_cell_holds_goes_to_execution_unparsed(monkeypatch):
    import ast

    parse, parsed = ast.parse, []
    monkeypatch.setattr(ast, "parse", lambda *args, **kwargs: parsed.append(args) or parse(*args, **kwargs))
    helpers = "def conv_out(n, k, s=1):\n    return (n - k) // s + 1\n"
    assert read_literals(_notebook([LITERAL_CELLS[0], helpers]).cells, NAMES, MARKER) is None
    assert parsed == []  # the helper cell's def is seen before any cell is parsed
    for keyword in ("for", "if", "while", "with", "class", "lambda", "return", "from", "print"):
        cells = [LITERAL_CELLS[0], f"  {keyword} x"]  # indented or not, invalid or not: it never binds a literal
        assert read_literals(_notebook(cells).cells, NAMES, MARKER) is None, keyword
    assert parsed == []
    # where a keyword is only text (a key, a word in a one-line string), the cell is read as before
    read = read_literals(_notebook(["d = {'if': 1, 'for': 2}\ne = 'def f'"]).cells, NAMES, MARKER)
    assert read is not None and parsed
    # a string spanning lines with such a line in it runs instead (what it binds is the same either way)
    assert read_literals(_notebook(['s = """\nfor the record\n"""']).cells, NAMES, MARKER) is None
