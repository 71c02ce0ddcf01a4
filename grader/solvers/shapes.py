"""Output sizes along one axis: convolution, transposed convolution, pooling, and repeated layers.

All follow PyTorch's conventions (``torch.nn.Conv*d``, ``ConvTranspose*d``, ``MaxPool*d``).
"""

from __future__ import annotations

import math

__all__ = ["conv_output_size", "conv_transpose_output_size", "layers_to_size", "pool_output_size"]


def conv_output_size(n: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """``floor((n + 2p - d(k - 1) - 1) / s) + 1``; may be < 1 when the kernel does not fit."""
    return (n + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def conv_transpose_output_size(
    n: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1, output_padding: int = 0
) -> int:
    """``(n - 1)s - 2p + d(k - 1) + output_padding + 1``."""
    return (n - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


def pool_output_size(
    n: int, kernel: int, stride: int, padding: int = 0, dilation: int = 1, ceil_mode: bool = False
) -> int:
    """Pooling output size; with ``ceil_mode`` the last window must start inside the input or left padding."""
    span = n + 2 * padding - dilation * (kernel - 1) - 1
    out = (math.ceil(span / stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= n + padding:
        out -= 1
    return out


def layers_to_size(
    n: int, target: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1, max_layers: int = 10_000
) -> int | None:
    """How many identical conv layers take size ``n`` exactly to ``target``; ``None`` if none do."""
    layers = 0
    while n != target:
        nxt = conv_output_size(n, kernel, stride, padding, dilation)
        if nxt < 1 or nxt == n or layers >= max_layers or (nxt > n) != (target > n):
            return None
        if (target < n and nxt < target) or (target > n and nxt > target):
            return None
        n, layers = nxt, layers + 1
    return layers
