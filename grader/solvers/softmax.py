"""Softmax and cross-entropy with PyTorch's conventions (``F.softmax``, ``F.cross_entropy``), and its gradient."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["CrossEntropy", "cross_entropy", "smoothed_targets", "softmax"]


def softmax(z, axis: int = -1) -> np.ndarray:
    """``exp(z) / sum(exp(z))`` along ``axis``; the largest logit is subtracted first, so nothing overflows."""
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def smoothed_targets(target: Sequence[int], classes: int, label_smoothing: float = 0.0) -> np.ndarray:
    """The target distribution per example: ``(1 - ε)·one-hot + ε / C`` (PyTorch's ``label_smoothing``)."""
    q = np.full((len(target), classes), label_smoothing / classes)
    q[np.arange(len(target)), list(target)] += 1.0 - label_smoothing
    return q


@dataclass(frozen=True)
class CrossEntropy:
    """Softmax probabilities ``[N, C]``, the loss, and its gradient with respect to the logits ``[N, C]``."""

    probabilities: np.ndarray
    loss: float
    grad: np.ndarray


def cross_entropy(logits, target: Sequence[int], reduction: str = "mean", label_smoothing: float = 0.0,
                  axis: int = -1) -> CrossEntropy:
    """``F.cross_entropy(logits, target, reduction=..., label_smoothing=...)`` for logits ``[N, C]``.

    The loss of example i is ``-sum_c q_ic log p_ic`` (natural log); ``reduction="mean"`` divides the sum
    over examples by N. The gradient is ``(p - q) / N`` (or ``p - q`` for ``"sum"``). ``axis`` is the axis
    the softmax normalises over: the classes (-1); another axis only for a mistake's arithmetic.
    """
    z = np.asarray(logits, dtype=float)
    p = softmax(z, axis=axis)
    q = smoothed_targets(target, z.shape[1], label_smoothing)
    scale = 1.0 / len(z) if reduction == "mean" else 1.0
    # log-softmax from the shifted logits keeps a tiny probability's log finite
    shifted = z - z.max(axis=axis, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return CrossEntropy(p, float(-(q * log_p).sum() * scale), (p - q) * scale)
