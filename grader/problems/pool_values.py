"""The output values of a small 1-D or 2-D max or average pooling layer (PyTorch semantics)."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from grader.problems._tensors import Step, StepOrZero, Tensor, TensorParams, degenerate_output, draw_tensor, output_kind, plain
from grader.problems.base import Dims, Mistake, Part, remember_last
from grader.problems.space import Draw, FamilySpace, Range
from grader.solvers import SizeSteps, output_steps, pool
from grader.solvers.pool import pool_divisors

WHAT = {"max": "the maximum", "avg": "the average"}


class Params(TensorParams):
    spatial_fields = ("kernel_size", "stride", "padding", "dilation")

    dims: Dims = Field(2, description="1 for MaxPool1d/AvgPool1d, 2 for MaxPool2d/AvgPool2d.")
    mode: Literal["max", "avg"] = Field(description="max or avg (average) pooling.")
    input: Tensor = Field(description="The input x, nested lists [C][H][W] (or [C][L]).")
    kernel_size: Step = Field(description="Window size per axis.")
    stride: Step | None = Field(None, description="Window step per axis; null means kernel_size, as in PyTorch.")
    padding: StepOrZero = Field(0, description="Padding at both ends of each axis (never wins a max, zeros for avg); at most kernel_size // 2.")
    dilation: Step = Field(1, description="Spacing between window taps per axis (max pooling only).")
    ceil_mode: bool = Field(False, description="Round the number of windows up: a last window may run past the input.")
    count_include_pad: bool = Field(True, description="Average pooling: whether padded zeros count in the divisor.")

    @model_validator(mode="after")
    def _consistent(self):
        self._check_shapes()
        if self.mode == "avg" and self.axes("dilation") != (1,) * self.dims:
            raise ValueError("dilation: average pooling has no dilation; it must be 1")
        for k, q in zip(self.axes("kernel_size"), self.axes("padding")):
            if q > k // 2:
                raise ValueError(f"padding: {q} is more than half the kernel size {k} (PyTorch's rule)")
        for n, k, _s, q, d, o in zip(self.sizes(), self.axes("kernel_size"), self.strides(), self.axes("padding"),
                                    self.axes("dilation"), self.out_sizes()):
            if o < 1:
                raise ValueError(f"kernel_size: the window spans {d * (k - 1) + 1} entries, more than the padded input ({n + 2 * q})")
        self._check_cost("input", [len(self.input), *self.out_sizes()], self.taps())
        for n, k, s, q, d, o in zip(self.sizes(), self.axes("kernel_size"), self.strides(), self.axes("padding"),
                                    self.axes("dilation"), self.out_sizes()):
            start = np.arange(o) * s - q
            first = np.maximum(0, -(start // d))  # each window's first tap at or past position 0
            if np.any((first >= k) | (start + first * d >= n)):  # a window of padding only: its max would be -inf
                raise ValueError(f"dilation: a window's {k} taps, {d} apart, all miss the {n} input entries along an axis")
        return self

    def strides(self) -> tuple[int, ...]:
        return self.axes("kernel_size") if self.stride is None else self.axes("stride")

    def size_steps(self, **changes) -> list[SizeSteps]:
        """The solver's steps to the output size per axis (what the worked solution shows), some arguments changed."""
        fields = {"kernel_size": self.axes("kernel_size"), "stride": self.strides(), "padding": self.axes("padding"),
                  "dilation": self.axes("dilation")} | changes
        return [output_steps(n, k, s, q, d, ceil_mode=self.ceil_mode) for n, k, s, q, d in zip(self.sizes(), *fields.values())]

    def out_sizes(self, **changes) -> list[int]:
        return [steps.out for steps in self.size_steps(**changes)]

    def taps(self, **changes) -> int:
        """Window taps read over the whole output (the cost of pooling), with some arguments changed."""
        return len(self.input) * math.prod(self.out_sizes(**changes)) * math.prod(self.axes("kernel_size"))

    def worked_window(self) -> tuple[tuple[int, ...], list[float], int]:
        """A middle output entry of channel 0, the input values in its window, and avg's divisor (the solver's)."""
        outs = self.out_sizes()
        at = tuple(o // 2 for o in outs)
        kernel, padding = self.axes("kernel_size"), self.axes("padding")
        starts = [i * s - q for i, s, q in zip(at, self.strides(), padding)]
        taps = [[a + t * d for t in range(k)] for a, d, k in zip(starts, self.axes("dilation"), kernel)]
        inside = [[j for j in axis if 0 <= j < n] for axis, n in zip(taps, self.sizes())]
        values = np.asarray(self.input, dtype=float)[0][np.ix_(*inside)].ravel().tolist()
        divisors = pool_divisors(outs, kernel, self.strides(), padding, self.sizes(), self.count_include_pad)
        return at, values, int(divisors[at])


class Space(FamilySpace):
    dims: Draw = [1, 2, 2]
    mode: Draw = ["max", "avg"]
    channels: Draw = [1, 1, 2]
    size: Draw = Range(min=3, max=7)
    kernel_size: Draw = [2, 2, 3]
    stride: Draw = [None, None, 1, 2]
    padding: Draw = [0, 0, 1]
    dilation: Draw = [1, 1, 2]
    ceil_mode: Draw = [False, False, True]
    count_include_pad: Draw = [True, False]
    values: Draw = Range(min=-3, max=3)


def generate(rng, space: Space) -> Params:
    dims, mode = space.draw(rng, "dims"), space.draw(rng, "mode")
    fields = {f: space.draw(rng, f) for f in ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "count_include_pad")}
    # each mode has its own option; the other one stays at its default so a statement never shows it
    fields |= {"dilation": 1} if mode == "avg" else {"count_include_pad": True}
    shape = [space.draw(rng, "channels")] + [space.draw(rng, "size") for _ in range(dims)]
    return Params(dims=dims, mode=mode, **fields, input=draw_tensor(rng, space, shape))


