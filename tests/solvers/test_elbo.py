"""The ELBO's pieces against quadrature and loops written from the definitions, and torch.distributions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from grader.solvers.elbo import bernoulli_log_likelihood, gaussian_log_likelihood, kl_to_standard_normal, reparameterise
from tests.solvers.test_gaussian import _kl_by_quadrature

CASES = 2000


def _vae_case(rng) -> dict:
    d, size = int(rng.integers(1, 6)), int(rng.integers(1, 8))
    return dict(mu=rng.normal(size=d), sigma=np.exp(rng.uniform(-2, 1.5, d)), eps=rng.normal(size=d),
                x_bits=rng.integers(0, 2, size).astype(float), x_soft=rng.uniform(0, 1, size), probs=rng.uniform(0.01, 0.99, size),
                x=rng.normal(size=size), mean=rng.normal(size=size), scale=float(np.exp(rng.uniform(-1, 1))))


def test_kl_matches_numerical_integration_per_dimension(rng):
    for _ in range(CASES // 500):
        mu, sigma = rng.normal(size=(500, 3)), np.exp(rng.uniform(-2, 1.5, (500, 3)))
        per_dim = _kl_by_quadrature(mu.ravel(), sigma.ravel(), np.zeros(1500), np.ones(1500)).reshape(500, 3)
        np.testing.assert_allclose([kl_to_standard_normal(m, s) for m, s in zip(mu, sigma)], per_dim.sum(axis=1), rtol=1e-8)


def test_log_likelihoods_and_the_sample_match_loops(rng):
    for _ in range(CASES):
        c = _vae_case(rng)
        for x in (c["x_bits"], c["x_soft"]):
            expected = sum(xi * math.log(p) + (1 - xi) * math.log(1 - p) for xi, p in zip(x, c["probs"]))
            assert bernoulli_log_likelihood(x, c["probs"]) == pytest.approx(expected, rel=1e-12)
        expected = sum(-0.5 * math.log(2 * math.pi) - math.log(c["scale"]) - (xi - m) ** 2 / (2 * c["scale"] ** 2)
                       for xi, m in zip(c["x"], c["mean"]))
        assert gaussian_log_likelihood(c["x"], c["mean"], c["scale"]) == pytest.approx(expected, rel=1e-12)
        assert reparameterise(c["mu"], c["sigma"], c["eps"]).tolist() == [m + s * e for m, s, e in zip(c["mu"], c["sigma"], c["eps"])]


@pytest.mark.oracle
def test_elbo_pieces_match_torch_distributions(rng, torch):
    dist, functional = torch.distributions, torch.nn.functional
    for case in range(CASES):
        c = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in _vae_case(rng).items()}
        q = dist.Normal(c["mu"], c["sigma"])
        kl = dist.kl_divergence(q, dist.Normal(torch.zeros_like(c["mu"]), torch.ones_like(c["mu"]))).sum().item()
        assert kl_to_standard_normal(c["mu"].numpy(), c["sigma"].numpy()) == pytest.approx(kl, rel=1e-10, abs=1e-12), case
        z = dist.transforms.AffineTransform(c["mu"], c["sigma"])(c["eps"])
        np.testing.assert_allclose(reparameterise(c["mu"].numpy(), c["sigma"].numpy(), c["eps"].numpy()), z.numpy(), rtol=1e-12)
        bits = dist.Bernoulli(probs=c["probs"]).log_prob(c["x_bits"]).sum().item()
        assert bernoulli_log_likelihood(c["x_bits"].numpy(), c["probs"].numpy()) == pytest.approx(bits, rel=1e-10), case
        soft = -functional.binary_cross_entropy(c["probs"], c["x_soft"], reduction="sum").item()
        assert bernoulli_log_likelihood(c["x_soft"].numpy(), c["probs"].numpy()) == pytest.approx(soft, rel=1e-10), case
        gauss = dist.Normal(c["mean"], c["scale"]).log_prob(c["x"]).sum().item()
        assert gaussian_log_likelihood(c["x"].numpy(), c["mean"].numpy(), c["scale"]) == pytest.approx(gauss, rel=1e-10), case
