"""Render a family's statement and worked-solution templates (Jinja2, markdown with LaTeX)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # Jinja2 comes with the first template (grader.templates): grading renders none
    import jinja2

__all__ = ["bmatrix", "num", "render", "tensor", "term", "vec"]


def num(x: Any, digits: int = 4) -> str:
    """A number as a student would write it: integers plain, reals to ``digits`` significant figures."""
    if isinstance(x, float):  # first: every tensor entry is one (numpy's float64 too)
        if not x.is_integer() or abs(x) >= 1e15:
            return f"{float(x):.{digits}g}"
    elif isinstance(x, (bool, np.bool_)):
        return str(x)
    elif not isinstance(x, (int, np.integer)):
        return f"{float(x):.{digits}g}"
    value = int(x)
    return f"{value:,}".replace(",", "{,}") if abs(value) >= 10_000 else str(value)


def term(x: Any) -> str:
    """A number as a term of a sum or product: ``(-2)`` for a negative one, so ``3 + (-2)`` reads right."""
    text = num(x)
    return f"({text})" if text.startswith("-") else text


def bmatrix(rows: Sequence[Any]) -> str:
    """A 1-D or 2-D nested list as a LaTeX ``bmatrix``."""
    array = np.asarray(rows, dtype=float)
    if array.ndim == 1:
        array = array[None]
    body = r" \\ ".join(" & ".join(map(num, row)) for row in array.tolist())  # Python floats: num's fast path
    return r"\begin{bmatrix} " + body + r" \end{bmatrix}"


def tensor(values: Sequence[Any], name: str = "X") -> str:
    """A channels-first tensor as one displayed ``bmatrix`` per channel."""
    return "\n".join(f"$$ {name}_{{{c}}} = {bmatrix(channel)} $$" for c, channel in enumerate(values))


def vec(values: Sequence[Any]) -> str:
    """A spatial tuple the way a statement shows it: ``5`` or ``5 \\times 7``."""
    values = list(values)
    return r" \times ".join(num(v) for v in values)


def _environment() -> jinja2.Environment:
    from grader.templates import add_filters

    return add_filters(num=num, bmatrix=bmatrix, tensor=tensor, term=term, vec=vec)


@lru_cache(maxsize=256)
def _template(source: str) -> jinja2.Template:
    return _environment().from_string(source)


def render(source: str, **context: Any) -> str:
    """Render a template string with the given names; an unknown name is an error, not a blank."""
    return _template(source).render(**context).strip() + "\n"
