"""How many identical convolution layers take a feature map exactly to a target size (or none do)."""

from __future__ import annotations

import math

from pydantic import Field

from grader.answers import OptionalInteger
from grader.problems.base import FamilyParams, Mistake, Part
from grader.problems.space import Bounds, Draw, FamilySpace
from grader.solvers import conv_output_size, layers_to_size

_SIZE: Bounds = {"ge": 1, "le": 100_000}
HAND_LAYERS = 150  # stepping a size through more layers than this is no hand exercise


class Params(FamilyParams):
    input_size: int = Field(description="Height = width of the input feature map.", **_SIZE)
    target_size: int = Field(description="Height = width the stack must produce exactly.", **_SIZE)
    kernel_size: int = Field(description="Kernel size of every layer.", **_SIZE)
    stride: int = Field(1, description="Stride of every layer.", **_SIZE)
    padding: int = Field(0, ge=0, le=100_000, description="Zero padding on both sides, every layer.")
    dilation: int = Field(1, description="Dilation of every layer.", **_SIZE)
    max_layers: int = Field(10_000, description="Most layers allowed; more counts as unreachable.", **_SIZE)

    def sizes(self, limit: int = 12) -> list[int]:
        """The sizes the stack goes through, from the input on, while they still change."""
        return _path(self.input_size, lambda n: conv_output_size(n, self.kernel_size, self.stride, self.padding, self.dilation), limit)


def _path(start: int, step, limit: int, until: int | None = None) -> list[int]:
    """Sizes from ``start`` while ``step`` changes them (at most ``limit`` steps), stopping at or past ``until``."""
    out = [start]
    while len(out) <= limit and (until is None or (out[-1] - until) * (start - until) > 0) \
            and 1 <= (nxt := step(out[-1])) != out[-1]:
        out.append(nxt)
    return out


class Space(FamilySpace):
    input_size: Draw = [28, 32, 64, 96, 100, 128, 224, 227, 256]
    kernel_size: Draw = [2, 3, 3, 3, 5, 7]
    stride: Draw = [1, 1, 2]
    padding: Draw = [0, 0, 0, 0, 1, 2]
    dilation: Draw = [1, 1, 1, 2]
    reachable: Draw = [True, True, True, False]
    max_layers: Draw = 10_000


def generate(rng, space: Space) -> Params:
    for _ in range(100):  # a stack whose first layer changes nothing (or does not fit) asks nothing: draw again
        fixed = {name: space.draw(rng, name) for name in Space.model_fields if name != "reachable"}
        k, s, pad, d = (fixed[name] for name in ("kernel_size", "stride", "padding", "dilation"))
        # targets come from the first HAND_LAYERS layers: a deeper stack is not a sane exercise
        sizes = _path(fixed["input_size"], lambda n: conv_output_size(n, k, s, pad, d), min(HAND_LAYERS, fixed["max_layers"]))
        if len(sizes) > 1:
            break
        space.draw(rng, "reachable")  # what a rejected draw consumed before: the variants drawn so far stay
    # an unreachable target is a near miss, a size the stack steps over (as a stride of 2 does); sizes are
    # monotone, so a miss between two of these sizes is never reached later either
    lo, hi = min(sizes), max(sizes)
    missed = sorted({n + e for n in sizes for e in (-1, 1) if lo < n + e < hi} - set(sizes))
    if space.draw(rng, "reachable") and len(sizes) > 1 or not missed:
        target = sizes[int(rng.integers(1, len(sizes)))] if len(sizes) > 1 else fixed["input_size"]
    else:
        target = missed[int(rng.integers(len(missed)))]
    return Params(target_size=target, **fixed)


ANSWER = "value"
_NONE = "the target size cannot be reached exactly"


def solve(p: Params) -> dict[str, Part]:
    answer = layers_to_size(p.input_size, p.target_size, p.kernel_size, p.stride, p.padding, p.dilation, p.max_layers)
    return {"layers": Part(answer, OptionalInteger(none_means=_NONE))}


