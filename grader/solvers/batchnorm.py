"""Batch normalisation as ``nn.BatchNorm1d`` / ``nn.BatchNorm2d`` compute it, in training and eval mode.

The input is ``[N, C]``, ``[N, C, L]`` or ``[N, C, H, W]``: each channel is normalised over the batch and
every position. Training mode normalises with the batch's own mean and biased variance, and moves the
running estimates towards the batch's mean and *unbiased* variance:
``running = (1 - momentum) * running + momentum * batch`` (``momentum=None``: a cumulative average,
factor ``1 / num_batches_tracked`` after the step). Eval mode normalises with the running estimates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["BatchNormStep", "batch_norm_eval", "batch_norm_train", "channel_stats"]


def _per_channel(v, ndim: int) -> np.ndarray:
    return np.asarray(v, dtype=float).reshape((1, -1) + (1,) * (ndim - 2))


def channel_stats(x, unbiased: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Each channel's mean and variance over the batch and every position (the axes other than 1)."""
    x = np.asarray(x, dtype=float)
    axes = (0, *range(2, x.ndim))
    return x.mean(axis=axes), x.var(axis=axes, ddof=1 if unbiased else 0)


def batch_norm_eval(x, mean, var, weight=None, bias=None, eps: float = 1e-5) -> np.ndarray:
    """``weight * (x - mean) / sqrt(var + eps) + bias``, per channel."""
    x = np.asarray(x, dtype=float)
    y = (x - _per_channel(mean, x.ndim)) / np.sqrt(_per_channel(var, x.ndim) + eps)
    if weight is not None:
        y = y * _per_channel(weight, x.ndim)
    if bias is not None:
        y = y + _per_channel(bias, x.ndim)
    return y


@dataclass(frozen=True)
class BatchNormStep:
    """One training-mode step: the output and the running estimates after it."""

    output: np.ndarray
    running_mean: np.ndarray
    running_var: np.ndarray


def batch_norm_train(x, running_mean, running_var, weight=None, bias=None, momentum: float | None = 0.1,
                     eps: float = 1e-5, num_batches_tracked: int = 0) -> BatchNormStep:
    mean, var = channel_stats(x)
    _, unbiased = channel_stats(x, unbiased=True)
    factor = 1.0 / (num_batches_tracked + 1) if momentum is None else momentum
    return BatchNormStep(
        batch_norm_eval(x, mean, var, weight, bias, eps),
        (1 - factor) * np.asarray(running_mean, dtype=float) + factor * mean,
        (1 - factor) * np.asarray(running_var, dtype=float) + factor * unbiased,
    )
