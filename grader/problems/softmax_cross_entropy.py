"""Softmax probabilities, the cross-entropy loss and its gradient with respect to the logits, for a small batch."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from grader.answers import Array, Real
from grader.problems._tensors import Tensor, check_axes, draw_tensor, plain, too_many_entries
from grader.problems.base import FamilyParams, Mistake, Part
from grader.problems.space import Draw, FamilySpace, Range
from grader.solvers.softmax import cross_entropy, smoothed_targets

HAND_ENTRIES = 12
MATRIX = Array(axes=("example", "class"))


class Params(FamilyParams):
    logits: Tensor = Field(description="The logits z, nested lists [N][C]: one row of C class scores per example.")
    target: list[int] = Field(min_length=1, description="The true class of each example, from 0 to C-1.")
    reduction: Literal["mean", "sum"] = Field("mean", description="How the examples' losses combine, as in F.cross_entropy.")
    label_smoothing: float = Field(0.0, ge=0, le=1, description="ε: the target is (1 - ε)·one-hot + ε/C on every class.")

    @model_validator(mode="after")
    def _consistent(self):
        n, c = check_axes("logits", self.logits, 2, "[N, C]")
        if len(self.target) != n:
            raise ValueError(f"target: has {len(self.target)} classes for the {n} examples (rows) of logits")
        for i, t in enumerate(self.target):
            if not 0 <= t < c:
                raise ValueError(f"target: example {i}'s class {t} is not one of 0 to {c - 1}")
        return self

    def example_losses(self) -> list[float]:
        """Each example's own loss, for the worked solution."""
        return [cross_entropy([row], [t], label_smoothing=self.label_smoothing).loss for row, t in zip(self.logits, self.target)]


class Space(FamilySpace):
    examples: Draw = [1, 2, 2, 3]
    classes: Draw = [3, 3, 4]
    values: Draw = Range(min=-2, max=2, step=0.5)
    reduction: Draw = ["mean", "mean", "sum"]
    label_smoothing: Draw = [0.0, 0.0, 0.0, 0.1]


def generate(rng, space: Space) -> Params:
    n, c = space.draw(rng, "examples"), space.draw(rng, "classes")
    return Params(logits=draw_tensor(rng, space, [n, c]), target=[int(t) for t in rng.integers(c, size=n)],
                  reduction=space.draw(rng, "reduction"), label_smoothing=space.draw(rng, "label_smoothing"))


ANSWER = "object"


def _answer(p: Params, **changes) -> dict:
    """The three parts, from ``cross_entropy`` with some of its arguments changed (a mistake's)."""
    args = dict(logits=p.logits, target=p.target, reduction=p.reduction, label_smoothing=p.label_smoothing) | changes
    r = cross_entropy(**args)
    return {"probabilities": plain(r.probabilities), "loss": r.loss, "grad_logits": plain(r.grad)}


def _scale(p: Params) -> float:
    return 1.0 / len(p.target) if p.reduction == "mean" else 1.0


def _from_probabilities(p: Params, given, part: str):
    """A part computed right from the student's own probabilities (error carried forward), or None."""
    probs = np.asarray(given["probabilities"], dtype=float)
    if probs.shape != np.shape(p.logits) or not np.all((probs > 0) & (probs <= 1)):
        return None
    q = smoothed_targets(p.target, probs.shape[1], p.label_smoothing)
    return float(-(q * np.log(probs)).sum() * _scale(p)) if part == "loss" else plain((probs - q) * _scale(p))


def solve(p: Params) -> dict[str, Part]:
    truth = _answer(p)
    return {
        "probabilities": Part(truth["probabilities"], MATRIX),
        "loss": Part(truth["loss"], Real(), carry=lambda given: _from_probabilities(p, given, "loss")),
        "grad_logits": Part(truth["grad_logits"], MATRIX, carry=lambda given: _from_probabilities(p, given, "grad")),
    }


