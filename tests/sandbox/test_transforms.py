"""The fork route's shortcut through IPython's input transforms gives what IPython gives: the same
transformed cell (or the same error), the same answer to "does it need an event loop", and the same
warnings, on the repository's notebooks, IPython's special syntax and generated cells."""

from __future__ import annotations

import functools
import json
import warnings
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from IPython.core.async_helpers import _should_be_async
from IPython.core.inputtransformer2 import TransformerManager
from IPython.core.interactiveshell import InteractiveShell

from grader.sandbox import transforms

ROOT = Path(__file__).resolve().parents[2]

SPECIAL = [
    "%time x = 1", "%%timeit\nx = 1\n", "a = %time f()", "a = !ls", "!ls -la", "!!ls", "x?", "x??", "%magic?",
    "  %pwd", "if True:\n    !echo hi\n", ",f a b", ";f a b", "/f a b", "x = 1; y = 2", "a = b % c", "a %= 3",
    "a != b", "a = (1,\n     2)\n", "f(a,\n  b)\n", "x = (\n, 3)", ")\n(\n, x)", "s = 'a=%d' % 3", "fmt = '%d'",
    "d = {'a': 1}  # why?", "print('?')", "x = 1 \\\n  % 2", "x = \\\n%time f()", "await f()", "[x async for x in y]",
    "async def f():\n    await g()\n", "def f():\n    x = 1\n  return x\n", "if x:\n\ta = 1\n        b = 2\n",
    "x = '\\d'", "x = 1 is 1", "assert (x, 'msg')", "x = 1\ry = 2", "# hi\x85% foo\n", "x = 1\x0c\n%pwd",
    "a = '\u2028%pwd'", "x = 1\n\n\n", "\n\n  x = 1\n  y = 2\n", ">>> x = 1\n... y = 2\n", "In [1]: x = 1\n",
    "from __future__ import annotations\nx: int = 1", "return 5", "x = (", "'''\n%pwd\n'''", "℘ = 1", "x·y = 2",
    "f'{x!r}'", "f'{x!=y}'", "lambda: (yield)", "x = [1,\n# c\n2]", "\0", "x = 1\n" * 50,
]


def notebook_cells() -> list[str]:
    cells = []
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        cells += ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                  for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    return cells


def _pair() -> tuple[TransformerManager, SimpleNamespace]:
    fast = SimpleNamespace(input_transformer_manager=TransformerManager(), autoawait=True)
    fast.should_run_async = functools.partial(InteractiveShell.should_run_async, fast)  # type: ignore[arg-type]
    transforms.install(fast)  # type: ignore[arg-type]
    return TransformerManager(), fast


def _outcome(run):
    """What ``run`` returns or raises, and the warnings it shows (every one: filters set to always)."""
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        try:
            value: object = run()
        except Exception as exc:  # noqa: BLE001 - the error is part of the outcome compared
            value = (type(exc), str(exc))
    return value, [(str(w.message), w.category, w.filename, w.lineno) for w in shown]


def _same(source: str) -> None:
    ref, fast = _pair()
    expected = _outcome(lambda: ref.transform_cell(source))
    got = _outcome(lambda: fast.input_transformer_manager.transform_cell(source))
    assert got == expected, source
    if isinstance(expected[0], str):  # transformed: then IPython asks whether it needs an event loop
        cell = expected[0]
        assert _outcome(lambda: fast.should_run_async(source, transformed_cell=cell)) == \
            _outcome(lambda: _should_be_async(cell)), source


@pytest.mark.parametrize("source", SPECIAL)
def test_special_syntax_and_odd_cells_transform_as_in_ipython(source):
    _same(source)


def test_every_code_cell_of_the_solutions_transforms_as_in_ipython():
    cells = notebook_cells()
    assert len(cells) > 20
    for source in cells:
        _same(source)


def test_plain_cells_take_the_shortcut_and_special_ones_do_not(monkeypatch):
    from IPython.core import inputtransformer2

    _, fast = _pair()
    tokenised = []
    tokenise = inputtransformer2.make_tokens_by_line
    monkeypatch.setattr(inputtransformer2, "make_tokens_by_line", lambda lines: tokenised.append(1) or tokenise(lines))
    seen = []
    for source in ("x = 1\ny = x % 2\n", "a = %time f()\nb = 2\n", "if a != b:\n    c = 3\n", "x = (1,\n"):
        before = len(tokenised)
        fast.input_transformer_manager.transform_cell(source)
        seen.append(len(tokenised) > before)
    assert seen == [False, True, False, True]  # the last: it does not compile


FRAGMENTS = ["x", "y1", " ", "  ", "\t", "\n", "    ", "=", " = ", "==", "!=", "%", "!", "?", ",", ";", "/", "(", ")",
             "[", "]", "{", "}", ":", "'", '"', "'''", "#", "\\", "\\\n", "1", "0x1", "if x:", "def f():", "return",
             "await ", "async ", "for i in y:", "%time", "ls", ".", "*", "@", "f'{x}'", "\r", "\x0c", "\u2028", "\x85",
             "lambda: 1", "pass", "'\\d'", " is 1", "℘"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=14))
def test_generated_cells_transform_as_in_ipython(parts):
    _same("".join(parts))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["x = 1", "y = x + 2", "def f(a):", "    return a % 3", "if y != 2:", "    z = f(y)",
                                 "else:", "  w = 1", "print(z)", "    pass", "# note", ""]), max_size=10))
def test_generated_line_sequences_transform_as_in_ipython(lines):
    _same("\n".join(lines) + "\n")
