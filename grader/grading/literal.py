"""The no-execution route: when every code cell only binds names to literals, read them.

Running such a notebook binds each name to the value of its literal, in order, and nothing else:
no output, no error, no way to reach the collector's machinery. Reading the same literals with
``ast.literal_eval`` (which never runs code) and converting them with the collector's own
function therefore gives exactly what executing would. Any other statement, an assignment to a
builtin or underscore name (which could break the collector), or anything ``literal_eval``
refuses sends the notebook down the executing route instead.

It lives in ``grading/``, not ``sandbox/``: it never runs code, and it reads the notebook's cells.
This runs in the grader's worker, outside the sandbox and its time limits, so it has a budget of
its own: a notebook whose code cells hold more than ``MAX_CHARS`` characters (a healthy answered
notebook holds a few thousand), or whose reading takes past ``MAX_SECONDS``, is handed to the
sandbox instead. Parsing 19 MB of literals took the worker about a minute.
"""

from __future__ import annotations

import ast
import builtins
import keyword
import time
from typing import Any

from nbformat import NotebookNode

from grader.notebook.slots import collected_text
from grader.sandbox.job import COLLECTOR_CELL_PREFIX, RunResult

__all__ = ["read_literals"]

_RESERVED = frozenset(dir(builtins)) | {"In", "Out", "get_ipython", "exit", "quit", "display"}
MAX_CHARS = 200_000
MAX_SECONDS = 1.0


def _plain_name(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name) and not name.startswith("_") and name not in _RESERVED


def _bindings(source: str) -> list[tuple[list[str], Any]] | None:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    out = []
    for statement in tree.body:
        if not isinstance(statement, ast.Assign):
            return None
        targets = statement.targets
        if not all(isinstance(t, ast.Name) and _plain_name(t.id) for t in targets):
            return None
        try:
            value = ast.literal_eval(statement.value)
        except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
            return None
        out.append(([t.id for t in targets if isinstance(t, ast.Name)], value))  # all are, checked above
    return out


def read_literals(cells: list[NotebookNode], variables: list[str], marker: str) -> RunResult | None:
    """The run's result without running, or ``None`` when the notebook is not literal-only or is past the budget."""
    start = time.perf_counter()
    code = [c for c in cells if c.cell_type == "code" and not str(c.get("id", "")).startswith(COLLECTOR_CELL_PREFIX)]
    if sum(len(c.source) for c in code) > MAX_CHARS:
        return None
    scope: dict[str, Any] = {}
    for cell in code:
        bindings = _bindings(cell.source)
        if bindings is None or time.perf_counter() - start > MAX_SECONDS:
            return None
        for names, value in bindings:
            for name in names:
                scope[name] = value
    return RunResult(status="ok", collected=[collected_text(scope, variables, marker)], executor="literal",
                     seconds=time.perf_counter() - start)
