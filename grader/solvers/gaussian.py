"""KL divergence between univariate Gaussians, in nats, parameterised by standard deviations."""

from __future__ import annotations

import numpy as np

__all__ = ["kl_gaussian"]


def kl_gaussian(mu_q, sigma_q, mu_p=0.0, sigma_p=1.0):
    """``KL(N(mu_q, sigma_q^2) || N(mu_p, sigma_p^2))``; broadcasts over numpy arrays."""
    mu_q, sigma_q, mu_p, sigma_p = (np.asarray(v, dtype=float) for v in (mu_q, sigma_q, mu_p, sigma_p))
    kl = np.log(sigma_p / sigma_q) + (sigma_q**2 + (mu_q - mu_p) ** 2) / (2 * sigma_p**2) - 0.5
    return float(kl) if kl.ndim == 0 else kl
