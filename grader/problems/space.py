"""Parameter spaces: what a family draws its parameters from, overridable per assignment.

In a family's ``Space`` and in ``assignment.toml`` each entry is written the same way:
a scalar is fixed, a list is a choice among its items, and a table ``{min, max, step}`` is a
range (integers when ``min`` and ``max`` are integers and no ``step`` is given).
"""

from __future__ import annotations

from typing import Any, Protocol, TypedDict

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["Bounds", "Draw", "FamilySpace", "Range", "ValueSpace", "draw", "draw_many", "edges"]


class Range(BaseModel):
    """A range to draw from uniformly, both ends included."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    min: float | int = Field(description="Smallest value.")
    max: float | int = Field(description="Largest value.")
    step: float | int | None = Field(None, gt=0, description="Spacing of the values; integers by default.")

    @model_validator(mode="after")
    def _ordered(self):
        if self.max < self.min:
            raise ValueError(f"max ({self.max}) is smaller than min ({self.min})")
        return self

    @property
    def integers(self) -> bool:
        return self.step is None and isinstance(self.min, int) and isinstance(self.max, int)

    @property
    def count(self) -> int:
        """How many values the range holds."""
        if self.integers:
            return int(self.max - self.min) + 1
        step = self.step if self.step is not None else 0.1
        return int(np.floor((self.max - self.min) / step + 1e-9)) + 1

    def value(self, index: int) -> int | float:
        """The ``index``-th value (0 is ``min``), without building the whole range."""
        if self.integers:
            return int(self.min) + index
        step = self.step if self.step is not None else 0.1
        return float(round(self.min + step * index, 10))


Draw = Range | list[Any] | int | float | str | bool | None
"""One entry of a space: a ``Range``, a list of choices, or a fixed scalar."""


def draw(rng: np.random.Generator, spec: Draw) -> Any:
    """Draw one value from ``spec`` using only ``rng``."""
    if isinstance(spec, Range):
        return spec.value(int(rng.integers(spec.count)))
    if isinstance(spec, list):
        if not spec:
            raise ValueError("an empty list of choices")
        return spec[int(rng.integers(len(spec)))]
    return spec


def edges(spec: Draw) -> list[Any]:
    """The values of ``spec`` worth checking one by one: every choice of a list, both ends of a range."""
    if isinstance(spec, Range):
        return list(dict.fromkeys([spec.value(0), spec.value(spec.count - 1)]))
    return list(spec) if isinstance(spec, list) else [spec]


def draw_many(rng: np.random.Generator, spec: Draw, count: int) -> list[Any]:
    """``count`` independent draws from ``spec`` in one call (tensor entries, say)."""
    if isinstance(spec, Range):
        indices = rng.integers(spec.count, size=count).tolist()
        if spec.integers:  # Range.value of each index, without a call per entry
            low = int(spec.min)
            return [low + i for i in indices]
        return [spec.value(i) for i in indices]
    if isinstance(spec, list):
        if not spec:
            raise ValueError("an empty list of choices")
        return [spec[int(i)] for i in rng.integers(len(spec), size=count)]
    return [spec] * count


class Bounds(TypedDict):
    """Inclusive bounds that several fields of a family's ``Params`` share, spread as ``Field(..., **bounds)``."""

    ge: int
    le: int


class FamilySpace(BaseModel):
    """Base for a family's parameter space; assignments override its fields by name."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def draw(self, rng: np.random.Generator, name: str) -> Any:
        return draw(rng, getattr(self, name))


class ValueSpace(Protocol):
    """A family's space with a ``values`` entry that the entries of its tensors are drawn from."""

    @property
    def values(self) -> Draw: ...
