"""kl_gaussian against numerical integration of q·log(q/p), which knows nothing of the closed form."""

from __future__ import annotations

import math

import numpy as np
import pytest

from grader.solvers import kl_gaussian


def _log_density(z, mu, sigma):
    return -0.5 * ((z - mu) / sigma) ** 2 - np.log(sigma) - 0.5 * math.log(2 * math.pi)


def _kl_by_quadrature(mu_q, sigma_q, mu_p, sigma_p, points=1601):
    """Trapezoid rule over ±12 σ_q, where q keeps all but e^-72 of its mass (and the rule converges fast)."""
    z = mu_q[:, None] + sigma_q[:, None] * np.linspace(-12.0, 12.0, points)[None, :]
    log_q = _log_density(z, mu_q[:, None], sigma_q[:, None])
    log_p = _log_density(z, mu_p[:, None], sigma_p[:, None])
    return np.trapezoid(np.exp(log_q) * (log_q - log_p), z, axis=1)


def test_matches_numerical_integration_on_thousands_of_random_cases():
    rng = np.random.default_rng(2024)
    for _ in range(4):
        n = 1000
        mu_q, mu_p = rng.uniform(-5, 5, n), rng.uniform(-5, 5, n)
        sigma_q, sigma_p = np.exp(rng.uniform(np.log(0.1), np.log(10), (2, n)))
        expected = _kl_by_quadrature(mu_q, sigma_q, mu_p, sigma_p)
        got = kl_gaussian(mu_q, sigma_q, mu_p, sigma_p)
        np.testing.assert_allclose(got, expected, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((0.0, 1.0), 0.0),
        ((1.0, 1.0), 0.5),  # only the mean moves: (μ_q - μ_p)² / 2
        ((0.0, 2.0), 1.5 - math.log(2)),  # log(1/2) + 4/2 - 1/2
        ((3.0, 0.5, 1.0, 2.0), math.log(4) + (0.25 + 4) / 8 - 0.5),
    ],
)
def test_hand_worked_values(args, expected):
    assert kl_gaussian(*args) == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_defaults_are_the_standard_normal_prior():
    assert kl_gaussian(0.7, 1.3) == kl_gaussian(0.7, 1.3, 0.0, 1.0)


def test_is_nonnegative_zero_only_for_equal_distributions_and_not_symmetric(rng):
    mu_q, mu_p = rng.uniform(-3, 3, (2, 2000))
    sigma_q, sigma_p = rng.uniform(0.2, 4, (2, 2000))
    kl = kl_gaussian(mu_q, sigma_q, mu_p, sigma_p)
    assert np.all(kl > 0)
    assert np.allclose(kl_gaussian(mu_q, sigma_q, mu_q, sigma_q), 0.0, atol=1e-12)
    assert not np.allclose(kl, kl_gaussian(mu_p, sigma_p, mu_q, sigma_q))


def test_is_unchanged_when_both_distributions_are_shifted_and_scaled(rng):
    mu_q, mu_p, shift = rng.uniform(-3, 3, (3, 500))
    sigma_q, sigma_p, scale = rng.uniform(0.2, 4, (3, 500))
    moved = kl_gaussian(scale * mu_q + shift, scale * sigma_q, scale * mu_p + shift, scale * sigma_p)
    np.testing.assert_allclose(moved, kl_gaussian(mu_q, sigma_q, mu_p, sigma_p), rtol=1e-10, atol=1e-12)


def test_scalars_give_a_float_and_arrays_broadcast():
    assert type(kl_gaussian(0.5, 2.0)) is float
    assert kl_gaussian(np.zeros((3, 1)), np.ones(4)).shape == (3, 4)
