"""Max and average pooling values, PyTorch semantics (padding, dilation, ceil_mode, count_include_pad)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from grader.solvers.conv import _per_axis
from grader.solvers.shapes import pool_output_size

__all__ = ["pool", "pool_divisors"]


def pool(
    x: np.ndarray,
    mode: str,
    kernel: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> np.ndarray:
    """Pool ``x`` of shape ``(C, *spatial)`` with ``mode`` ``"max"`` or ``"avg"``."""
    x = np.asarray(x, dtype=float)
    nd = x.ndim - 1
    kernel = _per_axis(kernel, nd)
    stride = kernel if stride is None else _per_axis(stride, nd)
    padding, dilation = _per_axis(padding, nd), _per_axis(dilation, nd)
    sizes = x.shape[1:]
    outs = [pool_output_size(n, k, s, p, d, ceil_mode) for n, k, s, p, d in zip(sizes, kernel, stride, padding, dilation)]
    if min(outs) < 1:  # no window fits (a mistake's arithmetic can ask for this): an empty output
        return np.zeros((x.shape[0], *[max(o, 0) for o in outs]))
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    # pad the far end enough for ceil_mode's last window, which may run past the padding
    far = [max(p, (o - 1) * s + span - n - p) for o, s, span, n, p in zip(outs, stride, spans, sizes, padding)]
    fill = -np.inf if mode == "max" else 0.0
    padded = np.pad(x, [(0, 0)] + list(zip(padding, far)), constant_values=fill)
    windows = sliding_window_view(padded, spans, axis=tuple(range(1, 1 + nd)))
    take = (slice(None),) + tuple(slice(None, (o - 1) * s + 1, s) for o, s in zip(outs, stride)) \
        + tuple(slice(None, None, d) for d in dilation)
    windows = windows[take]
    kernel_axes = tuple(range(1 + nd, 1 + 2 * nd))
    if mode == "max":
        return windows.max(axis=kernel_axes)
    return windows.sum(axis=kernel_axes) / pool_divisors(outs, kernel, stride, padding, sizes, count_include_pad)


def pool_divisors(outs, kernel, stride, padding, sizes, count_include_pad) -> np.ndarray:
    """Average pooling's divisor for every output position: the window's positions inside the input,
    or with ``count_include_pad`` inside the padding too (never past the padding's far edge)."""
    per_axis = []
    for o, k, s, p, n in zip(outs, kernel, stride, padding, sizes):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)
        if count_include_pad:
            per_axis.append(end - start)
        else:
            per_axis.append(np.minimum(end, n) - np.maximum(start, 0))
    total = per_axis[0].astype(float)
    for counts in per_axis[1:]:
        total = np.multiply.outer(total, counts)
    return total
