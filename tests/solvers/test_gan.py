"""The GAN losses against loops, finite differences of the logits and a search for D*, and PyTorch."""

from __future__ import annotations

import math

import numpy as np
import pytest

from grader.solvers.gan import discriminator_loss, generator_logit_grads, generator_loss, optimal_discriminator

CASES = 2000


def _gan_case(rng) -> dict:
    return dict(real=rng.uniform(0.01, 0.99, int(rng.integers(1, 6))), fake=rng.uniform(0.01, 0.99, int(rng.integers(1, 6))),
                p_data=rng.uniform(0, 3, int(rng.integers(1, 4))) + 1e-3, p_g=rng.uniform(0, 3, 1)[0] + 1e-3)


def _best_d_by_search(a: float, b: float) -> float:
    """argmax over D in (0, 1) of a log D + b log(1 - D), by golden-section search (it is concave)."""
    lo, hi, g = 1e-12, 1 - 1e-12, (math.sqrt(5) - 1) / 2
    f = lambda d: a * math.log(d) + b * math.log(1 - d)  # noqa: E731
    for _ in range(200):
        m1, m2 = hi - g * (hi - lo), lo + g * (hi - lo)
        lo, hi = (lo, m2) if f(m1) > f(m2) else (m1, hi)
    return (lo + hi) / 2


def test_gan_losses_match_loops_gradients_match_finite_differences_and_d_star_a_search(rng):
    h = 1e-6
    for case in range(CASES // 2):
        c = _gan_case(rng)
        real, fake = c["real"].tolist(), c["fake"].tolist()
        expected = -sum(map(math.log, real)) / len(real) - sum(math.log(1 - d) for d in fake) / len(fake)
        assert discriminator_loss(real, fake) == pytest.approx(expected, rel=1e-12)
        losses = {"minimax": lambda ds: sum(math.log(1 - d) for d in ds) / len(ds),
                  "nonsaturating": lambda ds: -sum(math.log(d) for d in ds) / len(ds)}
        sigmoid = lambda a: 1 / (1 + math.exp(-a))  # noqa: E731
        logits = [math.log(d / (1 - d)) for d in fake]
        for kind, loss in losses.items():
            assert generator_loss(fake, kind) == pytest.approx(loss(fake), rel=1e-12)
            for j, grad in enumerate(generator_logit_grads(fake, kind)):
                up = [sigmoid(a + h * (i == j)) for i, a in enumerate(logits)]
                down = [sigmoid(a - h * (i == j)) for i, a in enumerate(logits)]
                assert grad == pytest.approx((loss(up) - loss(down)) / (2 * h), rel=1e-5, abs=1e-9), (case, kind, j)
        for a, d_star in zip(c["p_data"].tolist(), optimal_discriminator(c["p_data"], c["p_g"])):
            assert d_star == pytest.approx(_best_d_by_search(a, c["p_g"]), abs=1e-7), case


@pytest.mark.oracle
def test_gan_losses_match_bce_autograd_and_an_optimiser(rng, torch):
    functional = torch.nn.functional
    for case in range(CASES):
        c = _gan_case(rng)
        real, fake = torch.tensor(c["real"]), torch.tensor(c["fake"])
        d_loss = functional.binary_cross_entropy(real, torch.ones_like(real)) + functional.binary_cross_entropy(fake, torch.zeros_like(fake))
        assert discriminator_loss(c["real"], c["fake"]) == pytest.approx(d_loss.item(), rel=1e-10), case
        for kind in ("minimax", "nonsaturating"):
            logits = torch.logit(fake).requires_grad_()
            d = torch.sigmoid(logits)
            loss = torch.log1p(-d).mean() if kind == "minimax" else functional.binary_cross_entropy(d, torch.ones_like(d))
            loss.backward()
            assert generator_loss(c["fake"], kind) == pytest.approx(loss.item(), rel=1e-10), (case, kind)
            np.testing.assert_allclose(generator_logit_grads(c["fake"], kind), logits.grad.numpy(), rtol=1e-8, atol=1e-12)
        if case % 10 == 0:
            np.testing.assert_allclose(optimal_discriminator(c["p_data"], c["p_g"]),
                                       optimal_by_search(torch, c["p_data"], c["p_g"]), atol=1e-7, err_msg=f"case {case}")


def optimal_by_search(torch, p_data, p_g) -> np.ndarray:
    """D* at each point, found by an optimiser: the D = sigmoid(a) that maximises p_data log D + p_g log(1 - D)."""
    p_data, p_g = torch.as_tensor(p_data, dtype=torch.float64), torch.as_tensor(p_g, dtype=torch.float64)
    logit = torch.zeros_like(p_data, requires_grad=True)
    search = torch.optim.LBFGS([logit], max_iter=200, tolerance_grad=1e-12, tolerance_change=1e-14)
    logsigmoid = torch.nn.functional.logsigmoid

    def objective():
        search.zero_grad()
        value = -(p_data * logsigmoid(logit) + p_g * logsigmoid(-logit)).sum()
        value.backward()
        return value

    search.step(objective)
    return torch.sigmoid(logit).detach().numpy()
