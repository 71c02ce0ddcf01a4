"""KL divergence between univariate Gaussians, in nats, parameterised by standard deviations."""

from __future__ import annotations

import numpy as np

__all__ = ["kl_gaussian", "kl_gaussian_terms"]


def kl_gaussian_terms(mu_q, sigma_q, mu_p=0.0, sigma_p=1.0):
    """The two terms of the KL: ``log(sigma_p / sigma_q)`` and ``(sigma_q^2 + (mu_q - mu_p)^2) / (2 sigma_p^2)``."""
    mu_q, sigma_q, mu_p, sigma_p = (np.asarray(v, dtype=float) for v in (mu_q, sigma_q, mu_p, sigma_p))
    return np.log(sigma_p / sigma_q), (sigma_q**2 + (mu_q - mu_p) ** 2) / (2 * sigma_p**2)


def kl_gaussian(mu_q, sigma_q, mu_p=0.0, sigma_p=1.0):
    """``KL(N(mu_q, sigma_q^2) || N(mu_p, sigma_p^2))``, the two terms minus 1/2; broadcasts over numpy arrays."""
    log_term, spread = kl_gaussian_terms(mu_q, sigma_q, mu_p, sigma_p)
    kl = log_term + spread - 0.5
    return float(kl) if kl.ndim == 0 else kl
