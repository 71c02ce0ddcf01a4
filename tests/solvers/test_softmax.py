"""Softmax and cross-entropy against loops written from the definitions and finite differences, and PyTorch."""

from __future__ import annotations

import math

import numpy as np
import pytest

from grader.solvers.softmax import cross_entropy, softmax

CASES = 2000


def _case(rng) -> dict:
    n, c = int(rng.integers(1, 5)), int(rng.integers(1, 6))
    logits = rng.normal(scale=float(rng.choice([0.5, 2, 10])), size=(n, c))
    return dict(logits=logits, target=[int(t) for t in rng.integers(c, size=n)],
                reduction=str(rng.choice(["mean", "sum"])), label_smoothing=float(rng.choice([0.0, 0.0, 0.1, 0.35, 1.0])))


def _loss_by_loops(logits, target, reduction, label_smoothing) -> float:
    """-sum_c q_c log(e^{z_c} / sum_k e^{z_k}) per example, with q the smoothed one-hot; then mean or sum."""
    total = 0.0
    for row, t in zip(logits.tolist(), target):
        norm = math.log(sum(math.exp(v) for v in row))
        for c, v in enumerate(row):
            q = (1 - label_smoothing) * (c == t) + label_smoothing / len(row)
            total -= q * (v - norm)
    return total / len(target) if reduction == "mean" else total


def test_softmax_rows_are_probabilities_and_match_the_definition(rng):
    for _ in range(CASES):
        z = rng.normal(scale=3, size=(int(rng.integers(1, 4)), int(rng.integers(1, 6))))
        p = softmax(z)
        expected = [[math.exp(v) / sum(math.exp(u) for u in row) for v in row] for row in z.tolist()]
        np.testing.assert_allclose(p, expected, rtol=1e-12)
        np.testing.assert_allclose(p.sum(axis=1), 1.0)


def test_softmax_of_huge_logits_does_not_overflow():
    p = softmax([[1000.0, 999.0, -1000.0]])
    np.testing.assert_allclose(p, [[1 / (1 + math.exp(-1)), math.exp(-1) / (1 + math.exp(-1)), 0.0]], atol=1e-15)


def test_loss_matches_loops_and_gradient_matches_finite_differences(rng):
    h = 1e-6
    for case in range(CASES):
        args = _case(rng)
        result = cross_entropy(**args)
        assert result.loss == pytest.approx(_loss_by_loops(**args), rel=1e-10, abs=1e-12), case
        z = args["logits"]
        numeric = np.zeros_like(z)
        for idx in np.ndindex(z.shape):
            up, down = z.copy(), z.copy()
            up[idx] += h
            down[idx] -= h
            numeric[idx] = (_loss_by_loops(**(args | {"logits": up})) - _loss_by_loops(**(args | {"logits": down}))) / (2 * h)
        np.testing.assert_allclose(result.grad, numeric, atol=1e-6, err_msg=f"case {case}")


def test_a_hand_worked_example():
    # logits [1, 2, 3], class 2: p = e^z / (e + e^2 + e^3), loss = -log p_2 = log(1 + e^-1 + e^-2)
    result = cross_entropy([[1.0, 2.0, 3.0]], [2])
    assert result.loss == pytest.approx(math.log(1 + math.exp(-1) + math.exp(-2)))
    np.testing.assert_allclose(result.grad, result.probabilities - [[0, 0, 1]])


@pytest.mark.oracle
def test_matches_pytorch_cross_entropy_and_autograd(rng, torch):
    functional = torch.nn.functional
    for case in range(CASES):
        args = _case(rng)
        z = torch.tensor(args["logits"], requires_grad=True)
        loss = functional.cross_entropy(z, torch.tensor(args["target"]), reduction=args["reduction"],
                                        label_smoothing=args["label_smoothing"])
        loss.backward()
        result = cross_entropy(**args)
        assert result.loss == pytest.approx(loss.item(), rel=1e-10, abs=1e-12), case
        np.testing.assert_allclose(result.grad, z.grad.numpy(), atol=1e-12, err_msg=f"case {case}")
        np.testing.assert_allclose(result.probabilities, functional.softmax(z.detach(), dim=1).numpy(), rtol=1e-12)