ANSWER = "value"


@remember_last  # degenerate() and then solve() ask for it
def _output(p: Params, **changes) -> list:
    args = dict(x=p.input, mode=p.mode, kernel=p.axes("kernel_size"), stride=p.strides(), padding=p.axes("padding"),
                dilation=p.axes("dilation"), ceil_mode=p.ceil_mode, count_include_pad=p.count_include_pad)
    return plain(pool(**(args | changes)))


def solve(p: Params) -> dict[str, Part]:
    return {"output": Part(_output(p), output_kind(p.dims, "channel"))}


def mistakes(p: Params):
    ones, zeros = [1] * p.dims, [0] * p.dims
    if p.stride is None and p.affordable([len(p.input), *p.out_sizes(stride=ones)], p.taps(stride=ones)):
        yield Mistake("stride_one", "Without a stride argument, pooling steps by the kernel size, not by 1.", _output(p, stride=ones))
    if p.axes("dilation") == tuple(ones):
        other = "avg" if p.mode == "max" else "max"
        yield Mistake("other_mode", f"{p.mode} pooling takes {WHAT[p.mode]} of each window, not {WHAT[other]}.", _output(p, mode=other))
    if p.mode == "avg":
        yield Mistake("count_include_pad", f"With count_include_pad={p.count_include_pad} the padded zeros {'count' if p.count_include_pad else 'do not count'} "
                      "in the divisor of a window's average.", _output(p, count_include_pad=not p.count_include_pad))
    if p.ceil_mode:
        yield Mistake("floor_not_ceil", "With ceil_mode=True the number of windows is rounded up: a last window that runs past the input counts.",
                      _output(p, ceil_mode=False))
    if p.mode == "max":
        padded = np.pad(np.asarray(p.input, dtype=float), [(0, 0)] + [(q, q) for q in p.axes("padding")])
        # ceil_mode may give the zero-padded input an extra last window: the student would not write it
        crop = (slice(None),) + tuple(slice(0, o) for o in p.out_sizes())
        yield Mistake("zero_padded_max", "Max pooling never takes the padding (it acts as -inf): a window of negatives has a negative maximum, not 0.",
                      plain(np.asarray(_output(p, x=padded, padding=zeros), dtype=float)[crop]))
        if p.affordable([len(p.input), *p.out_sizes(dilation=ones)], p.taps(dilation=ones)):
            yield Mistake("ignored_dilation", "With dilation d the window's taps are d input positions apart, not adjacent.", _output(p, dilation=ones))


