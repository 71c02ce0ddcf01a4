"""Small tensors written out as nested lists: what the value families share.

Not a family (the leading underscore keeps the registry away): ``conv_values``,
``conv_transpose_values``, ``pool_values`` and the families of logits, activations and weights hold
their tensors as plain nested lists of numbers, so that a variant stays readable JSON and a statement
can print every entry.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
from pydantic import AfterValidator, Field

from grader.answers import Array
from grader.problems.base import FamilyParams, all_zero
from grader.problems.space import ValueSpace, draw_many

__all__ = ["HAND_CHANNELS", "HAND_SIZE", "Finite", "MAX_ENTRIES", "MAX_ENTRY", "MAX_MACS", "Step", "StepOrZero", "Tensor",
           "TensorParams", "check_axes", "degenerate_output", "draw_tensor", "output_kind", "plain", "too_many_entries"]

# Bounds that protect the grader, not the student: PyTorch accepts more, but a variant must stay a
# bounded JSON object whose answers a student can submit, solved (mistakes included) in milliseconds.
MAX_ENTRY = 1_000_000  # |entry|: sums of products of whole entries stay exact in float64
MAX_ENTRIES = 100_000  # entries of any tensor read or built (input, weight, padded input, output): an answer's cap
MAX_MACS = 10_000_000  # multiply-adds (or window taps) of one evaluation
# What a student computes by hand: the default spaces stay inside these, and `autograde variants`
# warns when an assignment's space goes past them (see ``TensorParams.too_big_by_hand``).
HAND_CHANNELS = 4
HAND_SIZE = 12  # entries along one axis of an input or output

_Step = Annotated[int, Field(ge=1, le=100_000)]
_Pad = Annotated[int, Field(ge=0, le=100_000)]
Step = _Step | list[_Step]
"""A kernel size, stride or dilation (at least 1): one int, or one per axis."""
StepOrZero = _Pad | list[_Pad]
"""A padding (at least 0): one int, or one per axis."""


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
        raise ValueError(f"has the entry {value!r}; entries are at most {MAX_ENTRY:,} in size")
    return ()


def _rectangular(value: list) -> list:
    _shape(value)
    return value


Tensor = Annotated[list, AfterValidator(_rectangular)]
"""A rectangular nested list of finite numbers; its number of axes is checked by the family."""
Finite = Annotated[float, Field(ge=-MAX_ENTRY, le=MAX_ENTRY, allow_inf_nan=False)]
"""One finite number, bounded like a tensor's entries."""


def check_axes(name: str, value: Any, ndim: int, layout: str) -> tuple[int, ...]:
    """The shape of the tensor ``value`` (the field ``name``), once it has ``ndim`` axes and a bounded size."""
    shape = np.shape(value)
    if len(shape) != ndim:
        raise ValueError(f"{name}: needs {ndim} axes {layout}, got {len(shape)}")
    if math.prod(shape) > MAX_ENTRIES:
        raise ValueError(f"{name}: has {math.prod(shape):,} entries; at most {MAX_ENTRIES:,}")
    return shape


class TensorParams(FamilyParams):
    """Parameters with a channels-first ``input`` tensor and, for a convolution, a ``weight``."""

    if TYPE_CHECKING:  # the fields every subclass declares itself (so pydantic sees none here)
        dims: int
        input: list
        weight: list  # a convolution's only: read by kernel() and by _check_shapes given a weight layout

    def sizes(self) -> tuple[int, ...]:
        return np.shape(self.input)[1:]

    def kernel(self) -> tuple[int, ...]:
        return np.shape(self.weight)[2:]

    def _check_shapes(self, weight_layout: str | None = None) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The input's and weight's shapes, once their axes fit ``dims`` and their sizes the grader's bounds."""
        tensors = [("input", self.input, self.dims + 1, "[C, *size]")]
        if weight_layout:
            tensors.append(("weight", self.weight, self.dims + 2, weight_layout))
        for name, value, ndim, layout in tensors:
            check_axes(name, value, ndim, f"{layout} for dims={self.dims}")
        return np.shape(self.input), np.shape(self.weight) if weight_layout else ()

    @staticmethod
    def _check_cost(what: str, shape: Sequence[int], macs: int) -> None:
        """Refuse a tensor of ``shape`` (built by the solver) or an evaluation past the grader's bounds."""
        if min(shape) >= 1 and math.prod(shape) > MAX_ENTRIES:
            raise ValueError(f"{what}: gives {math.prod(shape):,} entries (shape {list(shape)}); at most {MAX_ENTRIES:,}")
        if macs > MAX_MACS:
            raise ValueError(f"{what}: needs {macs:,} multiply-adds; at most {MAX_MACS:,}")

    @staticmethod
    def affordable(shape: Sequence[int], macs: int) -> bool:
        """Whether a mistake's output of ``shape`` costing ``macs`` stays within the grader's bounds."""
        return min(shape) >= 1 and math.prod(shape) <= MAX_ENTRIES and macs <= MAX_MACS

    def too_big_by_hand(self, out_channels: int, out_sizes: Sequence[int]) -> str | None:
        """Why this variant is more than a student computes by hand, or None."""
        channels = {"input": len(self.input), "output": out_channels}
        for name, count in channels.items():
            if count > HAND_CHANNELS:
                return f"the {name} has {count} channels (more than {HAND_CHANNELS} to compute by hand)"
        sizes = {"input": max(self.sizes()), "output": max(out_sizes)}
        for name, size in sizes.items():
            if size > HAND_SIZE:
                return f"the {name} has {size} entries along an axis (more than {HAND_SIZE} to compute by hand)"
        return None


def too_many_entries(tensor: Any, limit: int, what: str) -> str | None:
    """``what`` (a sentence's start) when ``tensor`` has more than ``limit`` entries to work through by hand, else None."""
    entries = math.prod(np.shape(tensor))
    return f"{what} {entries} entries (more than {limit} to compute by hand)" if entries > limit else None


def output_kind(dims: int, channel: str = "out_channel") -> Array:
    return Array(axes=(channel, "position") if dims == 1 else (channel, "row", "column"))


def draw_tensor(rng: np.random.Generator, space: ValueSpace, shape: Sequence[int]) -> list:
    """A tensor of ``shape`` with entries drawn from ``space.values`` (plain ints or floats)."""
    flat = draw_many(rng, space.values, math.prod(shape))
    return np.array(flat, dtype=object).reshape(tuple(shape)).tolist()


def degenerate_output(out_sizes: Sequence[int], output: Callable[[], Any]) -> str | None:
    """Why a value family's output makes no exercise (its ``degenerate`` hook): one entry per channel,
    so nothing slides; or every entry 0, which a guess of zeros gets right and no mistake changes.
    ``output`` is computed only when the sizes leave it in question."""
    if math.prod(out_sizes) == 1:
        return "the output has one entry per channel: a single window, nothing slides"
    return "every entry of the output is 0: a guess of zeros is right" if all_zero(output()) else None


def plain(array: Any) -> list:
    """An answer as JSON-ready nested lists: ints when every entry is whole, floats otherwise."""
    array = np.asarray(array, dtype=float) + 0.0  # + 0.0 turns -0.0 into 0.0
    if np.all(array == np.rint(array)):
        return np.rint(array).astype(int).tolist()
    return array.tolist()
