"""The fork child's collector code: definitions compiled once per run and the call line apart do
what the whole collector cell does; a text that does not split so is compiled whole."""

from __future__ import annotations

import contextlib
import io

import numpy as np

from grader.notebook.slots import collector_source
from grader.sandbox import child


def _printed(codes: list, namespace: dict) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for code in codes:
            exec(code, namespace)  # noqa: S102 - our own collector, as the child runs it
    return out.getvalue()


def test_split_collectors_print_what_the_whole_cell_prints_and_share_their_definitions():
    child._DEFINITIONS.clear()
    scope = {"a": 1.5, "b": np.arange(4).reshape(2, 2), "c": ..., "d": float("nan")}
    for names in (["a", "b"], ["c", "missing"], ["a", "b", "c", "d"]):
        source = collector_source(names, "@@m@@")
        split = child._collector_code(source)
        assert len(split) == 2
        assert _printed(split, dict(scope)) == _printed([compile(source, "<whole>", "exec")], dict(scope))
    assert len(child._DEFINITIONS) == 1  # one compile of the definitions for every collector


def test_a_text_whose_last_line_does_not_stand_alone_is_compiled_whole():
    source = "x = (1 +\n     2)\nprint(x)\nprint(\n    x * 2)\n"
    codes = child._collector_code(source)
    assert len(codes) == 1 and _printed(codes, {}) == "3\n6\n"