def too_big_by_hand(p: Params) -> str | None:
    return p.too_big_by_hand(len(p.input), p.out_sizes())


def degenerate(p: Params) -> str | None:
    return degenerate_output(p.out_sizes(), lambda: _output(p))


STATEMENT = r"""
The input $x$ has {{ p.input | length }} channel(s):
{{ p.input | tensor('x') }}

Compute `nn.{{ 'Max' if p.mode == 'max' else 'Avg' }}Pool{{ p.dims }}d(kernel_size={{ p.kernel_size }}{% if p.stride is not none %}, stride={{ p.stride }}{% endif %}, padding={{ p.padding }}{% if p.mode == 'max' %}, dilation={{ p.dilation }}{% endif %}, ceil_mode={{ p.ceil_mode }}{% if p.mode == 'avg' %}, count_include_pad={{ p.count_include_pad }}{% endif %})(x)`.
Give the output channels first, as nested lists [C]{{ '[L]' if p.dims == 1 else '[H][W]' }}.
"""

SOLUTION = r"""
{% set at, values, divisor = p.worked_window() %}
{% set entry = answer[0][at[0]] if p.dims == 1 else answer[0][at[0]][at[1]] %}
{% if p.stride is none %}Without a stride argument the window steps by the kernel size. {% endif %}
Along each axis the output has $\left\{{ 'lceil' if p.ceil_mode else 'lfloor' }} \frac{n + 2p - d(k-1) - 1}{s} \right\{{ 'rceil' if p.ceil_mode else 'rfloor' }} + 1$ entries{% if p.ceil_mode %}, except that a last window must start inside the input or its left padding: PyTorch drops one that would start in the right padding{% endif %}:
{% for steps, k, d in zip(p.size_steps(), p.axes('kernel_size'), p.axes('dilation')) %}
{% set lo, hi = ('lceil', 'rceil') if p.ceil_mode else ('lfloor', 'rfloor') %}
- $\left\{{ lo }} \frac{ {{ steps.n }} + 2 \cdot {{ steps.padding }} - {{ d }} \cdot ({{ k }} - 1) - 1 }{ {{ steps.stride }} } \right\{{ hi }} + 1 = \left\{{ lo }} \frac{ {{ steps.span }} }{ {{ steps.stride }} } \right\{{ hi }} + 1 = {{ steps.windows }}${% if steps.dropped %}; the last window would start at $({{ steps.windows }} - 1) \cdot {{ steps.stride }} = {{ steps.last_start }} \ge {{ steps.n }} + {{ steps.padding }}$, in the right padding, so PyTorch drops it: ${{ steps.windows }} - 1 = {{ steps.out }}${% endif %}

{% endfor %}

For instance, the window of $y_0[{{ at | join(', ') }}]$ holds the input values ${{ values | map('num') | join(', ') }}${% if p.axes('padding') | max > 0 or p.ceil_mode %} (the rest, if any, lies outside the input){% endif %}, so
{% if p.mode == 'max' %}
$y_0[{{ at | join(', ') }}] = \max({{ values | map('num') | join(', ') }}) = {{ entry | num }}${% if p.axes("padding") | max > 0 %} (padding never wins a max){% endif %}.
{% else %}
$y_0[{{ at | join(', ') }}] = \frac{ {{ values | map('term') | join(' + ') }} }{ {{ divisor }} } = {{ entry | num }}$: with count_include_pad={{ p.count_include_pad }} the divisor counts {{ 'the padded positions too (but none past the padding)' if p.count_include_pad else 'only the input values' }}.
{% endif %}

The whole output:
{{ answer | tensor('y') }}
"""
