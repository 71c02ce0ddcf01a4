"""Bounds on rendering student text: long cells and answers cut with a note, a time budget per page.

A submission may hold 19 MB of cells that each pass the reader's limits; highlighting and
sanitising all of it kept ``autograde feedback`` busy for minutes on one page. What a page shows
is cut here first, visibly (the student is told how much is left out, and the graded notebook is
unchanged), and the page's rendering runs under a time budget, so one page can only fail, never
hold up the pages after it.
"""

from __future__ import annotations

import contextlib
import copy
import signal
import threading
import time
from collections.abc import Iterator

from nbformat import NotebookNode
from nbformat.v4 import new_markdown_cell

from grader.errors import RenderError

__all__ = ["MAX_CELL_CHARS", "MAX_PAGE_CHARS", "PAGE_SECONDS", "page_budget", "shorten", "shortened_notebook"]

MAX_CELL_CHARS = 5_000
"""A cell longer than this is shown cut: an answer cell is a few hundred characters."""
MAX_PAGE_CHARS = 100_000
"""Cells past this many characters in all are left off the page, with a note saying how many."""
PAGE_SECONDS = 30.0


def _more(count: int, what: str = "characters") -> str:
    return f"{count:,} more {what} not shown"


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with a note saying how much was left out."""
    return text if len(text) <= limit else f"{text[:limit]} … ({_more(len(text) - limit)})"


def _cut(cell: NotebookNode, limit: int) -> None:
    left = len(cell.source) - limit
    note = _more(left) + " on this page"
    if cell.cell_type == "code":
        cell.source = f"{cell.source[:limit]}\n# … ({note})"
    else:
        cell.source = f"{cell.source[:limit]}\n\n*… ({note})*"


def shortened_notebook(nb: NotebookNode, cell_chars: int = MAX_CELL_CHARS,
                       page_chars: int = MAX_PAGE_CHARS) -> NotebookNode:
    """A copy of ``nb`` fit for a page: long cells cut, and cells past the page's share left off."""
    out = copy.copy(nb)
    out.cells, shown = [], 0
    for index, cell in enumerate(nb.cells):
        if shown >= page_chars:
            rest = len(nb.cells) - index
            out.cells.append(new_markdown_cell(f"*… ({_more(rest, 'cells')} on this page)*", id=f"ag-rest-{index}"))
            break
        cell = copy.deepcopy(cell)
        if len(cell.source) > cell_chars:
            _cut(cell, cell_chars)
        shown += len(cell.source)
        out.cells.append(cell)
    return out


class _Expired(BaseException):
    """Raised by the timer: a BaseException, so no renderer's ``except Exception`` swallows it."""


@contextlib.contextmanager
def page_budget(seconds: float = PAGE_SECONDS, what: str = "the page") -> Iterator[None]:
    """Raise ``RenderError`` in the block once it has run ``seconds`` (a timer signal: only in the
    main thread, where the commands render; elsewhere the cuts above are the only bound). A timer
    already set (by a test runner, say) is put back with the time it has left."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(_signum, _frame):
        raise _Expired

    previous = signal.signal(signal.SIGALRM, expire)
    start = time.monotonic()
    pending, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _Expired:
        raise RenderError(f"{what} took more than {seconds:g} s to render and was left out") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if pending:
            signal.setitimer(signal.ITIMER_REAL, max(pending - (time.monotonic() - start), 1e-3))
