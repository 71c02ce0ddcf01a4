"""GAN losses from the discriminator's outputs, as PyTorch's ``nn.BCELoss`` computes them, in nats.

The discriminator outputs D(x) in (0, 1), the probability that x is real. Losses are minimised and
averaged over each batch:
- the discriminator: ``BCE(D(x), 1) + BCE(D(G(z)), 0) = -mean log D(x) - mean log(1 - D(G(z)))``;
- the generator, minimax (the original game): ``mean log(1 - D(G(z)))``;
- the generator, non-saturating: ``BCE(D(G(z)), 1) = -mean log D(G(z))``.
For a fixed generator the best discriminator is ``D*(x) = p_data(x) / (p_data(x) + p_g(x))``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["discriminator_loss", "generator_logit_grads", "generator_loss", "optimal_discriminator"]


def discriminator_loss(d_real, d_fake) -> float:
    return float(-np.mean(np.log(np.asarray(d_real, dtype=float))) - np.mean(np.log1p(-np.asarray(d_fake, dtype=float))))


def generator_loss(d_fake, kind: str) -> float:
    d = np.asarray(d_fake, dtype=float)
    if kind == "minimax":
        return float(np.mean(np.log1p(-d)))
    if kind == "nonsaturating":
        return float(-np.mean(np.log(d)))
    raise ValueError(f"unknown generator loss {kind!r}")


def generator_logit_grads(d_fake, kind: str) -> np.ndarray:
    """d(generator loss)/d(a_j) for each fake sample's logit a_j, where D = sigmoid(a): the minimax loss
    gives -D_j / M, which vanishes when the discriminator rejects the fake (D near 0); the
    non-saturating one gives -(1 - D_j) / M, largest exactly then."""
    d = np.asarray(d_fake, dtype=float)
    if kind == "minimax":
        return -d / d.size
    if kind == "nonsaturating":
        return -(1.0 - d) / d.size
    raise ValueError(f"unknown generator loss {kind!r}")


def optimal_discriminator(p_data, p_g) -> np.ndarray:
    p_data, p_g = np.asarray(p_data, dtype=float), np.asarray(p_g, dtype=float)
    return p_data / (p_data + p_g)
