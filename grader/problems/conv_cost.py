"""The cost of a conv layer or stack: multiply-accumulates, FLOPs and the memory of its output activations."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from grader.answers import Integer
from grader.problems.base import Dims, FamilyParams, Mistake, Part, Spatial, SpatialOrZero, axes
from grader.problems.space import Bounds, Draw, FamilySpace
from grader.solvers.cost import BYTES, ConvCost, conv_cost

_COUNT: Bounds = {"ge": 1, "le": 100_000}


class Conv(BaseModel):
    """One ``nn.Conv{1,2}d`` of the stack; its input channels are the previous layer's output channels."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    out_channels: int = Field(description="Output channels.", **_COUNT)
    kernel_size: Spatial = Field(description="Kernel size, an int or one per axis.")
    stride: Spatial = Field(1, description="Stride.")
    padding: SpatialOrZero = Field(0, description="Zero padding on both sides.")
    dilation: Spatial = Field(1, description="Spacing between kernel taps.")
    groups: int = Field(1, description="Channel groups.", **_COUNT)
    bias: bool = Field(True, description="One bias per output channel.")

    def text(self, in_channels: int, dims: int) -> str:
        extra = "".join(f", {k}={getattr(self, k)}" for k, default in (("stride", 1), ("padding", 0), ("dilation", 1), ("groups", 1))
                        if getattr(self, k) != default)
        return (f"`nn.Conv{dims}d({in_channels}, {self.out_channels}, kernel_size={self.kernel_size}{extra}"
                f"{'' if self.bias else ', bias=False'})`")


@dataclass(frozen=True)
class Step:
    """One layer as the stack runs it: what it reads and what it costs."""

    layer: Conv
    in_channels: int
    in_size: tuple[int, ...]
    cost: ConvCost

    @property
    def taps(self) -> int:
        """MACs per output value: (C_in / groups) x the kernel's taps."""
        return self.cost.macs // self.cost.outputs


class Params(FamilyParams):
    dims: Dims = Field(2, description="1 for Conv1d layers, 2 for Conv2d.")
    batch: int = Field(1, description="N, the examples in the batch.", **_COUNT)
    in_channels: int = Field(description="Channels of the input.", **_COUNT)
    input_size: Spatial = Field(description="Input length, or [H, W].")
    layers: list[Conv] = Field(min_length=1, max_length=100, description="The conv layers in order.")
    dtype: Literal["float32", "float16", "bfloat16", "float64", "int8"] = Field("float32", description="The type of every value.")

    @model_validator(mode="after")
    def _consistent(self):
        if isinstance(self.input_size, list) and len(self.input_size) != self.dims:
            raise ValueError(f"input_size: has {len(self.input_size)} values but dims is {self.dims}")
        channels, size = self.in_channels, axes(self.input_size, self.dims)
        for i, layer in enumerate(self.layers):
            for key in ("kernel_size", "stride", "padding", "dilation"):
                if len(axes(getattr(layer, key), self.dims)) != self.dims:
                    raise ValueError(f"layers.{i}.{key}: has {len(getattr(layer, key))} values but dims is {self.dims}")
            for name, count in (("in_channels", channels), ("out_channels", layer.out_channels)):
                if count % layer.groups:
                    raise ValueError(f"layers.{i}.groups: {layer.groups} does not divide the layer's {name} ({count})")
            for n, k, q, d in zip(size, *(axes(getattr(layer, f), self.dims) for f in ("kernel_size", "padding", "dilation"))):
                if d * (k - 1) + 1 > n + 2 * q:
                    raise ValueError(f"layers.{i}.kernel_size: the dilated kernel ({d * (k - 1) + 1}) is larger than "
                                     f"its padded input ({n + 2 * q})")
            channels, size = layer.out_channels, self._run(layer, channels, size).output_shape[2:]
        return self

    def _run(self, layer: Conv, channels: int, size: Sequence[int]) -> ConvCost:
        kernel, stride, padding, dilation = (axes(getattr(layer, f), self.dims) for f in ("kernel_size", "stride", "padding", "dilation"))
        return conv_cost(self.batch, channels, size, layer.out_channels, kernel, stride, padding, dilation,
                         groups=layer.groups, bias=layer.bias)

    def steps(self) -> list[Step]:
        out, channels, size = [], self.in_channels, axes(self.input_size, self.dims)
        for layer in self.layers:
            cost = self._run(layer, channels, size)
            out.append(Step(layer, channels, tuple(size), cost))
            channels, size = layer.out_channels, cost.output_shape[2:]
        return out

    @property
    def bytes(self) -> int:
        return BYTES[self.dtype]


class Space(FamilySpace):
    dims: Draw = [2, 2, 2, 1]
    batch: Draw = [1, 1, 8, 32, 64]
    in_channels: Draw = [1, 3, 3]
    input_size: Draw = [28, 32, 56, 64, 112, 224, 227]
    depth: Draw = [1, 1, 2, 3]
    out_channels: Draw = [16, 32, 64, 96, 128]
    kernel_size: Draw = [1, 3, 3, 5, 7, 11]
    stride: Draw = [1, 1, 2, 4]
    padding: Draw = [0, 1, 2]
    groups: Draw = [1, 1, 1, 2]
    bias: Draw = [True, True, False]
    dtype: Draw = ["float32", "float32", "float16"]


def generate(rng, space: Space) -> Params:
    layers = []
    for i in range(space.draw(rng, "depth")):
        groups = space.draw(rng, "groups") if i else 1  # the input's 1 or 3 channels do not split
        layers.append({"out_channels": space.draw(rng, "out_channels"), "groups": groups,
                       **{f: space.draw(rng, f) for f in ("kernel_size", "stride", "padding", "bias")}})
    return Params.model_validate({"layers": layers, **{f: space.draw(rng, f) for f in ("dims", "batch", "in_channels", "input_size", "dtype")}})


