"""IPython's syntax runs on both executors alike: magics, ``!shell``, cell magics, top-level await,
a tokenising error, and plain cells around them (the fork child takes a shortcut for plain cells:
``grader.sandbox.transforms``). The kernel half is slow (a real ipykernel)."""

from __future__ import annotations

import nbformat
import pytest

from grader.notebook.slots import collector_source, parse_collected
from grader.sandbox.executors import executor
from grader.sandbox.job import COLLECTOR_CELL_PREFIX, Limits, RunJob

MARKER = "@@autograde:syntax@@"
CELLS = {
    "plain": "c = 7 % 4\nd = [i for i in range(3) if i != 1]\n",
    "magic": "a = %time 1 + 1\n",
    "shell": "b = !echo hi\nb = list(b)\n",
    "cell-magic": "%%capture captured\nprint('hidden')\nh = 5\n",
    "await": "import asyncio\nawait asyncio.sleep(0)\ne = 'awaited'\n",
    "indent": "if True:\n    x = 1\n  y = 2\n",
    "help": "f = 3\nf?\n",
    "after": "g = (c, d)  # still here?\n",
}
NAMES = ["a", "b", "c", "d", "e", "f", "g", "h"]


def _run(name: str):
    cells = [nbformat.v4.new_code_cell(source, id=cid) for cid, source in CELLS.items()]
    cells.append(nbformat.v4.new_code_cell(collector_source(NAMES, MARKER), id=f"{COLLECTOR_CELL_PREFIX}-final"))
    notebook = nbformat.v4.new_notebook(cells=cells)
    return executor(name).run(RunJob(notebook, MARKER, Limits(cell_seconds=20, notebook_seconds=60), "syntax"))


@pytest.mark.parametrize("name", ["fork", pytest.param("kernel", marks=pytest.mark.slow)])
def test_ipython_syntax_gives_the_same_values_and_errors_on_each_executor(name):
    result = _run(name)
    assert result.status == "ok", result.reason
    values = parse_collected(result.collected[-1], MARKER)
    assert values == {"a": 2, "b": ["hi"], "c": 3, "d": [0, 2], "e": "awaited", "f": 3, "g": [3, [0, 2]], "h": 5}
    assert [(e.cell_id, e.ename) for e in result.errors] == [("indent", "IndentationError")]
    assert "<tokenize>" in result.errors[0].evalue  # raised by IPython's tokenising, as in a kernel
