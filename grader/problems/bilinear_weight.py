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
    pixel: tuple[int, int] = Field(description="The pixel [px, py] (column, row): one of the 4 around (x, y).")

    @model_validator(mode="after")
    def _neighbour(self):
        for name in ("x", "y"):
            if getattr(self, name).is_integer():
                raise ValueError(f"{name}: {getattr(self, name)} is an integer; the weight has no derivative there")
        px, py = self.pixel
        x0, y0 = math.floor(self.x), math.floor(self.y)
        if px not in (x0, x0 + 1) or py not in (y0, y0 + 1):
            raise ValueError(f"pixel: ({px}, {py}) is not one of the 4 pixels around ({self.x}, {self.y})")
        return self

    def terms(self):
        """The solver's offset, tent and slope per axis (what the worked solution shows)."""
        return bilinear_terms(self.x, self.y, *self.pixel)


class Space(FamilySpace):
    x: Draw = Range(min=0.1, max=5.9, step=0.1)
    y: Draw = Range(min=0.1, max=5.9, step=0.1)


def generate(rng, space: Space) -> Params:
    x, y = space.draw(rng, "x"), space.draw(rng, "y")  # Params rejects integers; the registry then redraws
    pixel = (math.floor(x) + int(rng.integers(2)), math.floor(y) + int(rng.integers(2)))
    return Params(x=x, y=y, pixel=pixel)


ANSWER = "object"


def solve(p: Params) -> dict[str, Part]:
    return {name: Part(value, Real()) for name, value in zip(PARTS, bilinear_weight(p.x, p.y, *p.pixel))}


def mistakes(p: Params):
    (px, py), (w, dx, dy) = p.pixel, bilinear_weight(p.x, p.y, *p.pixel)
    gx, gy = 1 - abs(p.x - px), 1 - abs(p.y - py)
    sx, sy = math.copysign(1.0, px - p.x), math.copysign(1.0, py - p.y)  # slope of the tent towards the pixel

    def answer(*values):
        return dict(zip(PARTS, values))

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
`dweight_dx` $= \partial w / \partial x$ and `dweight_dy` $= \partial w / \partial y$ (3 significant figures are enough).
"""

SOLUTION = r"""
{% set (ax, gx, sx), (ay, gy, sy) = p.terms() %}
Here $x - p_x = {{ ax | num }}$ and $y - p_y = {{ ay | num }}$, so
$g(x - p_x) = \max(0, 1 - |{{ ax | num }}|) = {{ gx | num }}$ and
$g(y - p_y) = \max(0, 1 - |{{ ay | num }}|) = {{ gy | num }}$:
the weight is ${{ gx | num }} \cdot {{ gy | num }} = \mathbf{ {{ answer.weight | num }} }$.

Where $|a| < 1$, $g'(a) = -1$ for $a > 0$ and $+1$ for $a < 0$; the other factor is a constant, so
$\partial w / \partial x = g'(x - p_x)\, g(y - p_y) = {{ sx | term }} \cdot {{ gy | num }} = \mathbf{ {{ answer.dweight_dx | num }} }$ and
$\partial w / \partial y = g(x - p_x)\, g'(y - p_y) = {{ gx | num }} \cdot {{ sy | term }} = \mathbf{ {{ answer.dweight_dy | num }} }$.
"""
