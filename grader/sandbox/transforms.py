"""A shortcut through IPython's input transforms for cells that hold no IPython syntax.

IPython tokenises every cell with the pure-Python ``tokenize`` (Python 3.11) to look for magics,
``!shell`` and ``help?`` syntax, then compiles the transformed cell once only to learn whether it
needs an event loop (top-level ``await``). The tokenising is about half of what ``run_cell`` costs
for a cell of plain code (3 ms of 7 for a notebook's 6 KB helper cell). For a cell where none of
the token transforms can apply, this skips it, and that compile (done here, once, instead of in
``should_run_async``) tells both things; anything else goes through IPython's own code unchanged.

Why the shortcut gives what IPython gives (``tests/sandbox/test_transforms.py`` compares the two
on the notebooks of the repository, IPython's special syntax and generated cells):

- IPython's four token transforms look for a ``%`` or ``!`` token right after an ``=`` token
  (``a = %time f()``, ``a = !ls``), a ``?`` token as a line's last (``obj?``), or one of
  ``! ? % , ; /`` as the first token of a line. Tokens start where their text starts, a line's
  first token at the line's first character past spaces and tabs, and ``!`` is a token of its own
  only where no ``=`` follows it (``!=`` is one token): so a cell none of whose text matches
  :data:`_MAYBE_SPECIAL` has no place where a transform applies, and IPython returns it as is.
- Tokenising itself can raise (an ``IndentationError`` for a dedent that matches no outer level),
  which IPython reports before the cell runs: the shortcut is only taken for a cell that compiles,
  whose indentation is consistent. Lines other than ``\\n``-ended ones (``\\r``, form feeds, the
  Unicode separators ``str.splitlines`` knows) are left to IPython.
- The compile is ``IPython.core.async_helpers._should_be_async``'s own (same source, file name,
  flags and inherited ``__future__`` features); the warnings it shows are held and shown when
  IPython would have compiled (``should_run_async``), and not at all when IPython would not have.
"""

from __future__ import annotations
import __future__

import ast
import inspect
import re
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

__all__ = ["install"]

# where a token transform could apply (a superset, see above); and line ends IPython and Python split apart
_MAYBE_SPECIAL = re.compile(r"\?|!(?!=)|=[\s\\]*%|^[ \t]*[!%,;/]", re.MULTILINE)
_ODD_LINE_ENDS = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


@dataclass
class _Compiled:
    """The compile of the last cell that took the shortcut: its text, whether it is a coroutine,
    and the warnings the compile showed (held until IPython would have compiled it)."""

    text: str | None = None
    coroutine: bool = False
    shown: list[tuple[Any, ...]] = field(default_factory=list)


def _future_flags() -> int:
    """The ``__future__`` features ``_should_be_async``'s module compiles with (its compile inherits them)."""
    from IPython.core import async_helpers

    return sum(f.compiler_flag for f in vars(async_helpers).values() if isinstance(f, __future__._Feature))


def install(shell: InteractiveShell) -> None:
    """Route ``shell``'s token transforms and ``should_run_async`` through the shortcut."""
    manager = shell.input_transformer_manager
    token_transforms, should_run_async = manager.do_token_transforms, shell.should_run_async
    flags = getattr(ast, "PyCF_ALLOW_TOP_LEVEL_AWAIT", 0) | _future_flags()
    last = _Compiled()

    def do_token_transforms(lines: list[str]) -> list[str]:
        last.text, last.shown = None, []
        text = "".join(lines)
        if (_MAYBE_SPECIAL.search(text) or _ODD_LINE_ENDS.search(text)
                or not all(line.endswith("\n") for line in lines[:-1])):
            return token_transforms(lines)
        shown: list[tuple[Any, ...]] = []
        show, warnings.showwarning = warnings.showwarning, lambda *args: shown.append(args)
        try:
            code = compile(text, "<>", "exec", flags=flags, dont_inherit=True)
        except Exception:  # noqa: BLE001 - a syntax error or anything else: IPython's own way, as before
            code = None
        finally:
            warnings.showwarning = show
        if code is None:
            return token_transforms(lines)
        last.text, last.coroutine, last.shown = text, inspect.CO_COROUTINE & code.co_flags == inspect.CO_COROUTINE, shown
        return lines

    def fast_should_run_async(raw_cell: str, *, transformed_cell: str | None = None,
                              preprocessing_exc_tuple: Any = None) -> bool:
        known = last.text is not None and last.text == transformed_cell and shell.autoawait and preprocessing_exc_tuple is None
        compiled, last.text, last.shown = (last.shown, last.coroutine), None, []
        if not known:
            return should_run_async(raw_cell, transformed_cell=transformed_cell,
                                    preprocessing_exc_tuple=preprocessing_exc_tuple)
        for args in compiled[0]:
            warnings.showwarning(*args)
        return compiled[1]

    manager.do_token_transforms = do_token_transforms
    shell.should_run_async = fast_should_run_async  # type: ignore[method-assign]
