"""GAN losses from given discriminator outputs (minimax and non-saturating), their gradients, and the optimal discriminator."""

from __future__ import annotations

import math

import numpy as np
from pydantic import Field, model_validator

from grader.answers import Array, Real
from grader.problems._tensors import Tensor, check_axes, plain
from grader.problems.base import FamilyParams, Mistake, Part
from grader.problems.space import Draw, FamilySpace, Range
from grader.solvers.gan import discriminator_loss, generator_logit_grads, generator_loss, optimal_discriminator

HAND_VALUES = 12
KINDS = ("minimax", "nonsaturating")


class Params(FamilyParams):
    d_real: Tensor = Field(description="D(x) for each real sample of the batch: probabilities strictly between 0 and 1.")
    d_fake: Tensor = Field(description="D(G(z)) for each generated sample of the batch, strictly between 0 and 1.")
    p_data: Tensor = Field(description="The data density p_data(x) at some points x.")
    p_g: Tensor = Field(description="The generator's density p_g(x) at the same points.")
    gradients: bool = Field(True, description="Also ask for each generator loss's gradient with respect to the fake samples' logits.")

    @model_validator(mode="after")
    def _consistent(self):
        for name in ("d_real", "d_fake"):
            check_axes(name, getattr(self, name), 1, "[batch]")
            if not all(0 < v < 1 for v in getattr(self, name)):
                raise ValueError(f"{name}: the discriminator's outputs are probabilities strictly between 0 and 1")
        (points,) = check_axes("p_data", self.p_data, 1, "[points]")
        if np.shape(self.p_g) != (points,):
            raise ValueError(f"p_g: needs one density for each of the {points} points of p_data, got shape {list(np.shape(self.p_g))}")
        for i, (a, b) in enumerate(zip(self.p_data, self.p_g)):
            if a < 0 or b < 0 or a + b == 0:
                raise ValueError(f"p_g: densities are not negative and not both 0 (point {i})")
        return self


class Space(FamilySpace):
    real: Draw = [2, 3, 4]
    fake: Draw = [2, 3, 4]
    output: Draw = Range(min=0.1, max=0.9, step=0.1)
    points: Draw = [1, 2, 3]
    density: Draw = Range(min=0.1, max=1.0, step=0.1)
    gradients: Draw = True


def generate(rng, space: Space) -> Params:
    real, fake, points = (space.draw(rng, f) for f in ("real", "fake", "points"))
    return Params(d_real=[space.draw(rng, "output") for _ in range(real)], d_fake=[space.draw(rng, "output") for _ in range(fake)],
                  p_data=[space.draw(rng, "density") for _ in range(points)], p_g=[space.draw(rng, "density") for _ in range(points)],
                  gradients=space.draw(rng, "gradients"))


ANSWER = "object"


def _answer(p: Params, *, d_loss=None, minimax=None, nonsaturating=None, grads=None, optimal=None) -> dict:
    """Every part, with the ones a mistake changes given."""
    out = {
        "d_loss": discriminator_loss(p.d_real, p.d_fake) if d_loss is None else d_loss,
        "g_loss_minimax": generator_loss(p.d_fake, "minimax") if minimax is None else minimax,
        "g_loss_nonsaturating": generator_loss(p.d_fake, "nonsaturating") if nonsaturating is None else nonsaturating,
    }
    if p.gradients:
        for kind in KINDS:
            out[f"g_grad_{kind}"] = plain(generator_logit_grads(p.d_fake, kind) if grads is None else grads[kind])
    return out | {"d_optimal": plain(optimal_discriminator(p.p_data, p.p_g) if optimal is None else optimal)}


def solve(p: Params) -> dict[str, Part]:
    truth = _answer(p)
    parts = {name: Part(truth[name], Real()) for name in ("d_loss", "g_loss_minimax", "g_loss_nonsaturating")}
    if p.gradients:
        parts |= {f"g_grad_{kind}": Part(truth[f"g_grad_{kind}"], Array(axes=("fake sample",))) for kind in KINDS}
    return parts | {"d_optimal": Part(truth["d_optimal"], Array(axes=("point",)))}


