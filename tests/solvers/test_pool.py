"""Pooling values against window loops written straight from PyTorch's definitions."""

from __future__ import annotations

import math
from itertools import product

import numpy as np
import pytest

from grader.solvers import pool

CASES = 2000


def _case(rng) -> dict:
    while True:
        dims = int(rng.integers(1, 3))
        mode = str(rng.choice(["max", "avg"]))
        kernel = [int(k) for k in rng.integers(1, 5, dims)]
        stride = None if rng.random() < 0.3 else [int(s) for s in rng.integers(1, 4, dims)]
        padding = [int(rng.integers(0, k // 2 + 1)) for k in kernel]  # PyTorch: at most half the kernel
        dilation = [int(d) for d in rng.integers(1, 4, dims)] if mode == "max" else [1] * dims
        sizes = [int(n) for n in rng.integers(1, 9, dims)]
        if all(n + 2 * p >= d * (k - 1) + 1 for n, p, d, k in zip(sizes, padding, dilation, kernel)):
            break
    values = rng.integers(-5, 6, size=(int(rng.integers(1, 3)), *sizes)) if rng.random() < 0.5 else rng.normal(size=(1, *sizes))
    return dict(x=values.astype(float), mode=mode, kernel=kernel, stride=stride, padding=padding, dilation=dilation,
                ceil_mode=bool(rng.random() < 0.5), count_include_pad=bool(rng.random() < 0.5))


def _out_size(n, k, s, p, d, ceil_mode):
    """PyTorch's pooling_output_shape: with ceil_mode a last window must start before the right padding."""
    span = n + 2 * p - d * (k - 1) - 1
    out = (math.ceil(span / s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def _windows(x, mode, kernel, stride, padding, dilation, ceil_mode, count_include_pad):
    """Each window's in-bounds values; avg divides by PyTorch's count, clipped to the padded extent."""
    dims = x.ndim - 1
    stride = kernel if stride is None else stride
    sizes = x.shape[1:]
    outs = [_out_size(*a, ceil_mode) for a in zip(sizes, kernel, stride, padding, dilation)]
    out = np.zeros((x.shape[0], *outs))
    for c in range(x.shape[0]):
        for pos in product(*map(range, outs)):
            starts = [pos[a] * stride[a] - padding[a] for a in range(dims)]
            seen = []
            for tap in product(*map(range, kernel)):
                where = tuple(starts[a] + tap[a] * dilation[a] for a in range(dims))
                if all(0 <= where[a] < sizes[a] for a in range(dims)):
                    seen.append(x[(c, *where)])
            if mode == "max":
                out[(c, *pos)] = max(seen, default=-math.inf)  # PyTorch's answer for a window of padding only
                continue
            ends = [min(starts[a] + kernel[a], sizes[a] + padding[a]) for a in range(dims)]
            with_pad = math.prod(e - s for s, e in zip(starts, ends))
            inside = math.prod(min(e, n) - max(s, 0) for s, e, n in zip(starts, ends, sizes))
            out[(c, *pos)] = sum(seen) / (with_pad if count_include_pad else inside)
    return out


def test_pooling_matches_the_window_loops(rng):
    for case in range(CASES):
        args = _case(rng)
        np.testing.assert_allclose(pool(**args), _windows(**args), atol=1e-12, err_msg=f"case {case}: {args}")


def test_stride_defaults_to_the_kernel_size():
    x = np.arange(16.0).reshape(1, 4, 4)
    assert pool(x, "max", 2).tolist() == [[[5, 7], [13, 15]]]
    assert pool(x, "avg", 2, stride=None).tolist() == [[[2.5, 4.5], [10.5, 12.5]]]


def test_padding_never_wins_a_max_and_avg_divisors_follow_count_include_pad():
    x = -np.ones((1, 3))
    assert pool(x, "max", 2, stride=2, padding=1).tolist() == [[-1, -1]]
    assert pool(x, "avg", 2, stride=2, padding=1, count_include_pad=True).tolist() == [[-0.5, -1]]
    assert pool(x, "avg", 2, stride=2, padding=1, count_include_pad=False).tolist() == [[-1, -1]]


@pytest.mark.oracle
def test_pooling_matches_pytorch(rng):
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    for case in range(400):
        args = _case(rng)
        x = torch.from_numpy(args["x"][None])
        dims = x.dim() - 2
        stride = args["stride"] if args["stride"] is not None else args["kernel"]
        if args["mode"] == "max":
            layer = functional.max_pool1d if dims == 1 else functional.max_pool2d
            expected = layer(x, args["kernel"], stride, args["padding"], args["dilation"], ceil_mode=args["ceil_mode"])
        else:
            layer = functional.avg_pool1d if dims == 1 else functional.avg_pool2d
            expected = layer(x, args["kernel"], stride, args["padding"], ceil_mode=args["ceil_mode"],
                             count_include_pad=args["count_include_pad"])
        np.testing.assert_allclose(pool(**args), expected[0].numpy(), atol=1e-12, err_msg=f"case {case}: {args}")
