"""The output shape of a convolution layer: output channels and the size along each axis."""

from __future__ import annotations

import math

from pydantic import Field, model_validator

from grader.answers import Integer, IntegerList, read_whole_shape
from grader.problems.base import Dims, FamilyParams, Mistake, Part, Spatial, SpatialOrZero
from grader.problems.space import Draw, FamilySpace, Range
from grader.solvers import SizeSteps, output_steps


class Params(FamilyParams):
    spatial_fields = ("input_size", "kernel_size", "stride", "padding", "dilation")

    dims: Dims = Field(2, description="1 for Conv1d, 2 for Conv2d.")
    input_size: Spatial = Field(description="Input length, or [H, W].")
    in_channels: int = Field(1, ge=1, le=100_000, description="Channels of the input.")
    out_channels: int = Field(1, ge=1, le=100_000, description="Channels of the output (number of filters).")
    groups: int = Field(1, ge=1, le=100_000, description="Channel groups; must divide both channel counts.")
    kernel_size: Spatial = Field(description="Kernel size per axis.")
    stride: Spatial = Field(1, description="Stride per axis.")
    padding: SpatialOrZero = Field(0, description="Zero padding added to both sides, per axis.")
    dilation: Spatial = Field(1, description="Spacing between kernel taps, per axis.")

    @model_validator(mode="after")
    def _consistent(self):
        for field in ("in_channels", "out_channels"):
            if getattr(self, field) % self.groups:
                raise ValueError(f"{field}: {getattr(self, field)} is not divisible by groups={self.groups}")
        for n, k, p, d in zip(*(self.axes(f) for f in ("input_size", "kernel_size", "padding", "dilation"))):
            if d * (k - 1) + 1 > n + 2 * p:
                raise ValueError(f"kernel_size: the dilated kernel ({d * (k - 1) + 1}) is larger than the padded input ({n + 2 * p})")
        return self

    def size_steps(self) -> list[SizeSteps]:
        """The solver's steps to the output size, per axis (what the worked solution shows)."""
        return [output_steps(*args) for args in zip(*(self.axes(f) for f in ("input_size", "kernel_size", "stride", "padding", "dilation")))]


class Space(FamilySpace):
    dims: Draw = [2]
    input_size: Draw = Range(min=7, max=256)
    in_channels: Draw = [1, 3, 16, 32, 64]
    out_channels: Draw = [8, 16, 32, 64, 128]
    kernel_size: Draw = [1, 3, 3, 5, 7, 11]
    stride: Draw = [1, 1, 2, 3, 4]
    padding: Draw = Range(min=0, max=3)
    dilation: Draw = [1, 1, 1, 2, 3]


def generate(rng, space: Space) -> Params:
    return Params(**{name: space.draw(rng, name) for name in Space.model_fields})


ANSWER = "object"


def _sizes(p: Params, *, plus_one=1, rounding=math.floor, dilation=True, both_sides=2, stride=True, extent=None):
    out = []
    for n, k, s, pad, d in zip(*(p.axes(f) for f in ("input_size", "kernel_size", "stride", "padding", "dilation"))):
        d = d if dilation else 1
        k_eff = extent(k, d) if extent else d * (k - 1) + 1
        out.append(int(rounding((n + both_sides * pad - k_eff) / (s if stride else 1))) + plus_one)
    return out


def solve(p: Params) -> dict[str, Part]:
    sizes = [steps.out for steps in p.size_steps()]
    return {
        "out_channels": Part(p.out_channels, Integer()),
        "out_size": Part(sizes, IntegerList(p.dims, "output sizes", per_axis=True)),
    }


def mistakes(p: Params):
    def wrong(sizes, channels=p.out_channels):
        return {"out_channels": channels, "out_size": sizes}

    yield Mistake("forgot_plus_one", "The number of window positions is (n + 2p - d(k-1) - 1) / s rounded down, plus 1: the first position counts too.", wrong(_sizes(p, plus_one=0)))
    yield Mistake("ceil_not_floor", "A window that would run past the padded input is not used: round down, not up.", wrong(_sizes(p, rounding=math.ceil)))
    yield Mistake("ignored_dilation", "Dilation spreads the kernel over d(k-1)+1 input positions; it changes the output size.", wrong(_sizes(p, dilation=False)))
    yield Mistake("dilation_times_kernel", "A dilated kernel spans d(k-1)+1 positions, not d*k.", wrong(_sizes(p, extent=lambda k, d: d * k)))
    yield Mistake("padding_one_side", "Padding is added on both sides of each axis: n + 2p.", wrong(_sizes(p, both_sides=1)))
    yield Mistake("ignored_stride", "The stride divides the number of positions the window moves through.", wrong(_sizes(p, stride=False)))
    yield Mistake("in_channels_kept", "The output has one channel per filter: out_channels, not in_channels.", wrong(solve(p)["out_size"].expected, p.in_channels))


def read_answer(raw, p: Params):
    """Also accept the whole output shape: a list channels first ([C, H, W]), or text 'HxWxC' (see answers/shapes.py)."""
    truth = solve(p)
    return read_whole_shape(raw, truth["out_channels"].expected, truth["out_size"].expected) or raw


STATEMENT = r"""
An input with {{ p.in_channels }} channel(s) of size ${{ p.axes('input_size') | vec }}$ goes through
`nn.Conv{{ p.dims }}d(in_channels={{ p.in_channels }}, out_channels={{ p.out_channels }}, kernel_size={{ p.kernel_size }},
stride={{ p.stride }}, padding={{ p.padding }}, dilation={{ p.dilation }}{% if p.groups > 1 %}, groups={{ p.groups }}{% endif %})`.
What is the output shape? Give the number of output channels and the output size along each axis.
"""

SOLUTION = r"""
Each filter gives one output channel, so there are **{{ answer.out_channels }}** output channels.
Along each axis the dilated kernel spans $d(k-1)+1$ inputs and
$\text{out} = \left\lfloor \frac{n + 2p - d(k-1) - 1}{s} \right\rfloor + 1$:
{% for steps, k, d in zip(p.size_steps(), p.axes('kernel_size'), p.axes('dilation')) %}
- $\left\lfloor \frac{ {{ steps.n }} + 2 \cdot {{ steps.padding }} - {{d}}\cdot({{k}}-1) - 1}{ {{ steps.stride }} } \right\rfloor + 1 = \left\lfloor \frac{ {{ steps.span }} }{ {{ steps.stride }} } \right\rfloor + 1 = {{ steps.out }}$
{% endfor %}

Output size: $\mathbf{ {{ answer.out_size | vec }} }$.
"""