def mistakes(p: Params):
    real, fake = np.asarray(p.d_real, dtype=float), np.asarray(p.d_fake, dtype=float)
    truth = _answer(p)
    losses = ("d_loss", "g_loss_minimax", "g_loss_nonsaturating")
    yield Mistake("d_loss_sign", "The discriminator maximises log D(x) + log(1 - D(G(z))); as a loss to minimise it is "
                  "the negative, a positive number.", _answer(p, d_loss=-truth["d_loss"]))
    yield Mistake("swapped_labels", "Real samples have the label 1 (the term -log D(x)) and generated ones 0 (the term "
                  "-log(1 - D(G(z)))).", _answer(p, d_loss=discriminator_loss(1 - real, 1 - fake)))
    yield Mistake("d_loss_averaged", "Here the discriminator's loss is the sum of its two BCE terms, real and fake, not their average.",
                  _answer(p, d_loss=truth["d_loss"] / 2))
    yield Mistake("minimax_sign", "The minimax generator minimises log(1 - D(G(z))) itself (a negative number); "
                  "-log(1 - D(G(z))) is the discriminator's term.", _answer(p, minimax=-truth["g_loss_minimax"]))
    yield Mistake("swapped_generator_losses", "The minimax loss is log(1 - D(G(z))); the non-saturating one is -log D(G(z)).",
                  _answer(p, minimax=truth["g_loss_nonsaturating"], nonsaturating=truth["g_loss_minimax"]))
    yield Mistake("log_base_10", "Losses in nats use the natural logarithm.",
                  _answer(p, **{k.replace("g_loss_", ""): truth[k] / math.log(10) for k in losses}))
    if len(real) > 1 or len(fake) > 1:
        yield Mistake("summed_not_averaged", "BCELoss averages over the batch (reduction='mean'): each term is a mean, not a sum.",
                      _answer(p, d_loss=-np.sum(np.log(real)) - np.sum(np.log1p(-fake)), minimax=truth["g_loss_minimax"] * len(fake),
                              nonsaturating=truth["g_loss_nonsaturating"] * len(fake)))
    if p.gradients:
        yield Mistake("grad_sign", "Both generator losses fall as D(G(z)) rises: their gradients with respect to the logits are negative.",
                      _answer(p, grads={k: -np.asarray(truth[f"g_grad_{k}"], dtype=float) for k in KINDS}))
        yield Mistake("grad_wrt_probability", "The gradient asked for is with respect to the logit a, with D = sigmoid(a): "
                      "dD/da = D(1 - D) multiplies the gradient with respect to D.",
                      _answer(p, grads={"minimax": -1 / (1 - fake) / len(fake), "nonsaturating": -1 / fake / len(fake)}))
    p_data, p_g = np.asarray(p.p_data, dtype=float), np.asarray(p.p_g, dtype=float)
    yield Mistake("optimal_d_inverted", "D*(x) is the probability that x is real: p_data / (p_data + p_g).",
                  _answer(p, optimal=p_g / (p_data + p_g)))
    if np.all(p_g > 0):
        yield Mistake("optimal_d_ratio", "D*(x) = p_data / (p_data + p_g), a probability; p_data / p_g is the density ratio.",
                      _answer(p, optimal=p_data / p_g))


def too_big_by_hand(p: Params) -> str | None:
    values = len(p.d_real) + len(p.d_fake) + len(p.p_data)
    if values > HAND_VALUES:
        return f"{values} outputs and densities (more than {HAND_VALUES} to work through by hand)"
    return None


STATEMENT = r"""
A GAN's discriminator outputs $D(x) = {{ p.d_real | bmatrix }}$ on a batch of real samples and $D(G(z)) = {{ p.d_fake | bmatrix }}$ on a batch of
generated ones (probabilities that the sample is real). With PyTorch's `nn.BCELoss()` (natural log, the mean over each batch), give
`d_loss`, the discriminator's loss `BCE(D(x), 1) + BCE(D(G(z)), 0)`; `g_loss_minimax`, the generator's loss in the original minimax game,
$\frac{1}{M}\sum \log(1 - D(G(z)))$; and `g_loss_nonsaturating`, the non-saturating one, `BCE(D(G(z)), 1)`.
{% if p.gradients %}
With $D = \sigma(a)$ for a logit $a$, give `g_grad_minimax` and `g_grad_nonsaturating`: each generator loss's derivative with respect to
the logit of every generated sample.
{% endif %}
Finally, for a fixed generator whose density is $p_g = {{ p.p_g | bmatrix }}$ at points where the data density is
$p_\text{data} = {{ p.p_data | bmatrix }}$, give `d_optimal`, the best discriminator's output $D^*(x)$ at each point. {{ enough | capitalize }}.
"""

SOLUTION = r"""
With $M = {{ p.d_fake | length }}$ generated and {{ p.d_real | length }} real samples:

- `d_loss` $= -\text{mean} \log D(x) - \text{mean} \log(1 - D(G(z))) = \mathbf{ {{ answer.d_loss | num }} }$;
- `g_loss_minimax` $= \text{mean} \log(1 - D(G(z))) = \mathbf{ {{ answer.g_loss_minimax | num }} }$;
- `g_loss_nonsaturating` $= -\text{mean} \log D(G(z)) = \mathbf{ {{ answer.g_loss_nonsaturating | num }} }$.

{% if p.gradients %}
With $D = \sigma(a)$, $\frac{dD}{da} = D(1 - D)$, so $\frac{d}{da}\log(1 - D) = -D$ and $\frac{d}{da}(-\log D) = -(1 - D)$, each divided by M:
`g_grad_minimax` $= \mathbf{ {{ answer.g_grad_minimax | bmatrix }} }$ and `g_grad_nonsaturating` $= \mathbf{ {{ answer.g_grad_nonsaturating | bmatrix }} }$.
Where the discriminator rejects a fake ($D$ near 0) the minimax gradient vanishes while the non-saturating one does not: hence its name.

{% endif %}
For a fixed generator, $D$ maximises $p_\text{data} \log D + p_g \log(1 - D)$ at each point; setting the derivative
$\frac{p_\text{data}}{D} - \frac{p_g}{1 - D}$ to 0 gives $D^* = \frac{p_\text{data}}{p_\text{data} + p_g} = \mathbf{ {{ answer.d_optimal | bmatrix }} }$.
"""
