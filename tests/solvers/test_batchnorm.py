"""Batch normalisation against loops over each channel's values, and against nn.BatchNorm1d / nn.BatchNorm2d."""

from __future__ import annotations

import math

import numpy as np
import pytest

from grader.solvers.batchnorm import batch_norm_eval, batch_norm_train

CASES = 2000


def _case(rng) -> dict:
    shape = [int(rng.integers(1, 5)), int(rng.integers(1, 4))] + [int(s) for s in rng.integers(1, 4, int(rng.integers(0, 3)))]
    if math.prod(shape) // shape[1] < 2:
        shape[0] = 2  # training mode needs two values per channel
    c = shape[1]
    affine = rng.random() < 0.6
    return dict(x=rng.normal(scale=2, size=shape), running_mean=rng.normal(size=c), running_var=rng.uniform(0.1, 3, c),
                weight=rng.normal(size=c) if affine else None, bias=rng.normal(size=c) if affine else None,
                momentum=None if rng.random() < 0.25 else float(rng.uniform(0, 1)), eps=float(rng.choice([1e-5, 1e-3, 0.5])),
                num_batches_tracked=int(rng.integers(0, 5)))


def _by_loops(x, running_mean, running_var, weight, bias, momentum, eps, num_batches_tracked):
    """Per channel: gather its values from every example and position, then normalise them one by one."""
    y = np.zeros_like(x)
    new_mean, new_var = [], []
    factor = 1 / (num_batches_tracked + 1) if momentum is None else momentum
    for c in range(x.shape[1]):
        where = [idx for idx in np.ndindex(x.shape) if idx[1] == c]
        values = [float(x[idx]) for idx in where]
        n = len(values)
        mean = sum(values) / n
        biased = sum((v - mean) ** 2 for v in values) / n
        for idx in where:
            scaled = (float(x[idx]) - mean) / math.sqrt(biased + eps)
            y[idx] = scaled * (1 if weight is None else weight[c]) + (0 if bias is None else bias[c])
        new_mean.append((1 - factor) * running_mean[c] + factor * mean)
        new_var.append((1 - factor) * running_var[c] + factor * biased * n / (n - 1))
    return y, np.array(new_mean), np.array(new_var)


def test_training_step_matches_loops_over_each_channel(rng):
    for case in range(CASES // 4):
        args = _case(rng)
        step = batch_norm_train(**args)
        y, mean, var = _by_loops(**args)
        np.testing.assert_allclose(step.output, y, atol=1e-12, err_msg=f"case {case}")
        np.testing.assert_allclose(step.running_mean, mean, atol=1e-12)
        np.testing.assert_allclose(step.running_var, var, atol=1e-12)


def test_a_hand_worked_batch():
    # one channel, values 1, 3: mean 2, biased variance 1, unbiased 2; eps 0
    step = batch_norm_train(np.array([[1.0], [3.0]]), [0.0], [1.0], eps=0.0)
    assert step.output.tolist() == [[-1.0], [1.0]]
    assert step.running_mean.tolist() == pytest.approx([0.2]) and step.running_var.tolist() == pytest.approx([0.9 + 0.2])
    assert batch_norm_eval(np.array([[1.0], [3.0]]), [2.0], [4.0], [3.0], [1.0], eps=0.0).tolist() == [[-0.5], [2.5]]


@pytest.mark.oracle
def test_matches_pytorch_batchnorm_in_training_then_eval_mode(rng, torch):
    for case in range(CASES):
        args = _case(rng)
        x = args["x"]
        layer = (torch.nn.BatchNorm2d if x.ndim == 4 else torch.nn.BatchNorm1d)(
            x.shape[1], eps=args["eps"], momentum=args["momentum"], affine=args["weight"] is not None, dtype=torch.float64)
        with torch.no_grad():
            layer.running_mean.copy_(torch.from_numpy(args["running_mean"]))
            layer.running_var.copy_(torch.from_numpy(args["running_var"]))
            layer.num_batches_tracked.fill_(args["num_batches_tracked"])
            if args["weight"] is not None:
                layer.weight.copy_(torch.from_numpy(args["weight"]))
                layer.bias.copy_(torch.from_numpy(args["bias"]))
            layer.train()
            trained = layer(torch.from_numpy(x)).numpy()
            layer.eval()
            evaluated = layer(torch.from_numpy(x)).numpy()
        step = batch_norm_train(**args)
        np.testing.assert_allclose(step.output, trained, atol=1e-10, err_msg=f"case {case}")
        np.testing.assert_allclose(step.running_mean, layer.running_mean.numpy(), atol=1e-12, err_msg=f"case {case}")
        np.testing.assert_allclose(step.running_var, layer.running_var.numpy(), atol=1e-12, err_msg=f"case {case}")
        ours = batch_norm_eval(x, step.running_mean, step.running_var, args["weight"], args["bias"], args["eps"])
        np.testing.assert_allclose(ours, evaluated, atol=1e-10, err_msg=f"case {case}")
