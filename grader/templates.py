"""The one Jinja environment every page and every statement is rendered with, and the one stylesheet.

Templates are named by their path inside the ``grader`` package (``report/report.html.j2``), so a
package of pages (the web service's) adds its templates beside its code and renders them here too.
What a template's name says decides escaping: a file ``.html``/``.j2`` template is an HTML page
and escapes every value; a template from a string (a family's markdown statement) is not escaped.
Pages include ``report/style.css`` (:data:`STYLESHEET`), the stylesheet they share.

``| math`` typesets a sentence's ``$...$`` with the ``typeset`` function the page is rendered with
(each page keeps its own typesetter); ``| pct`` shows a share as a percentage. A lower layer's
filters (the number formats of ``grader.problems.text``) are added by that layer with
:func:`add_filters`: this module imports nothing of autograde's, so every layer may use it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

__all__ = ["STYLESHEET", "add_filters", "environment"]

PACKAGE = Path(__file__).parent
STYLESHEET = "report/style.css"
"""The stylesheet of every page, by its template name (``{% include STYLESHEET %}`` inlines it)."""


@jinja2.pass_context
def _math(context: jinja2.runtime.Context, text: Any) -> Any:
    typeset = context.get("typeset")
    if typeset is None:
        raise jinja2.UndefinedError("| math needs the page rendered with typeset=<a function of a sentence>")
    return typeset(text)


def _pct(share: float | None, digits: int = 0) -> str:
    return "–" if share is None else f"{100 * share:.{digits}f}%"


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The environment (made once): an unknown name is an error, never a blank."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(PACKAGE),
        autoescape=jinja2.select_autoescape(["html", "j2"], default_for_string=False),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False,
    )
    env.filters.update(math=_math, pct=_pct)
    env.globals.update(zip=zip, enumerate=enumerate, range=range, len=len, STYLESHEET=STYLESHEET)
    return env


def add_filters(**filters: Callable[..., Any]) -> jinja2.Environment:
    """Add filters to the environment (a layer's own formats), and return it."""
    env = environment()
    env.filters.update(filters)
    return env
