"""The output values of a small 1-D or 2-D convolution (cross-correlation or flipped-kernel convolution)."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from grader.problems._tensors import Step, StepOrZero, Tensor, TensorParams, degenerate_output, draw_tensor, output_kind, plain
from grader.problems.base import Dims, Mistake, Part, remember_last
from grader.problems.space import Draw, FamilySpace, Range
from grader.solvers import conv, conv_output_size


class Params(TensorParams):
    spatial_fields = ("stride", "padding", "dilation")

    dims: Dims = Field(2, description="1 for conv1d, 2 for conv2d.")
    input: Tensor = Field(description="The input x, nested lists [C_in][H][W] (or [C_in][L]).")
    weight: Tensor = Field(description="The kernels, nested lists [C_out][C_in/groups][kH][kW] (or [..][k]).")
    bias: Tensor | None = Field(None, description="One bias per output channel, or null for no bias.")
    stride: Step = Field(1, description="Stride per axis.")
    padding: StepOrZero = Field(0, description="Zeros added to both ends of each axis.")
    dilation: Step = Field(1, description="Spacing between kernel taps per axis.")
    groups: int = Field(1, ge=1, le=100_000, description="Channel groups: the filters of group g see only the input channels of group g.")
    op: Literal["cross_correlation", "convolution"] = Field(
        "cross_correlation", description="cross_correlation as PyTorch computes it, or convolution, which flips the kernel first.")

    @model_validator(mode="after")
    def _consistent(self):
        x, w = self._check_shapes("[C_out, C_in/groups, *kernel]")
        if x[0] % self.groups or w[0] % self.groups:
            raise ValueError(f"groups: {self.groups} does not divide both C_in={x[0]} and C_out={w[0]}")
        if w[1] * self.groups != x[0]:
            raise ValueError(f"weight: has {w[1]} input channels per filter; groups={self.groups} and C_in={x[0]} need {x[0] // self.groups}")
        if self.bias is not None and np.shape(self.bias) != (w[0],):
            raise ValueError(f"bias: needs one value for each of the {w[0]} output channels, got shape {list(np.shape(self.bias))}")
        for n, k, q, d in zip(x[1:], w[2:], self.axes("padding"), self.axes("dilation")):
            if d * (k - 1) + 1 > n + 2 * q:
                raise ValueError(f"weight: the dilated kernel ({d * (k - 1) + 1}) is larger than the padded input ({n + 2 * q})")
        padded = [x[0]] + [n + 2 * q for n, q in zip(x[1:], self.axes("padding"))]
        self._check_cost("padding", padded, 0)
        self._check_cost("input", [w[0], *self.out_sizes()], self.macs())
        return self

    def macs(self, **changes) -> int:
        """Multiply-adds of the convolution, with some arguments changed (a mistake's)."""
        w = np.shape(self.weight)
        return w[0] * math.prod(self.out_sizes(**changes)) * math.prod(w[1:])

    def out_sizes(self, **changes) -> list[int]:
        fields = {f: self.axes(f) for f in ("stride", "padding", "dilation")} | changes
        return [conv_output_size(*a) for a in zip(self.sizes(), self.kernel(), *fields.values())]

    def worked_entry(self) -> tuple[tuple[int, ...], list[tuple[float, float]]]:
        """A middle entry of output channel 0 and its (weight, input) products, for the worked solution."""
        w = np.asarray(self.weight, dtype=float)[0]
        w = np.flip(w, axis=tuple(range(1, w.ndim))) if self.op == "convolution" else w
        x = np.pad(np.asarray(self.input, dtype=float), [(0, 0)] + [(q, q) for q in self.axes("padding")])
        at = tuple(o // 2 for o in self.out_sizes())
        spots = [[i * s + t * d for t in range(k)] for i, s, d, k in zip(at, self.axes("stride"), self.axes("dilation"), self.kernel())]
        window: tuple[slice | np.ndarray, ...] = (slice(0, len(w)), *np.ix_(*spots))
        return at, list(zip(w.ravel(), x[window].ravel()))


class Space(FamilySpace):
    dims: Draw = [1, 2, 2]
    size: Draw = Range(min=3, max=7)
    kernel: Draw = [2, 3, 3]
    groups: Draw = [1, 1, 1, 2]
    in_per_group: Draw = [1, 1, 2]
    out_per_group: Draw = [1, 1, 2]
    stride: Draw = [1, 1, 1, 2]
    padding: Draw = [0, 0, 1]
    dilation: Draw = [1, 1, 1, 2]
    bias: Draw = [False, False, True]
    op: Draw = ["cross_correlation", "cross_correlation", "convolution"]
    values: Draw = Range(min=-2, max=3)


def generate(rng, space: Space) -> Params:
    dims, groups = space.draw(rng, "dims"), space.draw(rng, "groups")
    c_in, c_out = groups * space.draw(rng, "in_per_group"), groups * space.draw(rng, "out_per_group")
    return Params(
        dims=dims, groups=groups, **{f: space.draw(rng, f) for f in ("stride", "padding", "dilation", "op")},
        input=draw_tensor(rng, space, [c_in] + [space.draw(rng, "size") for _ in range(dims)]),
        weight=draw_tensor(rng, space, [c_out, c_in // groups] + [space.draw(rng, "kernel")] * dims),
        bias=draw_tensor(rng, space, [c_out]) if space.draw(rng, "bias") else None,
    )


ANSWER = "value"


@remember_last  # degenerate() and then solve() ask for it
def _output(p: Params, **changes) -> list:
    args = dict(x=p.input, weight=p.weight, bias=p.bias, stride=p.axes("stride"), padding=p.axes("padding"),
                dilation=p.axes("dilation"), groups=p.groups, flip=p.op == "convolution")
    return plain(conv(**(args | changes)))


def solve(p: Params) -> dict[str, Part]:
    return {"output": Part(_output(p), output_kind(p.dims))}


def mistakes(p: Params):
    ones = (1,) * p.dims

    def fits(factor: int = 1, **changes) -> bool:  # a slip that costs past the grader's bounds is not listed
        return p.affordable([len(p.weight), *p.out_sizes(**changes)], factor * p.macs(**changes))

    if p.op == "cross_correlation":
        yield Mistake("flipped_kernel", "PyTorch's conv layers compute a cross-correlation: slide the kernel as it is, unflipped.", _output(p, flip=True))
    else:
        yield Mistake("forgot_flip", "A convolution flips the kernel along every spatial axis before sliding it.", _output(p, flip=False))
    yield Mistake("forgot_bias", "Each output channel adds its bias to every one of its entries.", _output(p, bias=None))
    if fits(dilation=ones):
        yield Mistake("ignored_dilation", "With dilation d the kernel taps are d input positions apart, not adjacent.", _output(p, dilation=1))
    if fits(stride=ones):
        yield Mistake("ignored_stride", "With stride s the window moves s positions between output entries, not 1.", _output(p, stride=1))
    if all(d * (k - 1) + 1 <= n for n, k, d in zip(p.sizes(), p.kernel(), p.axes("dilation"))):
        yield Mistake("ignored_padding", "Pad the input with zeros on both ends of each axis before sliding the kernel.", _output(p, padding=0))
    edge = np.pad(np.asarray(p.input, dtype=float), [(0, 0)] + [(q, q) for q in p.axes("padding")], mode="edge")
    yield Mistake("edge_padding", "Padding adds zeros around the input, not copies of its border values.", _output(p, x=edge, padding=0))
    if p.groups > 1 and fits(factor=p.groups):  # a student who ignores groups lets every filter see every input channel
        tiled = np.tile(np.asarray(p.weight, dtype=float), (1, p.groups) + (1,) * p.dims)
        yield Mistake("ignored_groups", f"With groups={p.groups} each filter sees only the input channels of its own group.", _output(p, weight=tiled, groups=1))


def too_big_by_hand(p: Params) -> str | None:
    return p.too_big_by_hand(len(p.weight), p.out_sizes())


def degenerate(p: Params) -> str | None:
    return degenerate_output(p.out_sizes(), lambda: _output(p))


STATEMENT = r"""
The input $x$ has {{ p.input | length }} channel(s):
{{ p.input | tensor('x') }}

The kernels $W_{o,c}$ (output channel $o$, input channel $c$ of its group):
{% for o, filters in enumerate(p.weight) %}
$$ {% for c, k in enumerate(filters) %}W_{ {{o}},{{c}} } = {{ k | bmatrix }}{% if not loop.last %} \quad {% endif %}{% endfor %} $$
{% endfor %}
{% if p.bias is not none %}
The bias is $b = {{ p.bias | bmatrix }}$.
{% endif %}

Compute `F.conv{{ p.dims }}d(x, W{% if p.op == 'convolution' %}.flip({{ '-1' if p.dims == 1 else '-2, -1' }}){% endif %}, {{ 'b' if p.bias is not none else 'None' }}, stride={{ p.stride }}, padding={{ p.padding }}, dilation={{ p.dilation }}, groups={{ p.groups }})`{% if p.op == 'convolution' %}: the true convolution, whose kernel is flipped along every spatial axis as in the textbook definition{% endif %}.
Give the output channels first, as nested lists [C_out]{{ '[L]' if p.dims == 1 else '[H][W]' }}.
"""

SOLUTION = r"""
{% macro n(v) %}{{ ('(' ~ (v | num) ~ ')') if v < 0 else (v | num) }}{% endmacro %}
{% set at, terms = p.worked_entry() %}
Along each axis the output has $\left\lfloor \frac{n + 2p - d(k-1) - 1}{s} \right\rfloor + 1$ entries:
{% for n_, k, s, q, d, o in zip(p.sizes(), p.kernel(), p.axes('stride'), p.axes('padding'), p.axes('dilation'), p.out_sizes()) %}
- $\left\lfloor \frac{ {{n_}} + 2 \cdot {{q}} - {{d}} \cdot ({{k}} - 1) - 1}{ {{s}} } \right\rfloor + 1 = {{ o }}$
{% endfor %}

{% if p.op == 'convolution' %}Flip every kernel along each spatial axis first; then slide it as in a cross-correlation. {% endif %}
Each output entry multiplies a window of the {% if p.axes('padding') | max > 0 %}zero-padded {% endif %}input (taps `dilation={{ p.dilation }}` apart, windows `stride={{ p.stride }}` apart) by the kernel and sums over the taps and the input channels of the filter's group{% if p.bias is not none %}, then adds the bias{% endif %}. For instance
$$ y_0[{{ at | join(', ') }}] = {% for w, v in terms %}{{ n(w) }} \cdot {{ n(v) }}{% if not loop.last %} + {% endif %}{% endfor %}{% if p.bias is not none %} + {{ n(p.bias[0]) }}{% endif %} = {{ (answer[0][at[0]] if p.dims == 1 else answer[0][at[0]][at[1]]) | num }} $$

The whole output:
{{ answer | tensor('y') }}
"""