def mistakes(p: Params):
    truth, n = _answer(p), len(p.target)
    q = smoothed_targets(p.target, np.shape(p.logits)[1], p.label_smoothing)
    probs = np.asarray(truth["probabilities"], dtype=float)
    yield Mistake("one_hot_minus_softmax", "The gradient of the cross-entropy with respect to the logits is softmax minus "
                  "one-hot, p - y (here divided by N for the mean): the sign is reversed.",
                  truth | {"grad_logits": plain(-np.asarray(truth["grad_logits"], dtype=float))})
    for base, name in ((2, "log_base_2"), (10, "log_base_10")):
        yield Mistake(name, f"Cross-entropy uses the natural logarithm (nats); a base-{base} logarithm gives another unit.",
                      truth | {"loss": truth["loss"] / math.log(base)})
    if p.reduction == "mean" and n > 1:
        yield Mistake("not_averaged", "With reduction='mean' the loss is the average over the N examples of the batch, "
                      "and so its gradient is divided by N too.", _answer(p, reduction="sum"))
    if p.reduction == "sum" and n > 1:
        yield Mistake("averaged", "With reduction='sum' the examples' losses are added, not averaged: no division by N.",
                      _answer(p, reduction="mean"))
    if n > 1:
        yield Mistake("softmax_over_batch", "Softmax normalises each example's logits over its classes (along a row), "
                      "not each class over the batch.", _answer(p, axis=0))
    yield Mistake("grad_wrt_probabilities", "The gradient asked for is with respect to the logits: through the softmax "
                  "it simplifies to p - y. -y/p is the gradient with respect to the probabilities.",
                  truth | {"grad_logits": plain(-q / probs * _scale(p))})
    if p.label_smoothing > 0:
        yield Mistake("ignored_label_smoothing", f"With label_smoothing={p.label_smoothing} the target of each example is "
                      "(1 - ε)·one-hot + ε/C on every class, not the one-hot vector.", _answer(p, label_smoothing=0.0))


def too_big_by_hand(p: Params) -> str | None:
    return too_many_entries(p.logits, HAND_ENTRIES, "the logits have")


STATEMENT = r"""
A classifier gives the logits $z$ below for a batch of {{ p.target | length }} example(s) (one row per example,
one column per class), and the true classes are $y = ({{ p.target | join(', ') }})$ (counting classes from 0):
$$ z = {{ p.logits | bmatrix }} $$

For `loss = F.cross_entropy(z, y{% if p.reduction != 'mean' %}, reduction='{{ p.reduction }}'{% endif %}{% if p.label_smoothing > 0 %}, label_smoothing={{ p.label_smoothing }}{% endif %})`
(natural logarithm{% if p.reduction == 'mean' %}, averaged over the examples{% else %}, summed over the examples{% endif %}{% if p.label_smoothing > 0 %}; with label smoothing ε the target of each example is $(1 - ε)$ on its class plus $ε / C$ on every class{% endif %}), give
`probabilities`, the softmax of each row; the `loss`; and `grad_logits`, $\partial\,\text{loss} / \partial z$,
with the shape of $z$. {{ enough | capitalize }}.
"""

SOLUTION = r"""
{% set z0 = p.logits[0] %}
Softmax exponentiates each row and divides by the row's sum. For the first example,
$p_0 = \frac{1}{ {% for v in z0 %}e^{ {{ v | num }} }{% if not loop.last %} + {% endif %}{% endfor %} }
\left( {% for v in z0 %}e^{ {{ v | num }} }{% if not loop.last %}, {% endif %}{% endfor %} \right)$, and row by row
$$ p = {{ answer.probabilities | bmatrix }} $$

{% if p.label_smoothing > 0 %}
The target of each example is $q = (1 - {{ p.label_smoothing }})\cdot\text{one-hot} + {{ p.label_smoothing }} / {{ p.logits[0] | length }}$ on every class, and
each example's loss is $-\sum_c q_c \log p_c$.
{% else %}
Each example's loss is $-\log p_{y}$, the log-probability of its true class:
{% for row, t, loss in zip(answer.probabilities, p.target, p.example_losses()) %}$-\log {{ row[t] | num }} = {{ loss | num }}${% if not loop.last %}; {% endif %}{% endfor %}.
{% endif %}
{% if p.reduction == 'mean' %}Averaged over the {{ p.target | length }} example(s){% else %}Summed over the examples{% endif %}: loss $= \mathbf{ {{ answer.loss | num }} }$.

Through the softmax the gradient of $-\log p_y$ with respect to the logits is $p - \text{one-hot}(y)${% if p.label_smoothing > 0 %}
(with smoothing, $p - q$){% endif %}{% if p.reduction == 'mean' %}, and the mean divides it by N = {{ p.target | length }}{% endif %}:
$$ \frac{\partial\,\text{loss}}{\partial z} = {{ answer.grad_logits | bmatrix }} $$
"""
