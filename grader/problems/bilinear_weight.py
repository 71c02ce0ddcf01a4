"""The bilinear-sampling weight of one pixel at a fractional point, and its derivatives (deformable convolution)."""

from __future__ import annotations

import math

from pydantic import Field, model_validator

from grader.answers import Real
from grader.problems.base import FamilyParams, Mistake, Part
from grader.problems.space import Draw, FamilySpace, Range
from grader.solvers import bilinear_weight
from grader.solvers.sampling import bilinear_terms

PARTS = ("weight", "dweight_dx", "dweight_dy")


class Params(FamilyParams):
    x: float = Field(ge=-1000, le=1000, description="Column coordinate of the sampling point (not an integer).")
    y: float = Field(ge=-1000, le=1000, description="Row coordinate of the sampling point (not an integer).")
    pixel: tuple[int, int] = Field(description="The pixel [px, py] (column, row); beyond the 4 around (x, y) its weight is 0.")

    @model_validator(mode="after")
    def _differentiable(self):
        for name in ("x", "y"):
            if getattr(self, name).is_integer():
                raise ValueError(f"{name}: {getattr(self, name)} is an integer; the weight has no derivative there")
        return self

    def neighbour(self) -> bool:
        """Whether the pixel is one of the 4 around the point (the others have weight 0)."""
        return all(abs(v - q) < 1 for v, q in zip((self.x, self.y), self.pixel))

    def terms(self):
        """The solver's offset, tent and slope per axis (what the worked solution shows)."""
        return bilinear_terms(self.x, self.y, *self.pixel)


class Space(FamilySpace):
    x: Draw = Range(min=0.1, max=5.9, step=0.1)
    y: Draw = Range(min=0.1, max=5.9, step=0.1)
    far: Draw = [False] * 7 + [True]  # now and then a pixel outside the 4 around the point: weight 0


def generate(rng, space: Space) -> Params:
    x, y = space.draw(rng, "x"), space.draw(rng, "y")  # Params rejects integers; the registry then redraws
    pixel = (math.floor(x) + int(rng.integers(2)), math.floor(y) + int(rng.integers(2)))
    if space.draw(rng, "far"):  # one ring further out (-1 or +2 from the cell's corner) along x, y or both
        along = int(rng.integers(3))
        x0, y0 = (math.floor(v) + (-1, 2)[int(rng.integers(2))] for v in (x, y))
        pixel = (x0 if along != 1 else pixel[0], y0 if along != 0 else pixel[1])
    return Params(x=x, y=y, pixel=pixel)


ANSWER = "object"


def solve(p: Params) -> dict[str, Part]:
    return {name: Part(value + 0.0, Real()) for name, value in zip(PARTS, bilinear_weight(p.x, p.y, *p.pixel))}  # no -0.0


def mistakes(p: Params):
    (px, py), (w, dx, dy) = p.pixel, bilinear_weight(p.x, p.y, *p.pixel)
    ax, ay = p.x - px, p.y - py
    sx, sy = math.copysign(1.0, -ax), math.copysign(1.0, -ay)  # slope of 1 - |a| towards the pixel

    def answer(*values):
        return dict(zip(PARTS, values))

    if not p.neighbour():
        yield Mistake("forgot_clamp", "g(a) = max(0, 1 - |a|): a pixel more than 1 away along an axis is not one of the 4 "
                      "that share the point, so its weight is 0, and so are its derivatives.",
                      answer((1 - abs(ax)) * (1 - abs(ay)), sx * (1 - abs(ay)), (1 - abs(ax)) * sy))
        return
    gx, gy = 1 - abs(ax), 1 - abs(ay)
    yield Mistake("swapped_x_y", "x is the column coordinate and pairs with px (the column); "
                  "y pairs with py (the row).",
                  answer(*bilinear_weight(p.x, p.y, py, px)))
    yield Mistake("other_neighbour_fraction", "Along each axis the weight is 1 - |x - px|: the nearer pixel gets the "
                  "larger weight. The distance itself is the weight of the other neighbour.",
                  answer((1 - gx) * (1 - gy), -sx * (1 - gy), -(1 - gx) * sy))
    yield Mistake("derivative_sign", "Moving the point towards the pixel raises its weight: the derivative of "
                  "1 - |x - px| is +1 when px > x and -1 when px < x.", answer(w, -dx, -dy))
    yield Mistake("derivative_other_axis", "∂w/∂x differentiates the x factor and keeps the y factor: "
                  "∂w/∂x = g'(x - px)·g(y - py).", answer(w, dy, dx))
    yield Mistake("forgot_other_factor", "By the product rule the other factor stays: "
                  "∂w/∂x = g'(x - px)·g(y - py), not g'(x - px) alone.", answer(w, sx, sy))


def read_answer(raw, p: Params):
    """Also accept the three values as a list, in the order weight, dweight_dx, dweight_dy."""
    return dict(zip(PARTS, raw)) if isinstance(raw, list) and len(raw) == len(PARTS) else raw


STATEMENT = r"""
A deformable convolution samples a feature map at the fractional point $(x, y) = ({{ p.x | num }}, {{ p.y | num }})$
($x$ is the column, $y$ the row) by bilinear interpolation: pixel $(p_x, p_y)$ gets the weight
$w = g(x - p_x)\, g(y - p_y)$ with $g(a) = \max(0, 1 - |a|)$.
For the pixel $(p_x, p_y) = ({{ p.pixel[0] }}, {{ p.pixel[1] }})$ give `weight` $= w$ and its derivatives
`dweight_dx` $= \partial w / \partial x$ and `dweight_dy` $= \partial w / \partial y$ ({{ enough }}).
"""

SOLUTION = r"""
{% set (ax, gx, sx), (ay, gy, sy) = p.terms() %}
Here $x - p_x = {{ ax | num }}$ and $y - p_y = {{ ay | num }}$, so
$g(x - p_x) = \max(0, 1 - |{{ ax | num }}|) = {{ gx | num }}$ and
$g(y - p_y) = \max(0, 1 - |{{ ay | num }}|) = {{ gy | num }}$:
the weight is ${{ gx | num }} \cdot {{ gy | num }} = \mathbf{ {{ answer.weight | num }} }$.
{% if not p.neighbour() %}

The pixel is not one of the 4 around the point: $g$ is 0 on a whole neighbourhood of the point along
{{ 'both axes' if (ax | abs) > 1 and (ay | abs) > 1 else ('x' if (ax | abs) > 1 else 'y') }}, so the weight stays 0 when the point moves a little,
and both derivatives are $\mathbf{0}$.
{% else %}

Where $|a| < 1$, $g'(a) = -1$ for $a > 0$ and $+1$ for $a < 0$; the other factor is a constant, so
$\partial w / \partial x = g'(x - p_x)\, g(y - p_y) = {{ sx | term }} \cdot {{ gy | num }} = \mathbf{ {{ answer.dweight_dx | num }} }$ and
$\partial w / \partial y = g(x - p_x)\, g'(y - p_y) = {{ gx | num }} \cdot {{ sy | term }} = \mathbf{ {{ answer.dweight_dy | num }} }$.
{% endif %}
"""
