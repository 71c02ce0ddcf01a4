"""The output shape of a sub-pixel upsampling layer (nn.PixelShuffle): channels and size.

A course's own family: this file sits beside assignment.toml, which names it with
``family_file = "pixel_shuffle_shape.py"``. It has the same parts as a built-in family and is
covered by the same generic test (tests/problems/test_families.py).
"""

from __future__ import annotations

from pydantic import Field, model_validator

from grader.answers import Integer, IntegerList, split_shape
from grader.problems.base import FamilyParams, Mistake, Part
from grader.problems.space import Draw, FamilySpace, Range


def pixel_shuffle_shape(channels: int, height: int, width: int, factor: int) -> tuple[int, int, int]:
    """``nn.PixelShuffle(factor)``: each group of factor² channels becomes a factor × factor block of pixels."""
    return channels // factor**2, height * factor, width * factor


class Params(FamilyParams):
    in_channels: int = Field(ge=1, le=100_000, description="Channels of the input; a multiple of upscale_factor².")
    height: int = Field(ge=1, le=100_000, description="Height of the input.")
    width: int = Field(ge=1, le=100_000, description="Width of the input.")
    upscale_factor: int = Field(ge=1, le=16, description="The factor r: each axis grows r times.")

    @model_validator(mode="after")
    def _divisible(self):
        if self.in_channels % self.upscale_factor**2:
            raise ValueError(f"in_channels: {self.in_channels} is not a multiple of upscale_factor² = {self.upscale_factor**2}")
        return self

    @property
    def block(self) -> int:
        """Channels that make one block of r × r output pixels."""
        return self.upscale_factor**2


class Space(FamilySpace):
    out_channels: Draw = [1, 2, 3, 4, 8, 16]
    upscale_factor: Draw = [2, 2, 3, 4]
    height: Draw = Range(min=4, max=64)
    width: Draw = Range(min=4, max=64)


def generate(rng, space: Space) -> Params:
    factor = space.draw(rng, "upscale_factor")
    return Params(in_channels=space.draw(rng, "out_channels") * factor**2, height=space.draw(rng, "height"),
                  width=space.draw(rng, "width"), upscale_factor=factor)


ANSWER = "object"


def solve(p: Params) -> dict[str, Part]:
    channels, height, width = pixel_shuffle_shape(p.in_channels, p.height, p.width, p.upscale_factor)
    return {"out_channels": Part(channels, Integer()), "out_size": Part([height, width], IntegerList(2, "output sizes"))}


def mistakes(p: Params):
    r, c, h, w = p.upscale_factor, p.in_channels, p.height, p.width
    yield Mistake("channels_over_r", f"A block of r × r pixels takes r² = {p.block} channels: divide the channels by r², not r.",
                  {"out_channels": c // r, "out_size": [h * r, w * r]})
    yield Mistake("size_times_r_squared", "Each axis grows r times; r² is the growth of the area, not of one axis.",
                  {"out_channels": c // r**2, "out_size": [h * r**2, w * r**2]})
    yield Mistake("channels_kept", "PixelShuffle only moves values: the channels it spreads into space are gone from the channel axis.",
                  {"out_channels": c, "out_size": [h * r, w * r]})
    yield Mistake("unshuffle", "That is nn.PixelUnshuffle, the inverse: PixelShuffle moves channels into space, so the map grows.",
                  {"out_channels": c * r**2, "out_size": [h // r, w // r]})


def read_answer(raw, p: Params):
    """Also accept the whole output shape, channels first or last ([C, H, W], 'HxWxC')."""
    truth = solve(p)
    return split_shape(raw, truth["out_channels"].expected, truth["out_size"].expected) or raw


STATEMENT = r"""
A feature map of {{ p.in_channels }} channels of size ${{ p.height }} \times {{ p.width }}$ goes through
`nn.PixelShuffle(upscale_factor={{ p.upscale_factor }})`, the sub-pixel upsampling layer.
What is the output shape? Give the number of output channels and the output size [H, W].
"""

SOLUTION = r"""
PixelShuffle turns each group of $r^2 = {{ p.block }}$ channels into an $r \times r$ block of pixels:
${{ p.in_channels }} / {{ p.block }} = \mathbf{ {{ answer.out_channels }} }$ channels, and each axis grows
{{ p.upscale_factor }} times: ${{ p.height }} \cdot {{ p.upscale_factor }} = {{ answer.out_size[0] }}$ and
${{ p.width }} \cdot {{ p.upscale_factor }} = {{ answer.out_size[1] }}$.

Output size: $\mathbf{ {{ answer.out_size[0] }} \times {{ answer.out_size[1] }} }$.
"""