ANSWER = "object"


def _answer(p: Params, macs=None, bias_adds=None, activations=None, size=None) -> dict:
    """The three totals, each layer's pieces replaced where a mistake's arithmetic differs."""
    steps = p.steps()
    macs = sum((macs or (lambda s: s.cost.macs))(s) for s in steps)
    adds = sum((bias_adds or (lambda s: s.cost.bias_adds))(s) for s in steps)
    stored = (activations or (lambda ss: sum(s.cost.outputs for s in ss)))(steps)
    return {"macs": macs, "flops": 2 * macs + adds, "activation_bytes": stored * (size or p.bytes)}


def solve(p: Params) -> dict[str, Part]:
    truth = _answer(p)
    adds = sum(s.cost.bias_adds for s in p.steps())

    def flops_from(given):  # FLOPs done right from the student's own MACs
        return 2 * given["macs"] + adds if type(given.get("macs")) is int else None

    return {"macs": Part(truth["macs"], Integer()), "flops": Part(truth["flops"], Integer(), carry=flops_from),
            "activation_bytes": Part(truth["activation_bytes"], Integer())}


def mistakes(p: Params):
    truth, steps = _answer(p), p.steps()
    yield Mistake("macs_as_flops", "A multiply-accumulate is two floating-point operations, a multiply and an add: "
                  "FLOPs = 2 x MACs (plus the bias adds).", truth | {"flops": truth["macs"]})
    if any(s.layer.bias for s in steps):
        yield Mistake("flops_without_bias", "This count includes the bias: one add per output value of a layer with a bias.",
                      truth | {"flops": 2 * truth["macs"]})
    yield Mistake("forgot_in_channels", "Each output value sums over the (in_channels / groups) input channels of its filter, "
                  "each with k x k taps: the channels multiply the MACs.",
                  _answer(p, macs=lambda s: s.cost.outputs * s.taps // (s.in_channels // s.layer.groups)))
    if any(s.layer.groups > 1 for s in steps):
        yield Mistake("forgot_groups", "With groups=g each filter reads only in_channels / g channels: divide by g.",
                      _answer(p, macs=lambda s: s.cost.macs * s.layer.groups))
    yield Mistake("used_input_size", "There is one dot product per output position: count the output's size, not the input's.",
                  _answer(p, macs=lambda s: s.cost.macs // s.cost.outputs * p.batch * s.layer.out_channels * math.prod(s.in_size)))
    if p.batch > 1:
        yield Mistake("forgot_batch", f"Every one of the N = {p.batch} examples of the batch costs the same again, "
                      "and keeps its own activations: multiply by N.",
                      {key: value // p.batch for key, value in truth.items()})
    yield Mistake("bits_not_bytes", f"A {p.dtype} value takes {p.bytes} byte(s), {8 * p.bytes} bits: give bytes.",
                  truth | {"activation_bytes": truth["activation_bytes"] * 8})
    if p.bytes != 4:
        yield Mistake("assumed_float32", f"A {p.dtype} value takes {p.bytes} byte(s), not the 4 of float32.", _answer(p, size=4))
    yield Mistake("counted_the_input", "Count the outputs of the layers only; the input is given, not produced by the stack.",
                  _answer(p, activations=lambda ss: sum(s.cost.outputs for s in ss) + p.batch * p.in_channels * math.prod(steps[0].in_size)))
    if len(steps) > 1:
        yield Mistake("only_the_last_output", "Backpropagation keeps every layer's output, not only the last one's: add them all.",
                      _answer(p, activations=lambda ss: ss[-1].cost.outputs))


STATEMENT = r"""
A batch of N = {{ p.batch }} input(s), each {{ p.in_channels }} channel(s) of ${{ p.steps()[0].in_size | vec }}$, goes through
{% for s in p.steps() %}
{{ loop.index }}. {{ s.layer.text(s.in_channels, p.dims) }}
{% endfor %}

Count, over the whole batch and every layer: `macs`, the multiply-accumulates (one multiply and one add; every
output value takes (in_channels / groups) × kernel taps of them, padded positions included); `flops`, the
floating-point operations, 2 per MAC plus 1 per output value for a bias; and `activation_bytes`, the memory of
every layer's output (kept for backpropagation; not the input) in {{ p.dtype }}, {{ p.bytes }} byte(s) per value.
"""

SOLUTION = r"""
Layer by layer, the output size, its values and MACs ($N \cdot C_\text{out} \cdot \text{size}$ values, each
$\frac{C_\text{in}}{\text{groups}} \cdot \text{taps}$ MACs):
{% for s in p.steps() %}
{{ loop.index }}. output ${{ s.cost.output_shape[1:] | vec }}$ per example, ${{ s.cost.outputs | num }}$ values for the batch; ${{ s.cost.outputs | num }} \cdot {{ s.taps | num }} = {{ s.cost.macs | num }}$ MACs{% if s.layer.bias %}, ${{ s.cost.bias_adds | num }}$ bias adds{% endif %}

{% endfor %}

MACs: $\mathbf{ {{ answer.macs | num }} }$. FLOPs: $2 \cdot {{ answer.macs | num }} + {{ (answer.flops - 2 * answer.macs) | num }} = \mathbf{ {{ answer.flops | num }} }$.
Activation memory: ${{ (answer.activation_bytes // p.bytes) | num }}$ values $\times$ {{ p.bytes }} byte(s) $= \mathbf{ {{ answer.activation_bytes | num }} }$ bytes.
"""
