"""One answer of the corpus and its careful grader's verdict, and the helpers the case lists are written with.

``correct`` is the verdict's ``correct``: every part given is right and the form is as asked (a
partial answer whose given parts are right is correct, and lists the rest as not answered).
``mistake`` names the known slip the feedback must name; ``says`` is a phrase the feedback must contain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Case", "cases", "no", "ok"]


@dataclass(frozen=True)
class Case:
    family: str
    params: dict[str, Any]
    answer: Any
    correct: bool
    why: str
    mistake: str | None = None
    says: str | None = None
    id: str = field(default="", compare=False)


def cases(family: str, params: dict[str, Any], rows: list[tuple]) -> list[Case]:
    """The cases of one family for one parameter set, from rows written with :func:`ok` and :func:`no`."""
    out = []
    for row in rows:
        answer, correct, why, *extra = row
        options = extra[0] if extra else {}
        out.append(Case(family, params, answer, correct, why, **options))
    return out


def ok(answer: Any, why: str, **extra: Any) -> tuple:
    return (answer, True, why, extra)


def no(answer: Any, why: str, **extra: Any) -> tuple:
    return (answer, False, why, extra)
