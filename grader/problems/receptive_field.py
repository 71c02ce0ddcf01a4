"""The receptive field, in input pixels, of one unit after each layer of a stack of convolutions and pools."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from grader.answers import FormError, Integer, IntegerList, Reading, show
from grader.problems.base import Dims, FamilyParams, Mistake, Part, Spatial, SpatialOrZero, axes, names
from grader.problems.space import Draw, FamilySpace, Range
from grader.solvers import receptive_fields

_SPATIAL = ("kernel_size", "stride", "padding", "dilation")


class Layer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    type: Literal["conv", "maxpool", "avgpool"] = Field(description="A convolution or a pooling layer.")
    kernel_size: Spatial = Field(description="Window size, an int or one per axis.")
    stride: Spatial = Field(1, description="Stride, an int or one per axis.")
    padding: SpatialOrZero = Field(0, description="Zero padding on both sides (it does not change the field).")
    dilation: Spatial = Field(1, description="Spacing between taps (conv and maxpool only).")


class Params(FamilyParams):
    dims: Dims = Field(1, description="1 for a 1-D input, 2 for an image.")
    layers: list[Layer] = Field(min_length=1, max_length=12, description="The layers, from the input on.")

    @model_validator(mode="after")
    def _consistent(self):
        for i, layer in enumerate(self.layers):
            for key in _SPATIAL:
                value = getattr(layer, key)
                if isinstance(value, list) and len(value) != self.dims:
                    raise ValueError(f"layers.{i}.{key}: has {len(value)} values but dims is {self.dims}")
            if layer.type == "avgpool" and set(axes(layer.dilation, self.dims)) != {1}:
                raise ValueError(f"layers.{i}.dilation: avgpool has no dilation; leave it at 1")
        return self

    def per_layer(self, key: str) -> list[tuple[int, ...]]:
        return [axes(getattr(layer, key), self.dims) for layer in self.layers]

    def trace(self) -> list[tuple[tuple[int, ...], ...]]:
        """Per layer and axis: the growth d(k-1)j, the jump before, the field after, the jump after."""
        kernels, strides, dilations = (self.per_layer(key) for key in ("kernel_size", "stride", "dilation"))
        per_axis = [receptive_fields((k[a], s[a], d[a]) for k, s, d in zip(kernels, strides, dilations)) for a in range(self.dims)]
        fields = list(zip(*per_axis))  # back to one tuple per layer
        rows: list[tuple[tuple[int, ...], ...]] = []
        jump, previous = (1,) * self.dims, (1,) * self.dims
        for field, stride in zip(fields, strides):
            after = tuple(j * s for j, s in zip(jump, stride))
            rows.append((tuple(f - q for f, q in zip(field, previous)), jump, field, after))
            jump, previous = after, field
        return rows


class Space(FamilySpace):
    dims: Draw = [1, 1, 2]
    depth: Draw = Range(min=2, max=5)
    layer_type: Draw = ["conv", "conv", "conv", "maxpool", "avgpool"]
    kernel_size: Draw = Range(min=2, max=7)
    stride: Draw = [1, 1, 2, 2, 3]
    padding: Draw = [0, 0, 1, 2]
    dilation: Draw = [1, 1, 1, 2, 3, 4]


def generate(rng, space: Space) -> Params:
    layers = []
    for _ in range(space.draw(rng, "depth")):
        kind, k, s, pad, d = (space.draw(rng, name) for name in ("layer_type", "kernel_size", "stride", "padding", "dilation"))
        pool = kind != "conv"  # PyTorch pads a pool by at most half its window
        layers.append(Layer(type=kind, kernel_size=k, stride=s, padding=min(pad, k // 2) if pool else pad,
                            dilation=1 if kind == "avgpool" else d))
    return Params(dims=space.draw(rng, "dims"), layers=layers)


ANSWER = "list"


def _entry(field: tuple[int, ...], dims: int) -> int | list[int]:
    return field[0] if dims == 1 else list(field)


def _kind(dims: int) -> Integer | IntegerList:
    return Integer() if dims == 1 else IntegerList(2, "receptive-field sizes (h, w)", per_axis=True)


def solve(p: Params) -> dict[str, Part]:
    kind = _kind(p.dims)
    parts, previous = {}, None
    for name, (growth, _, field, _) in zip(names("layer", len(p.layers)), p.trace()):
        # a layer done right from the student's own (wrong) previous field earns its credit
        carry: Callable[[Mapping[str, object]], object] | None = (
            None if previous is None else lambda given, prev=previous, g=growth: _grow(given.get(prev), g, p.dims))
        parts[name] = Part(_entry(field, p.dims), kind, carry=carry)
        previous = name
    return parts


def _grow(own: object, growth: tuple[int, ...], dims: int) -> int | list[int] | None:
    """The field after this layer, grown from the student's own previous field (read as that part reads it)."""
    read = _kind(dims).parse(own)
    if isinstance(read, FormError):
        return None
    values = read[0] if isinstance(read[0], list) else [read[0]]  # a list for dims=2, one int for dims=1
    return _entry(tuple(v + g for v, g in zip(values, growth)), dims)


_Grow = Callable[[int, int, int, int, int, int], int]
"""A wrong recurrence: a layer's growth of the field from ``(k, s, d, pad, jump, previous_stride)``."""


