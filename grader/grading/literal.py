"""The no-execution route: when every code cell only binds names to literals, read them.

Running such a notebook binds each name to the value of its literal, in order, and nothing else:
no output, no error, no way to reach the collector's machinery. Reading the same literals with
``ast.literal_eval`` (which never runs code) and converting them with the collector's own
function therefore gives exactly what executing would. Any other statement, an assignment to a
builtin or underscore name (which could break the collector), or anything ``literal_eval``
refuses sends the notebook down the executing route instead.

One more form is read, because students type tensors so: ``import numpy`` (``as`` a name), and
``name = np.array(<literal>)`` where ``np`` is, at that point, the numpy module that import bound,
the literal holds only numbers (in nested lists or tuples), and a ``dtype=`` names a number type
(a string, ``float``, ``int``, ``complex``, ``bool`` or a numpy type). The grader's own numpy
builds the array from the literal (it is the numpy the runs import), so the collector's function
sees what it would have seen in the run; its size is bounded by the literal's. Anything numpy
refuses or warns about goes to the executing route (a run would show that error or warning).

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
import re
import time
import warnings
from typing import Any

import numpy

from grader.notebook.slots import collected_text
from grader.sandbox.job import COLLECTOR_CELL_PREFIX, RunResult

__all__ = ["read_literals"]

_RESERVED = frozenset(dir(builtins)) | {"In", "Out", "get_ipython", "exit", "quit", "display"}
# a line that starts so (past its indentation) is none of the statements read here, nor part of one
# (in a string spanning lines it could be: then the notebook runs, as any this route does not read):
# found before any cell is parsed, a notebook of helper functions costs no parse (2 ms, 3 on average)
_NOT_READ = re.compile(r"^[ \t]*(?:def|class|for|while|if|with|try|return|lambda|async|del|global|nonlocal|raise|"
                       r"assert|yield|from|print)\b", re.MULTILINE)
MAX_CHARS = 200_000
MAX_SECONDS = 1.0


def _plain_name(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name) and not name.startswith("_") and name not in _RESERVED


def _bind(source: str, scope: dict[str, Any]) -> bool:
    """Bind in ``scope`` what running ``source`` would bind; False when it holds anything else."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    for statement in tree.body:
        if isinstance(statement, ast.Import):
            if not all(a.name == "numpy" and _plain_name(a.asname or a.name) for a in statement.names):
                return False
            scope.update({a.asname or a.name: numpy for a in statement.names})
            continue
        if not isinstance(statement, ast.Assign):
            return False
        targets = statement.targets
        if not all(isinstance(t, ast.Name) and _plain_name(t.id) for t in targets):
            return False
        try:
            value = _value(statement.value, scope)
        except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError, _NotRead):
            return False
        scope.update({t.id: value for t in targets if isinstance(t, ast.Name)})  # all are, checked above
    return True


class _NotRead(Exception):
    """An expression this route does not read (running it decides)."""


_DTYPES = {"float": float, "int": int, "complex": complex, "bool": bool}


def _value(node: ast.expr, scope: dict[str, Any]) -> Any:
    if not isinstance(node, ast.Call):
        return ast.literal_eval(node)
    if not _numpy_attribute(node.func, scope, "array") or len(node.args) != 1 or \
            any(k.arg != "dtype" for k in node.keywords):
        raise _NotRead
    kwargs = {str(k.arg): _dtype(k.value, scope) for k in node.keywords}
    literal = ast.literal_eval(node.args[0])
    if not _numbers(literal):  # text would be padded to its longest: a few KB typed could ask for GBs
        raise _NotRead
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a run would print it: run it
        try:
            return numpy.array(literal, **kwargs)
        except Exception as exc:  # noqa: BLE001 - a ragged list, an overflow: the run shows the error
            raise _NotRead from exc


def _numbers(literal: Any) -> bool:
    """Whether ``literal`` is a number or nested lists and tuples of numbers (a tensor)."""
    stack = [literal]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif not isinstance(item, (bool, int, float, complex)):
            return False
    return True


def _numpy_attribute(node: ast.expr, scope: dict[str, Any], name: str | None = None) -> bool:
    return (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and scope.get(node.value.id) is numpy and (name is None or node.attr == name))


def _dtype(node: ast.expr, scope: dict[str, Any]) -> Any:
    """A number type named by ``node`` (whose array's size the literal bounds), else :class:`_NotRead`."""
    named: Any = None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        named = node.value
    elif isinstance(node, ast.Name) and node.id in _DTYPES:  # a builtin: no literal notebook can rebind one
        named = _DTYPES[node.id]
    elif isinstance(node, ast.Attribute) and _numpy_attribute(node, scope):
        named = vars(numpy).get(node.attr)  # not getattr: numpy's module __getattr__ imports and warns
        if not (isinstance(named, type) and issubclass(named, numpy.generic)):
            raise _NotRead
    try:
        dtype = numpy.dtype(named) if named is not None else None
    except (TypeError, ValueError) as exc:
        raise _NotRead from exc
    if dtype is None or dtype.kind not in "biufc" or dtype.subdtype is not None or dtype.itemsize > 16:
        raise _NotRead
    return named


def read_literals(cells: list[dict[str, Any]], variables: list[str], marker: str) -> RunResult | None:
    """The run's result without running, or ``None`` when the notebook is not literal-only or is past the budget."""
    start = time.perf_counter()
    code = [c["source"] for c in cells if c["cell_type"] == "code" and not str(c.get("id", "")).startswith(COLLECTOR_CELL_PREFIX)]
    if sum(len(source) for source in code) > MAX_CHARS or any(_NOT_READ.search(source) for source in code):
        return None
    scope: dict[str, Any] = {}
    for source in code:
        if not _bind(source, scope) or time.perf_counter() - start > MAX_SECONDS:
            return None
    return RunResult(status="ok", collected=[collected_text(scope, variables, marker)], executor="literal",
                     seconds=time.perf_counter() - start)
