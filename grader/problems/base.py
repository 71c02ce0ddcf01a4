"""What a problem family is made of: parameters, parts with their answer kinds, and mistakes.

A family is one module (see ``conv_output_shape.py`` for the model) defining, in this order:
``Params`` (a :class:`FamilyParams`), ``Space`` (a :class:`~grader.problems.space.FamilySpace`),
``generate(rng, space)``, ``ANSWER`` (the layout of the answer JSON), ``solve(params)`` returning
the graded parts, ``mistakes(params)`` yielding :class:`Mistake`, and the ``STATEMENT`` and
``SOLUTION`` markdown templates. ``read_answer(raw, params)`` is optional: it accepts other
spellings of an answer (a whole shape for a shape family, say). So is ``too_big_by_hand(params)``:
a sentence when a variant is more than a student computes by hand (``Params`` refuses only what
PyTorch refuses or what would overload the grader; hand-sized limits belong to the default
``Space``, and ``autograde variants`` warns when an assignment's space goes past them). So is
``degenerate(params)``: a sentence when parameters make no exercise (a pooling whose output is one
window, KL(q‖p) with q = p), which are then never drawn. An answer of 0 is degenerate only where its
family says so (``all_zero`` helps it say it): a bilinear weight of 0 is a fair question.
"""

from __future__ import annotations

import difflib
import functools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator

from grader.answers import AnswerKind, Reading, show

__all__ = [
    "ANSWER_LAYOUTS",
    "Dims",
    "FamilyParams",
    "Layout",
    "Mistake",
    "Part",
    "Reading",
    "Spatial",
    "SpatialOrZero",
    "axes",
    "remember_last",
]

Layout = Literal["value", "object", "list"]
ANSWER_LAYOUTS: tuple[str, ...] = ("value", "object", "list")
"""How the answer JSON holds the parts: one value, an object keyed by part, or a list of parts."""

Dims = Literal[1, 2]

def _spatial(low: int):
    def check(value: Any) -> Any:
        if type(value) is int and low <= value <= 100_000:  # the common case, without building a list
            return value
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            raise ValueError("must be an integer or a list of integers, one per axis")
        if not all(low <= v <= 100_000 for v in values):
            raise ValueError(f"must be at least {low} (and at most 100000)")
        return value

    return Annotated[int | list[int], BeforeValidator(check)]


Spatial = _spatial(1)
"""A spatial value: one int for every axis, or a list with one int per axis (each >= 1)."""
SpatialOrZero = _spatial(0)
"""A spatial value that may be 0 (padding)."""


def axes(value: int | Sequence[int], dims: int) -> tuple[int, ...]:
    """Expand a spatial value to one int per axis."""
    return (value,) * dims if isinstance(value, int) else tuple(value)