def _fields(p: Params, grow: _Grow, skip_pools: bool = False) -> list[int | list[int]]:
    """Fields from a wrong recurrence ``grow(k, s, d, pad, jump, previous_stride)``, per layer."""
    out: list[int | list[int]] = []
    field, jump, previous = [1] * p.dims, [1] * p.dims, [1] * p.dims
    for layer, spatial in zip(p.layers, zip(*(p.per_layer(key) for key in _SPATIAL))):
        if not (skip_pools and layer.type != "conv"):
            for a, (k, s, pad, d) in enumerate(zip(*spatial)):
                field[a] += grow(k, s, d, pad, jump[a], previous[a])
                jump[a], previous[a] = jump[a] * s, s
        out.append(_entry(tuple(field), p.dims))
    return out


_WRONG: list[tuple[str, str, _Grow, bool]] = [
    ("ignored_dilation", "A dilated kernel spans d(k-1)+1 positions: each layer adds d(k-1) times the jump.",
     lambda k, s, d, pad, j, sp: (k - 1) * j, False),
    ("forgot_jump", "After a stride, neighbouring units are s input pixels apart: multiply d(k-1) by the product of the earlier strides.",
     lambda k, s, d, pad, j, sp: d * (k - 1), False),
    ("current_stride", "A layer's own stride does not widen its field; multiply by the product of the strides of the layers before it.",
     lambda k, s, d, pad, j, sp: d * (k - 1) * s, False),
    ("stride_product_includes_current", "The jump that scales layer l is the product of the strides of layers 1..l-1, not including layer l.",
     lambda k, s, d, pad, j, sp: d * (k - 1) * j * s, False),
    ("previous_stride_only", "The jump is the product of all earlier strides, not only the stride of the layer just before.",
     lambda k, s, d, pad, j, sp: d * (k - 1) * sp, False),
    ("summed_kernels", "Adding up k-1 over the layers ignores the strides and dilations: r_l = r_(l-1) + d(k-1) j_(l-1).",
     lambda k, s, d, pad, j, sp: k - 1, False),
    ("ignored_pooling", "A pooling layer widens the field like a convolution with its kernel and stride.",
     lambda k, s, d, pad, j, sp: d * (k - 1) * j, True),
    ("added_padding", "Padding adds zeros, not input pixels: it does not change the receptive field.",
     lambda k, s, d, pad, j, sp: (d * (k - 1) + 2 * pad) * j, False),
    ("dilation_times_kernel", "A dilated kernel spans d(k-1)+1 positions, not d*k.",
     lambda k, s, d, pad, j, sp: (d * k - 1) * j, False),
]


def mistakes(p: Params) -> Iterator[Mistake]:
    for name, message, grow, skip_pools in _WRONG:
        yield Mistake(name, message, _fields(p, grow, skip_pools))


_LAYER_KEY = re.compile(r"(?:layer|l)?[\s_]*(\d{1,3})", re.I)


def read_answer(raw, p: Params):
    """Also accept an object keyed by layer ({"layer1": 5, "layer2": 9} or {"1": 5, ...}) and a list
    written as text ("[5, 9, 25]"). One int for a square 2-D field (7 as [7, 7]) is the part's own reading."""
    if isinstance(raw, str) and raw.strip().startswith("["):
        try:
            value = json.loads(raw)
        except (ValueError, RecursionError):
            return raw
        return Reading(value, (f"read the text {show(raw)} as a list",)) if isinstance(value, list) else raw
    if not isinstance(raw, Mapping):
        return raw
    entries: list = [None] * len(p.layers)
    unknown = []
    for key, value in raw.items():
        match = _LAYER_KEY.fullmatch(str(key).strip())
        index = int(match.group(1)) - 1 if match else -1
        if 0 <= index < len(entries):
            entries[index] = value
        else:
            unknown.append(show(str(key)))
    notes = [f"read the object keyed by layer as the list of {len(entries)} layers"]
    if unknown:
        notes.append(f"Unknown key(s) {', '.join(unknown[:5])}: not graded, so the answer is not marked correct as written. "
                     f"The keys are layer1 to layer{len(entries)}.")
    return Reading(entries, tuple(notes), malformed=bool(unknown))


STATEMENT = r"""
A {{ p.dims }}-D input goes through these layers, in order:

| layer | type | kernel size | stride | padding | dilation |
|---|---|---|---|---|---|
{% for layer in p.layers %}
| {{ loop.index }} | {{ layer.type }} | ${{ p.per_layer('kernel_size')[loop.index0] | vec }}$ | ${{ p.per_layer('stride')[loop.index0] | vec }}$ | ${{ p.per_layer('padding')[loop.index0] | vec }}$ | ${{ p.per_layer('dilation')[loop.index0] | vec }}$ |
{% endfor %}

What is the receptive field of one unit after each layer, measured in input pixels? Give one entry per layer
{%- if p.dims == 2 %}, each as `[h, w]`{% endif %}.
"""

SOLUTION = r"""
Start from $r_0 = 1$ pixel and jump $j_0 = 1$ (the distance, in input pixels, between neighbouring units).
Layer $l$ adds $d_l(k_l - 1)$ units of the layer before it: $r_l = r_{l-1} + d_l(k_l-1)\,j_{l-1}$, then $j_l = j_{l-1} s_l$.
Padding changes neither.

| layer | $d_l(k_l-1)\,j_{l-1}$ | $r_l$ | $j_l$ |
|---|---|---|---|
{% for growth, before, field, after in p.trace() %}
| {{ loop.index }} | ${{ growth | vec }}$ | $\mathbf{ {{ field | vec }} }$ | ${{ after | vec }}$ |
{% endfor %}
"""
