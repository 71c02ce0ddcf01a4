"""A small fully connected network, forward and backward, as PyTorch's ``nn.Linear`` layers compute it.

Each layer maps ``h -> act(W h + b)`` with ``W`` of shape ``[out, in]`` (PyTorch's layout). Backward
propagates ``dL/d(output)`` to every weight and bias by the chain rule.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from grader.solvers.softmax import cross_entropy

__all__ = ["ACTIVATIONS", "Forward", "Gradients", "activate", "activation_slope", "loss_and_slope", "mlp_backward",
           "mlp_forward"]

ACTIVATIONS = ("relu", "sigmoid", "tanh", "identity")


def activate(name: str, z: np.ndarray) -> np.ndarray:
    z = np.asarray(z, dtype=float)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "sigmoid":
        return np.exp(-np.logaddexp(0.0, -z))  # = 1 / (1 + e^-z), without overflowing for a large -z
    if name == "tanh":
        return np.tanh(z)
    if name == "identity":
        return z
    raise ValueError(f"unknown activation {name!r}")


def activation_slope(name: str, z: np.ndarray) -> np.ndarray:
    """d act / dz at the pre-activation ``z`` (ReLU's slope at 0 is 0, as in PyTorch)."""
    z = np.asarray(z, dtype=float)
    if name == "relu":
        return (z > 0).astype(float)
    if name == "sigmoid":
        s = activate("sigmoid", z)
        return s * (1.0 - s)
    if name == "tanh":
        return 1.0 - np.tanh(z) ** 2
    if name == "identity":
        return np.ones_like(z)
    raise ValueError(f"unknown activation {name!r}")


@dataclass(frozen=True)
class Forward:
    """Every layer's pre-activation ``z`` and activation ``h`` (``inputs[l]`` is what layer l reads)."""

    inputs: list[np.ndarray]
    pre: list[np.ndarray]
    post: list[np.ndarray]

    @property
    def output(self) -> np.ndarray:
        return self.post[-1]


@dataclass(frozen=True)
class Gradients:
    """dL/dW and dL/db per layer, and dL/dz (the layer's "delta") per layer."""

    weight: list[np.ndarray]
    bias: list[np.ndarray]
    delta: list[np.ndarray]


Layer = tuple[np.ndarray, np.ndarray | None, str]  # (W [out, in], b [out] or None, activation)


def mlp_forward(x: Sequence[float], layers: Sequence[Layer]) -> Forward:
    inputs, pre, post = [], [], []
    h = np.asarray(x, dtype=float)
    for w, b, act in layers:
        inputs.append(h)
        z = np.asarray(w, dtype=float) @ h + (0.0 if b is None else np.asarray(b, dtype=float))
        h = activate(act, z)
        pre.append(z)
        post.append(h)
    return Forward(inputs, pre, post)


def mlp_backward(layers: Sequence[Layer], forward: Forward, d_output: np.ndarray,
                 slope: Callable[[str, np.ndarray], np.ndarray] = activation_slope,
                 layer_input: Callable[[Forward, int], np.ndarray] | None = None) -> Gradients:
    """Back-propagate ``dL/d(output)``.

    ``slope(activation, z)`` and ``layer_input(forward, l)`` default to the truth (the activation's
    derivative at z; the activation the layer read); the named mistakes swap one of them.
    """
    reads = layer_input or (lambda f, i: f.inputs[i])
    weights: list[np.ndarray] = []  # from the last layer back, reversed at the end
    deltas: list[np.ndarray] = []
    grad_h = np.asarray(d_output, dtype=float)
    for i in reversed(range(len(layers))):
        w, _, act = layers[i]
        delta = grad_h * slope(act, forward.pre[i])
        weights.append(np.outer(delta, reads(forward, i)))
        deltas.append(delta)
        grad_h = np.asarray(w, dtype=float).T @ delta
    return Gradients(weights[::-1], deltas[::-1], deltas[::-1])


def loss_and_slope(kind: str, output: np.ndarray, target) -> tuple[float, np.ndarray]:
    """The loss and dL/d(output): ``"mse"`` is ``nn.MSELoss()`` (the mean over the D outputs of the squared
    error, no 1/2); ``"cross_entropy"`` is ``nn.CrossEntropyLoss()`` of one example whose logits are the output."""
    y = np.asarray(output, dtype=float)
    if kind == "mse":
        t = np.asarray(target, dtype=float)
        return float(np.mean((y - t) ** 2)), 2.0 * (y - t) / y.size
    if kind == "cross_entropy":
        result = cross_entropy(y[None], [int(target)])
        return result.loss, result.grad[0]
    raise ValueError(f"unknown loss {kind!r}")
