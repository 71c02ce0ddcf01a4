"""Small tensors written out as nested lists: what the value families share.

Not a family (the leading underscore keeps the registry away): ``conv_values``,
``conv_transpose_values`` and ``pool_values`` hold their input and weights as plain nested lists
of numbers, so that a variant stays readable JSON and a statement can print every entry.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Annotated, Any

import numpy as np
from pydantic import AfterValidator, Field

from grader.answers import Array
from grader.problems.base import FamilyParams
from grader.problems.space import FamilySpace, draw_many

__all__ = ["MAX_CHANNELS", "MAX_ENTRY", "MAX_SIZE", "Small", "SmallOrZero", "Tensor", "TensorParams", "one_entry",
           "draw_tensor", "output_kind", "plain"]

MAX_ENTRY = 1000
MAX_CHANNELS = 4
MAX_SIZE = 12  # entries per spatial axis of an input or output: a student writes every one by hand

_Step = Annotated[int, Field(ge=1, le=4)]
_Pad = Annotated[int, Field(ge=0, le=3)]
Small = _Step | list[_Step]
"""A kernel size, stride or dilation from 1 to 4: one int, or one per axis."""
SmallOrZero = _Pad | list[_Pad]
"""A padding from 0 to 3: one int, or one per axis."""


def _shape(value: Any) -> tuple[int, ...]:
    if isinstance(value, list):
        if not value:
            raise ValueError("has an empty list; every axis needs at least one entry")
        shapes = {_shape(item) for item in value}
        if len(shapes) > 1:
            raise ValueError("is ragged: the lists along one axis have different lengths or depths")
        return (len(value), *shapes.pop())
    # bool is an int to Python, but True in a tensor is a typo, not a 1
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"has the entry {value!r}; every entry must be a finite number")
    if abs(value) > MAX_ENTRY:
        raise ValueError(f"has the entry {value!r}; entries are at most {MAX_ENTRY} in size, to compute by hand")
    return ()


def _rectangular(value: list) -> list:
    _shape(value)
    return value


Tensor = Annotated[list, AfterValidator(_rectangular)]
"""A rectangular nested list of finite numbers; its number of axes is checked by the family."""


class TensorParams(FamilyParams):
    """Parameters with a channels-first ``input`` tensor and, for a convolution, a ``weight``."""

    def sizes(self) -> tuple[int, ...]:
        return np.shape(self.input)[1:]

    def kernel(self) -> tuple[int, ...]:
        return np.shape(self.weight)[2:]

    def _check_shapes(self, weight_layout: str | None = None) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The input's and weight's shapes, once their axes and sizes fit a hand-computed exercise."""
        tensors = [("input", self.input, self.dims + 1, "[C, *size]")]
        if weight_layout:
            tensors.append(("weight", self.weight, self.dims + 2, weight_layout))
        for name, value, ndim, layout in tensors:
            shape = np.shape(value)
            if len(shape) != ndim:
                raise ValueError(f"{name}: needs {ndim} axes {layout} for dims={self.dims}, got {len(shape)}")
            if shape[0] > MAX_CHANNELS:
                raise ValueError(f"{name}: has {shape[0]} channels along its first axis; at most {MAX_CHANNELS}")
        if max(self.sizes()) > MAX_SIZE:
            raise ValueError(f"input: has {max(self.sizes())} entries along an axis; at most {MAX_SIZE}")
        return np.shape(self.input), np.shape(self.weight) if weight_layout else ()


def output_kind(dims: int, channel: str = "out_channel") -> Array:
    return Array(axes=(channel, "position") if dims == 1 else (channel, "row", "column"))


def draw_tensor(rng: np.random.Generator, space: FamilySpace, shape: Sequence[int]) -> list:
    """A tensor of ``shape`` with entries drawn from ``space.values`` (plain ints or floats)."""
    flat = draw_many(rng, space.values, math.prod(shape))
    return np.array(flat, dtype=object).reshape(tuple(shape)).tolist()


def one_entry(out_sizes: Sequence[int]) -> str | None:
    """A degenerate output (see the registry): one entry per channel, so nothing slides."""
    return "the output has one entry per channel: a single window, nothing slides" if math.prod(out_sizes) == 1 else None


def plain(array: Any) -> list:
    """An answer as JSON-ready nested lists: ints when every entry is whole, floats otherwise."""
    array = np.asarray(array, dtype=float) + 0.0  # + 0.0 turns -0.0 into 0.0
    if np.all(array == np.rint(array)):
        return np.rint(array).astype(int).tolist()
    return array.tolist()
