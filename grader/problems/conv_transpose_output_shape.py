"""The output shape of a transposed convolution layer: output channels and the size along each axis."""

from __future__ import annotations

from pydantic import Field, model_validator

from grader.answers import Integer, IntegerList, read_whole_shape
from grader.problems.base import Dims, FamilyParams, Mistake, Part, Spatial, SpatialOrZero
from grader.problems.space import Draw, FamilySpace, Range
from grader.solvers import conv_output_size, conv_transpose_output_size

_FIELDS = ("input_size", "kernel_size", "stride", "padding", "dilation", "output_padding")


class Params(FamilyParams):
    spatial_fields = _FIELDS

    dims: Dims = Field(2, description="1 for ConvTranspose1d, 2 for ConvTranspose2d.")
    input_size: Spatial = Field(description="Input length, or [H, W].")
    in_channels: int = Field(1, ge=1, le=100_000, description="Channels of the input.")
    out_channels: int = Field(1, ge=1, le=100_000, description="Channels of the output.")
    groups: int = Field(1, ge=1, le=100_000, description="Channel groups; must divide both channel counts.")
    kernel_size: Spatial = Field(description="Kernel size per axis.")
    stride: Spatial = Field(1, description="Stride per axis: the spacing of the input's copies of the kernel in the output.")
    padding: SpatialOrZero = Field(0, description="Rows/columns cropped from both sides of the full output, per axis.")
    dilation: Spatial = Field(1, description="Spacing between kernel taps, per axis.")
    output_padding: SpatialOrZero = Field(0, description="Extra size added on one side of the output, per axis.")

    @model_validator(mode="after")
    def _consistent(self):
        for field in ("in_channels", "out_channels"):
            if getattr(self, field) % self.groups:
                raise ValueError(f"{field}: {getattr(self, field)} is not divisible by groups={self.groups}")
        for s, d, op in zip(*(self.axes(f) for f in ("stride", "dilation", "output_padding"))):
            if op >= max(s, d):
                raise ValueError(f"output_padding: {op} must be smaller than the stride ({s}) or the dilation ({d})")
        for size in (conv_transpose_output_size(*args) for args in zip(*(self.axes(f) for f in _FIELDS))):
            if size < 1:
                raise ValueError(f"padding: it crops the output to {size}; the output size must be at least 1")
        return self


class Space(FamilySpace):
    dims: Draw = [1, 2, 2]
    input_size: Draw = Range(min=1, max=64)
    in_channels: Draw = [8, 16, 32, 64, 128]
    out_channels: Draw = [1, 3, 8, 16, 32, 64]
    kernel_size: Draw = [1, 2, 3, 3, 4, 5, 7]
    stride: Draw = [1, 2, 2, 2, 3, 4]
    padding: Draw = [0, 0, 1, 1, 2, 3]
    dilation: Draw = [1, 1, 1, 2, 3]
    output_padding: Draw = [0, 0, 0, 1, 1, 2]


def generate(rng, space: Space) -> Params:
    return Params(**{name: space.draw(rng, name) for name in Space.model_fields})


ANSWER = "object"


def _sizes(p: Params, *, n_minus_one=1, both_sides=-2, dilation=True, output_padding=True, plus_one=1) -> list[int]:
    """The transposed-conv formula, with switches for the ways it goes wrong."""
    out = []
    for n, k, s, pad, d, op in zip(*(p.axes(f) for f in _FIELDS)):
        d = d if dilation else 1
        out.append((n - n_minus_one) * s + both_sides * pad + d * (k - 1) + (op if output_padding else 0) + plus_one)
    return out


def solve(p: Params) -> dict[str, Part]:
    sizes = [conv_transpose_output_size(*args) for args in zip(*(p.axes(f) for f in _FIELDS))]
    return {
        "out_channels": Part(p.out_channels, Integer()),
        "out_size": Part(sizes, IntegerList(p.dims, "output sizes", per_axis=True)),
    }


def mistakes(p: Params):
    def wrong(sizes, channels=p.out_channels):
        return {"out_channels": channels, "out_size": sizes}

    downsampled = [conv_output_size(*args) for args in zip(*(p.axes(f) for f in _FIELDS[:5]))]
    yield Mistake("used_conv_formula", "A transposed convolution upsamples: out = (n-1)s - 2p + d(k-1) + output_padding + 1, the convolution formula solved for n.", wrong(downsampled))
    yield Mistake("n_times_stride", "The n input positions are s apart, so they span (n-1)s, not ns.", wrong(_sizes(p, n_minus_one=0)))
    yield Mistake("forgot_output_padding", "output_padding adds that many positions to one side of the output: add it.", wrong(_sizes(p, output_padding=False)))
    yield Mistake("ignored_dilation", "Dilation spreads each copy of the kernel over d(k-1)+1 positions; it changes the output size.", wrong(_sizes(p, dilation=False)))
    yield Mistake("padding_added", "In a transposed convolution padding crops the output: subtract 2p, do not add it.", wrong(_sizes(p, both_sides=2)))
    yield Mistake("padding_one_side", "Padding crops both sides of each axis: subtract 2p.", wrong(_sizes(p, both_sides=-1)))
    yield Mistake("forgot_plus_one", "The last copy of the kernel covers d(k-1)+1 positions: (n-1)s + d(k-1) + 1 before cropping.", wrong(_sizes(p, plus_one=0)))
    yield Mistake("in_channels_kept", "The output has out_channels channels, not in_channels.", wrong(solve(p)["out_size"].expected, p.in_channels))


def read_answer(raw, p: Params):
    """Also accept the whole output shape: a list channels first ([C, H, W]), or text 'HxWxC' (see answers/shapes.py)."""
    truth = solve(p)
    return read_whole_shape(raw, truth["out_channels"].expected, truth["out_size"].expected) or raw


STATEMENT = r"""
An input with {{ p.in_channels }} channel(s) of size ${{ p.axes('input_size') | vec }}$ goes through
`nn.ConvTranspose{{ p.dims }}d(in_channels={{ p.in_channels }}, out_channels={{ p.out_channels }}, kernel_size={{ p.kernel_size }},
stride={{ p.stride }}, padding={{ p.padding }}, output_padding={{ p.output_padding }}, dilation={{ p.dilation }}{% if p.groups > 1 %}, groups={{ p.groups }}{% endif %})`.
What is the output shape? Give the number of output channels and the output size along each axis.
"""

SOLUTION = r"""
Each output channel has its own set of filters, so there are **{{ answer.out_channels }}** output channels.
Along each axis the $n$ input positions place copies of the dilated kernel $s$ apart, which covers
$(n-1)s + d(k-1) + 1$ positions; padding crops $p$ from each side and output_padding adds to one side:
$\text{out} = (n-1)s - 2p + d(k-1) + \text{output\_padding} + 1$:
{% for n, k, s, q, d, op, o in zip(p.axes('input_size'), p.axes('kernel_size'), p.axes('stride'), p.axes('padding'), p.axes('dilation'), p.axes('output_padding'), answer.out_size) %}
- $({{n}}-1)\cdot {{s}} - 2\cdot {{q}} + {{d}}\cdot({{k}}-1) + {{op}} + 1 = {{ o }}$
{% endfor %}

Output size: $\mathbf{ {{ answer.out_size | vec }} }$.
"""
