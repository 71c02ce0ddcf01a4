"""The output values of a small 1-D or 2-D transposed convolution (PyTorch's ConvTranspose)."""

from __future__ import annotations

import math
from itertools import product

import numpy as np
from pydantic import Field, model_validator

from grader.problems._tensors import Step, StepOrZero, Tensor, TensorParams, degenerate_output, draw_tensor, output_kind, plain
from grader.problems.base import Dims, Mistake, Part, remember_last
from grader.problems.space import Draw, FamilySpace, Range
from grader.solvers import conv_transpose, conv_transpose_output_size


class Params(TensorParams):
    spatial_fields = ("stride", "padding", "output_padding", "dilation")

    dims: Dims = Field(2, description="1 for conv_transpose1d, 2 for conv_transpose2d.")
    input: Tensor = Field(description="The input x, nested lists [C_in][H][W] (or [C_in][L]).")
    weight: Tensor = Field(description="The kernels in PyTorch's layout, nested lists [C_in][C_out/groups][kH][kW] (or [..][k]).")
    bias: Tensor | None = Field(None, description="One bias per output channel, or null for no bias.")
    stride: Step = Field(1, description="Spacing of the input values in the output, per axis.")
    padding: StepOrZero = Field(0, description="Entries cropped from both ends of each output axis.")
    output_padding: StepOrZero = Field(0, description="Entries kept at the far end of each output axis; smaller than stride or dilation.")
    dilation: Step = Field(1, description="Spacing between kernel taps per axis.")
    groups: int = Field(1, ge=1, le=100_000, description="Channel groups: the input channels of group g feed only its output channels.")

    @model_validator(mode="after")
    def _consistent(self):
        x, w = self._check_shapes("[C_in, C_out/groups, *kernel]")
        if w[0] != x[0]:
            raise ValueError(f"weight: its first axis is the {x[0]} input channel(s), got {w[0]}")
        if x[0] % self.groups:
            raise ValueError(f"groups: {self.groups} does not divide C_in={x[0]}")
        if self.bias is not None and np.shape(self.bias) != (w[1] * self.groups,):
            raise ValueError(f"bias: needs one value for each of the {w[1] * self.groups} output channels, "
                             f"got shape {list(np.shape(self.bias))}")
        for op, s, d in zip(self.axes("output_padding"), self.axes("stride"), self.axes("dilation")):
            if op >= max(s, d):
                raise ValueError(f"output_padding: {op} must be smaller than stride ({s}) or dilation ({d})")
        for q, o in zip(self.axes("padding"), self.out_sizes()):
            if o < 1:
                raise ValueError(f"padding: cropping {q} from both ends leaves {o} output entries along an axis")
        self._check_cost("input", [w[1] * self.groups, *self.out_sizes(padding=(0,) * self.dims)], self.macs())
        return self

    def macs(self) -> int:
        """Multiply-adds of the scatter: every input value times every tap of its group's kernels."""
        return math.prod(np.shape(self.input)) * math.prod(np.shape(self.weight)[1:])

    def out_sizes(self, **changes) -> list[int]:
        fields = {f: self.axes(f) for f in ("stride", "padding", "dilation", "output_padding")} | changes
        return [conv_transpose_output_size(*a) for a in zip(self.sizes(), self.kernel(), *fields.values())]

    def worked_entry(self) -> tuple[tuple[int, ...], list[tuple[float, float]]]:
        """A middle entry of output channel 0 and the (input, weight) products scattered onto it."""
        at = tuple(o // 2 for o in self.out_sizes())
        x, w = np.asarray(self.input, dtype=float), np.asarray(self.weight, dtype=float)
        # per axis, the (input position, kernel tap) pairs that land on the entry: i*s + t*d - q == j
        pairs = [[(i, t) for t in reversed(range(k)) if (j + q - t * d) % s == 0 and 0 <= (i := (j + q - t * d) // s) < n]
                 for n, k, s, d, q, j in zip(self.sizes(), self.kernel(), self.axes("stride"), self.axes("dilation"),
                                             self.axes("padding"), at)]
        terms = []
        for c in range(len(x) // self.groups):
            for combo in product(*pairs):  # one (input position, tap) pair per axis
                terms.append((x[(c, *(i for i, _ in combo))], w[(c, 0, *(t for _, t in combo))]))
        return at, terms


class Space(FamilySpace):
    dims: Draw = [1, 2, 2]
    size: Draw = Range(min=2, max=4)
    kernel: Draw = [2, 3, 3]
    groups: Draw = [1, 1, 1, 2]
    in_per_group: Draw = [1, 1, 2]
    out_per_group: Draw = [1, 1, 2]
    stride: Draw = [1, 1, 2]
    padding: Draw = [0, 0, 1]
    output_padding: Draw = [0, 0, 1]
    dilation: Draw = [1, 1, 1, 2]
    bias: Draw = [False, False, True]
    values: Draw = Range(min=-2, max=3)


def generate(rng, space: Space) -> Params:
    dims, groups = space.draw(rng, "dims"), space.draw(rng, "groups")
    c_in, c_out = groups * space.draw(rng, "in_per_group"), groups * space.draw(rng, "out_per_group")
    stride, dilation = space.draw(rng, "stride"), space.draw(rng, "dilation")
    return Params(
        dims=dims, groups=groups, stride=stride, dilation=dilation, padding=space.draw(rng, "padding"),
        output_padding=min(space.draw(rng, "output_padding"), max(stride, dilation) - 1),
        input=draw_tensor(rng, space, [c_in] + [space.draw(rng, "size") for _ in range(dims)]),
        weight=draw_tensor(rng, space, [c_in, c_out // groups] + [space.draw(rng, "kernel")] * dims),
        bias=draw_tensor(rng, space, [c_out]) if space.draw(rng, "bias") else None,
    )


ANSWER = "value"


@remember_last  # degenerate() and then solve() ask for it
def _output(p: Params, **changes) -> list:
    args = dict(x=p.input, weight=p.weight, bias=p.bias, stride=p.axes("stride"), padding=p.axes("padding"),
                output_padding=p.axes("output_padding"), dilation=p.axes("dilation"), groups=p.groups)
    return plain(conv_transpose(**(args | changes)))


def solve(p: Params) -> dict[str, Part]:
    return {"output": Part(_output(p), output_kind(p.dims))}


def mistakes(p: Params):
    w = np.asarray(p.weight, dtype=float)
    flipped = np.flip(w, axis=tuple(range(2, w.ndim)))
    ones, zeros = [1] * p.dims, [0] * p.dims
    yield Mistake("flipped_kernel", "The kernel is not flipped: each input value adds value × kernel, as it is, to the output.", _output(p, weight=flipped))
    yield Mistake("forgot_bias", "Each output channel adds its bias to every one of its entries.", _output(p, bias=None))
    if min(p.out_sizes(stride=ones)) >= 1:
        yield Mistake("ignored_stride", "With stride s the input values land s positions apart in the output, not adjacent.", _output(p, stride=ones))
    yield Mistake("forgot_crop", "In a transposed convolution padding crops entries from both ends of each output axis.", _output(p, padding=zeros))
    if min(p.out_sizes(output_padding=zeros)) >= 1:
        yield Mistake("ignored_output_padding", "output_padding adds that many entries at the far end of each output axis.", _output(p, output_padding=zeros))
    if len(w) == w.shape[1] * p.groups:  # read as [C_out][C_in/groups], the weight only fits when C_in == C_out
        per_group = w.reshape(p.groups, len(w) // p.groups, *w.shape[1:])
        yield Mistake("channel_layout", "A transposed convolution's weight is laid out [C_in][C_out/groups][kernel]: input channel first.",
                      _output(p, weight=per_group.swapaxes(1, 2).reshape(w.shape)))
    # the textbook slip: slide the kernel over the zero-padded input as a convolution does, which is a
    # scatter with the flipped kernel and without the zeros a stride puts between the input values
    if min(p.out_sizes(stride=ones, output_padding=zeros)) >= 1:
        yield Mistake("gathered_like_conv", "A transposed convolution scatters value × kernel into the output, stride positions apart; "
                      "sliding the kernel over the zero-padded input flips the kernel and loses the stride.",
                      _output(p, weight=flipped, stride=ones, output_padding=zeros))


def too_big_by_hand(p: Params) -> str | None:
    return p.too_big_by_hand(len(p.weight[0]) * p.groups, p.out_sizes())


def degenerate(p: Params) -> str | None:
    return degenerate_output(p.out_sizes(), lambda: _output(p))


STATEMENT = r"""
The input $x$ has {{ p.input | length }} channel(s):
{{ p.input | tensor('x') }}

The weight, in PyTorch's layout $W_{c,o}$ (input channel $c$, output channel $o$ of its group):
{% for c, filters in enumerate(p.weight) %}
$$ {% for o, k in enumerate(filters) %}W_{ {{c}},{{o}} } = {{ k | bmatrix }}{% if not loop.last %} \quad {% endif %}{% endfor %} $$
{% endfor %}
{% if p.bias is not none %}
The bias is $b = {{ p.bias | bmatrix }}$.
{% endif %}

Compute `F.conv_transpose{{ p.dims }}d(x, W, {{ 'b' if p.bias is not none else 'None' }}, stride={{ p.stride }}, padding={{ p.padding }}, output_padding={{ p.output_padding }}, groups={{ p.groups }}, dilation={{ p.dilation }})`.
Give the output channels first, as nested lists [C_out]{{ '[L]' if p.dims == 1 else '[H][W]' }}.
"""

SOLUTION = r"""
{% macro n(v) %}{{ ('(' ~ (v | num) ~ ')') if v < 0 else (v | num) }}{% endmacro %}
{% set at, terms = p.worked_entry() %}
Along each axis the output has $(n - 1)s - 2p + d(k - 1) + \text{output\_padding} + 1$ entries:
{% for n_, k, s, q, d, op, o in zip(p.sizes(), p.kernel(), p.axes('stride'), p.axes('padding'), p.axes('dilation'), p.axes('output_padding'), p.out_sizes()) %}
- $({{ n_ }} - 1) \cdot {{ s }} - 2 \cdot {{ q }} + {{ d }} \cdot ({{ k }} - 1) + {{ op }} + 1 = {{ o }}$
{% endfor %}

Every input value $x_c[i]$ adds $x_c[i] \cdot W_{c,o}$ to output channel $o$, its kernel taps `dilation={{ p.dilation }}` apart, starting at position $i \cdot s$ (`stride={{ p.stride }}`);
then `padding={{ p.padding }}` entries are cropped from both ends of each axis{% if p.axes('output_padding') | max > 0 %} and output_padding entries kept at the far end{% endif %}{% if p.bias is not none %}, and the bias is added{% endif %}.
For instance, the values that land on $y_0[{{ at | join(', ') }}]$ give
$$ y_0[{{ at | join(', ') }}] = {% for v, w in terms %}{{ n(v) }} \cdot {{ n(w) }} + {% endfor %}{% if p.bias is not none %}{{ n(p.bias[0]) }}{% else %}0{% endif %} = {{ (answer[0][at[0]] if p.dims == 1 else answer[0][at[0]][at[1]]) | num }} $$

The whole output:
{{ answer | tensor('y') }}
"""