class FamilyParams(BaseModel):
    """Base for a family's parameters: frozen, unknown keys refused, spatial lists checked per axis.

    Parameters are JSON and read strictly, in every family and every nested model: ``true`` is not
    1, ``"2"`` is not 2, ``2.0`` is not the integer 2, and NaN or infinity is no number at all.
    (pydantic's lax mode would take each of them; its strict mode still takes ``true`` for a
    ``Literal[1, 2]`` and refuses a JSON list for a tuple, so the rule is checked here instead.)
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    spatial_fields: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="wrap")
    @classmethod
    def _strict_json(cls, data: Any, handler):
        if isinstance(data, Mapping) and (problem := _not_finite(data)):
            raise ValueError(problem)
        model = handler(data)
        if isinstance(data, Mapping) and (problem := _coerced(data, model, "")):
            raise ValueError(problem)
        return model

    @model_validator(mode="after")
    def _one_value_per_axis(self):
        dims = getattr(self, "dims", None)
        for name in self.spatial_fields:
            value = getattr(self, name)
            if isinstance(value, list) and dims is not None and len(value) != dims:
                raise ValueError(f"{name}: has {len(value)} values but dims is {dims}")
        return self

    def axes(self, name: str) -> tuple[int, ...]:
        return axes(getattr(self, name), getattr(self, "dims", 1))


def _not_finite(data: Mapping) -> str | None:
    """``"field: must be a number, not NaN"`` for the first NaN or infinity anywhere in ``data``."""
    found = _not_finite_at(data)
    if found is None:
        return None
    path, value = found
    return f"{'.'.join(path) or 'parameters'}: must be a number, not {show(value)}"


def _not_finite_at(value: Any) -> tuple[list[str], float] | None:
    """Where the first NaN or infinity in ``value`` is (its path, built only when there is one: a
    generated tensor holds hundreds of numbers, and every student's parameters are checked) and what."""
    if isinstance(value, float):
        return None if math.isfinite(value) else ([], value)
    if isinstance(value, Mapping):
        items: Iterable[tuple[Any, Any]] = value.items()
    elif isinstance(value, (list, tuple)):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        if type(item) in _PLAIN and (type(item) is not float or math.isfinite(item)):
            continue
        if (found := _not_finite_at(item)) is not None:
            found[0].insert(0, str(key))
            return found
    return None


_MISSING = object()
_PLAIN = frozenset({int, float, str, bool, type(None)})  # JSON scalars, as read (not subclasses: numpy's float64 is a float)


def _coerced(raw: Any, value: Any, path: str) -> str | None:
    """Where pydantic turned one JSON type into another (``true`` into 1, ``"2"`` into 2, 2.0 into 2)."""
    if type(raw) is type(value) and type(raw) in _PLAIN:  # most of the walk: the numbers of a tensor
        return None
    where = path or "parameters"
    if isinstance(raw, bool) and not isinstance(value, bool):
        return f"{where}: must be a number, not {show(raw)}"
    if isinstance(value, bool) and not isinstance(raw, bool):
        return f"{where}: must be true or false, not {show(raw)}"
    if isinstance(raw, str) and not isinstance(value, str):
        return f"{where}: must be a number, not the text {show(raw)}"
    if isinstance(raw, float) and isinstance(value, int):
        return f"{where}: must be an integer, not {show(raw)}"
    if isinstance(raw, Mapping):
        for key, item in raw.items():
            child = getattr(value, str(key), _MISSING) if isinstance(value, BaseModel) else \
                value.get(key, _MISSING) if isinstance(value, Mapping) else _MISSING
            if child is not _MISSING and (problem := _coerced(item, child, f"{path}.{key}" if path else str(key))):
                return problem
    elif isinstance(raw, (list, tuple)) and isinstance(value, (list, tuple)) and len(raw) == len(value):
        for i, (item, child) in enumerate(zip(raw, value)):
            if type(item) is type(child) and type(item) in _PLAIN:
                continue
            if problem := _coerced(item, child, f"{path}.{i}"):
                return problem
    return None


@dataclass(frozen=True)
class Part:
    """One graded part: the reference answer, how it is compared, and its share of the points.

    ``carry`` enables error-carried-forward: given the student's own answers to the other parts,
    it returns what this part should be if those answers were right (or ``None`` when it cannot
    tell), so a later step done correctly from a wrong earlier value earns its credit.
    """

    expected: Any
    kind: AnswerKind
    weight: float = 1.0
    carry: Callable[[Mapping[str, Any]], Any] | None = None


@dataclass(frozen=True)
class Mistake:
    """A wrong-but-common way to compute the answer, with the sentence a student should read."""

    name: str
    message: str
    answer: Any  # in the family's answer layout; parts it does not change may equal the truth


def split_answer(layout: str, parts: Sequence[str], raw: Any) -> tuple[dict[str, Any], list[str], bool]:
    """Split a raw answer into ``{part: value}`` (``None`` for unanswered).

    Returns the values, notes on the answer's form for the student, and whether the form was
    wrong (an answer of the wrong form is never fully correct, whatever its parts score).
    """
    if layout == "value":
        return {parts[0]: raw}, [], False
    if raw is None:
        return dict.fromkeys(parts), [], False
    if layout == "object":
        if not isinstance(raw, Mapping):
            return dict.fromkeys(parts), [f"Expected an object with the keys {', '.join(parts)}."], True
        unknown = [str(k) for k in raw if k not in parts]
        notes = [_unknown_keys(unknown, parts)] if unknown else []
        return {p: raw.get(p) for p in parts}, notes, bool(unknown)
    if not isinstance(raw, (list, tuple)):
        return dict.fromkeys(parts), [f"Expected a list with {len(parts)} entries."], True
    values = {p: (raw[i] if i < len(raw) else None) for i, p in enumerate(parts)}
    if len(raw) != len(parts):
        return values, [f"Expected {len(parts)} entries, got {len(raw)}; they were read in order."], True
    return values, [], False


def _unknown_keys(unknown: list[str], parts: Sequence[str]) -> str:
    """The note for keys that are no part of the answer: named, with the nearest part when there is one."""
    guesses = [f"{show(k)} (did you mean {show(m[0])}?)" if (m := difflib.get_close_matches(k, parts, n=1)) else show(k)
               for k in unknown[:5]]
    more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
    return (f"Unknown key(s) {', '.join(guesses)}{more}: not graded, so the answer is not marked correct as written. "
            f"The keys are {', '.join(parts)}.")


def join_answer(layout: str, values: Mapping[str, Any]) -> Any:
    """The inverse of :func:`split_answer`: part values back into the answer's JSON layout."""
    if layout == "value":
        (value,) = values.values()
        return value
    if layout == "object":
        return dict(values)
    return list(values.values())


def names(prefix: str, count: int) -> list[str]:
    """Part names for a list layout: ``layer1``, ``layer2``, ..."""
    return [f"{prefix}{i}" for i in range(1, count + 1)]


def all_zero(answer: Any) -> bool:
    """Whether every number in an answer (nested lists and objects; text and flags aside) is 0."""
    seen_a_number, stack = False, [answer]
    while stack:  # every variant is asked this when drawn: stop at the first number that is not 0
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, (int, float)) and not isinstance(item, bool):
            if item != 0:
                return False
            seen_a_number = True
    return seen_a_number


def first_line(doc: str | None) -> str:
    return (doc or "").strip().splitlines()[0].strip() if (doc or "").strip() else ""


def unique(items: Iterable[Mistake]) -> list[Mistake]:
    seen: set[str] = set()
    out = []
    for m in items:
        if m.name not in seen:
            seen.add(m.name)
            out.append(m)
    return out


def remember_last(output: Callable[..., list]) -> Callable[..., list]:
    """``output(p)`` remembered for the parameters asked last (not with ``changes``, as a mistake
    asks): a value family's ``degenerate`` check and then its ``solve`` ask for the same output of
    the same parameters, and planning a batch computed every convolution twice (8% of its
    time). Keyed on the object itself, which is frozen; kept alive here, so its id is not reused."""
    last: tuple[Any, list] = (None, [])

    @functools.wraps(output)
    def remembered(p: Any, **changes: Any) -> list:
        nonlocal last
        if changes:
            return output(p, **changes)
        seen = last  # one read: another thread may replace it meanwhile
        if seen[0] is not p:
            seen = last = (p, output(p))
        return seen[1]

    return remembered