def _layers(p: Params, *, k=None, s=None, pad=None, d=None, plus_one=1, both_sides=2, rounding=math.floor):
    """The count a student gets by stepping a wrong size formula until it meets the target."""
    k, s, d = k or p.kernel_size, s or p.stride, d or p.dilation
    pad = p.padding if pad is None else pad
    step = lambda n: int(rounding((n + both_sides * pad - d * (k - 1) - 1) / s)) + plus_one  # noqa: E731
    sizes = _path(p.input_size, step, p.max_layers, until=p.target_size)
    return sizes.index(p.target_size) if p.target_size in sizes else None


def mistakes(p: Params):
    truth = solve(p)["layers"].expected
    wrong = [
        ("forgot_plus_one", "Each layer gives floor((n + 2p - d(k-1) - 1)/s) + 1: with stride 1 a k-kernel shrinks the size by k-1, not by k.", _layers(p, plus_one=0)),
        ("counted_sizes", "Count the layers, not the sizes: going from the input to the target through L layers lists L + 1 sizes.", truth + 1 if truth is not None else None),
        ("ignored_dilation", "A dilated kernel spans d(k-1)+1 inputs, so each layer shrinks the size by d(k-1) (at stride 1).", _layers(p, d=1)),
        ("ignored_padding", "Padding adds 2p to the size before every layer, so each layer shrinks it less.", _layers(p, pad=0)),
        ("padding_one_side", "Padding is added on both sides of the axis: n + 2p, at every layer.", _layers(p, both_sides=1)),
        ("ceil_not_floor", "A window that would run past the padded input is not used: each layer's size is rounded down.", _layers(p, rounding=math.ceil)),
        ("ignored_stride", "The stride divides the number of window positions at every layer.", _layers(p, s=1)),
    ]
    for name, message, answer in wrong:
        if answer is not None:  # a slip gives a count; "unreachable" is not a sign of any one slip
            yield Mistake(name, message, answer)


def too_big_by_hand(p: Params) -> str | None:
    layers = solve(p)["layers"].expected
    if layers is not None and layers > HAND_LAYERS:
        return f"the target is {layers} layers deep (more than {HAND_LAYERS} to step through by hand)"
    return None


STATEMENT = r"""
A ${{ p.input_size }} \times {{ p.input_size }}$ feature map goes through a stack of identical layers
`nn.Conv2d(..., kernel_size={{ p.kernel_size }}, stride={{ p.stride }}, padding={{ p.padding }}, dilation={{ p.dilation }})`,
one after another. How many layers are needed for the output to be exactly
${{ p.target_size }} \times {{ p.target_size }}$? Answer `None` if no number of layers (at most {{ p.max_layers | num }})
gives exactly that size.
"""

SOLUTION = r"""
One layer maps a size $n$ to $\left\lfloor \frac{n + 2 \cdot {{ p.padding }} - {{ p.dilation }}\cdot({{ p.kernel_size }}-1) - 1}{ {{ p.stride }} } \right\rfloor + 1$.
{% set seq = p.sizes(10) %}
Starting from {{ p.input_size }}, the sizes are {{ seq[:10] | join(", ") }}{% if len(seq) > 10 %}, ...{% endif %}
{% if p.stride == 1 and len(seq) > 1 %}: with stride 1 each layer changes the size by the same amount, $2 \cdot {{ p.padding }} - {{ p.dilation }}\cdot({{ p.kernel_size }}-1) = {{ seq[1] - seq[0] }}${% endif %}.

{% set span = p.dilation * (p.kernel_size - 1) + 1 %}
{% if answer == 0 %}
The input already has the target size, so no layer is needed: **0** layers.
{% elif span > p.input_size + 2 * p.padding %}
The dilated kernel spans {{ span }} positions, more than the padded input ({{ p.input_size + 2 * p.padding }}): not even one
layer can be applied, so the answer is **None**.
{% elif answer is none %}
They never equal {{ p.target_size }} exactly (within {{ p.max_layers | num }} layers), so the answer is **None**.
{% else %}
They reach {{ p.target_size }} after **{{ answer }}** layers{% if p.stride == 1 and len(seq) > 1 %}:
$\frac{ {{ p.input_size }} - {{ p.target_size }} }{ {{ seq[0] - seq[1] }} } = {{ answer }}${% endif %}.
{% endif %}
"""
