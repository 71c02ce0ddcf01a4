"""Convolution and transposed convolution values, PyTorch semantics, for 1-D and 2-D inputs.

Tensors are channels first without a batch axis: input ``(C_in, *spatial)``; convolution weights
``(C_out, C_in / groups, *kernel)``; transposed-convolution weights ``(C_in, C_out / groups, *kernel)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["conv", "conv_transpose"]


def _per_axis(value: int | Sequence[int], nd: int) -> tuple[int, ...]:
    return (value,) * nd if isinstance(value, (int, np.integer)) else tuple(int(v) for v in value)


def conv(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
    flip: bool = False,
) -> np.ndarray:
    """Cross-correlation as in ``torch.nn.functional.conv{1,2}d``; ``flip=True`` gives true convolution."""
    x = np.asarray(x, dtype=float)
    weight = np.asarray(weight, dtype=float)
    nd = x.ndim - 1
    stride, padding, dilation = (_per_axis(v, nd) for v in (stride, padding, dilation))
    kernel = weight.shape[2:]
    if flip:
        weight = np.flip(weight, axis=tuple(range(2, 2 + nd)))
    x = np.pad(x, [(0, 0)] + [(p, p) for p in padding])
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    windows = sliding_window_view(x, spans, axis=tuple(range(1, 1 + nd)))
    take = (slice(None),) + tuple(slice(None, None, s) for s in stride) + tuple(slice(None, None, d) for d in dilation)
    windows = windows[take]  # (C_in, *out, *kernel)
    c_in, c_out = x.shape[0] // groups, weight.shape[0] // groups
    out = np.concatenate([
        np.tensordot(weight[g * c_out:(g + 1) * c_out], windows[g * c_in:(g + 1) * c_in],
                     axes=([1, *range(2, 2 + nd)], [0, *range(1 + nd, 1 + 2 * nd)]))
        for g in range(groups)
    ])
    if bias is not None:
        out += np.asarray(bias, dtype=float).reshape((-1,) + (1,) * nd)
    return out


def conv_transpose(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    output_padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
) -> np.ndarray:
    """Transposed convolution as in ``torch.nn.functional.conv_transpose{1,2}d``.

    Every input value scatters ``value * kernel`` into the output at ``i * stride`` (kernel taps
    ``dilation`` apart); then ``padding`` is cropped from both ends and ``output_padding`` extra
    positions are kept at the far end.
    """
    x = np.asarray(x, dtype=float)
    weight = np.asarray(weight, dtype=float)
    nd = x.ndim - 1
    stride, padding, output_padding, dilation = (_per_axis(v, nd) for v in (stride, padding, output_padding, dilation))
    kernel = weight.shape[2:]
    sizes = x.shape[1:]
    c_in, c_out = x.shape[0] // groups, weight.shape[1]
    full = [(n - 1) * s + d * (k - 1) + 1 + op for n, s, d, k, op in zip(sizes, stride, dilation, kernel, output_padding)]
    out = np.zeros((c_out * groups, *full))
    for tap in np.ndindex(*kernel):
        where = tuple(slice(t * d, t * d + (n - 1) * s + 1, s) for t, d, n, s in zip(tap, dilation, sizes, stride))
        for g in range(groups):
            w = weight[(slice(g * c_in, (g + 1) * c_in), slice(None)) + tap]  # (c_in, c_out)
            out[(slice(g * c_out, (g + 1) * c_out),) + where] += np.tensordot(w, x[g * c_in:(g + 1) * c_in], axes=([0], [0]))
    out = out[(slice(None),) + tuple(slice(p, f - p) for p, f in zip(padding, full))]
    if bias is not None:
        out += np.asarray(bias, dtype=float).reshape((-1,) + (1,) * nd)
    return out
