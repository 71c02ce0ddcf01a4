"""Convolution and transposed convolution values against loops written straight from the definitions."""

from __future__ import annotations

from itertools import product

import numpy as np
import pytest

from grader.solvers import conv, conv_transpose

CASES = 2000


def _axis_values(rng, dims, low, high):
    """A per-axis setting, sometimes written as one int (both spellings reach the solvers)."""
    values = [int(v) for v in rng.integers(low, high + 1, dims)]
    return values[0] if len(set(values)) == 1 and rng.random() < 0.5 else values


def _per_axis(value, dims):
    return [value] * dims if isinstance(value, int) else list(value)


def _conv_case(rng) -> dict:
    dims = int(rng.integers(1, 3))
    groups = int(rng.choice([1, 1, 2, 3]))
    c_in, c_out = groups * int(rng.integers(1, 3)), groups * int(rng.integers(1, 3))
    kernel = [int(k) for k in rng.integers(1, 4, dims)]
    stride, padding, dilation = _axis_values(rng, dims, 1, 3), _axis_values(rng, dims, 0, 2), _axis_values(rng, dims, 1, 3)
    spans = [d * (k - 1) + 1 - 2 * p for k, d, p in zip(kernel, _per_axis(dilation, dims), _per_axis(padding, dims))]
    sizes = [max(int(rng.integers(1, 8)), span) for span in spans]
    return dict(x=rng.normal(size=(c_in, *sizes)), weight=rng.normal(size=(c_out, c_in // groups, *kernel)),
                bias=rng.normal(size=c_out) if rng.random() < 0.5 else None,
                stride=stride, padding=padding, dilation=dilation, groups=groups)


def _transpose_case(rng) -> dict:
    while True:
        dims = int(rng.integers(1, 3))
        groups = int(rng.choice([1, 1, 2, 3]))
        c_in, c_out = groups * int(rng.integers(1, 3)), groups * int(rng.integers(1, 3))
        kernel = [int(k) for k in rng.integers(1, 4, dims)]
        stride, dilation = [int(v) for v in rng.integers(1, 4, dims)], [int(v) for v in rng.integers(1, 4, dims)]
        padding = [int(v) for v in rng.integers(0, 3, dims)]
        output_padding = [int(rng.integers(0, max(s, d))) for s, d in zip(stride, dilation)]  # PyTorch's rule
        sizes = [int(n) for n in rng.integers(1, 5, dims)]
        outs = [(n - 1) * s - 2 * p + d * (k - 1) + op + 1
                for n, s, p, d, k, op in zip(sizes, stride, padding, dilation, kernel, output_padding)]
        if min(outs) >= 1:
            return dict(x=rng.normal(size=(c_in, *sizes)), weight=rng.normal(size=(c_in, c_out // groups, *kernel)),
                        bias=rng.normal(size=c_out) if rng.random() < 0.5 else None, stride=stride, padding=padding,
                        output_padding=output_padding, dilation=dilation, groups=groups)


def _cross_correlation(x, weight, bias, stride, padding, dilation, groups, flip=False):
    """Sum over the filter's input channels and kernel taps; positions outside the input read 0."""
    dims = x.ndim - 1
    stride, padding, dilation = (_per_axis(v, dims) for v in (stride, padding, dilation))
    kernel, sizes = weight.shape[2:], x.shape[1:]
    outs = [(n + 2 * p - d * (k - 1) - 1) // s + 1 for n, p, d, k, s in zip(sizes, padding, dilation, kernel, stride)]
    per_group_in, per_group_out = x.shape[0] // groups, weight.shape[0] // groups
    xs, ws = x.tolist(), weight.tolist()
    out = np.zeros((weight.shape[0], *outs))
    for o in range(weight.shape[0]):
        group = o // per_group_out
        for pos in product(*map(range, outs)):
            total = 0.0 if bias is None else bias[o]
            for ci in range(per_group_in):
                for tap in product(*map(range, kernel)):
                    where = [pos[a] * stride[a] - padding[a] + tap[a] * dilation[a] for a in range(dims)]
                    if not all(0 <= where[a] < sizes[a] for a in range(dims)):
                        continue  # zero padding
                    read = [kernel[a] - 1 - tap[a] for a in range(dims)] if flip else tap
                    w, v = ws[o][ci], xs[group * per_group_in + ci]
                    for a in range(dims):
                        w, v = w[read[a]], v[where[a]]
                    total += w * v
            out[(o, *pos)] = total
    return out


def _scatter(x, weight, bias, stride, padding, output_padding, dilation, groups):
    """Every input value adds value * kernel at i*stride + tap*dilation - padding, wherever that lands."""
    dims = x.ndim - 1
    kernel, sizes = weight.shape[2:], x.shape[1:]
    outs = [(n - 1) * s - 2 * p + d * (k - 1) + op + 1
            for n, s, p, d, k, op in zip(sizes, stride, padding, dilation, kernel, output_padding)]
    per_group_in, per_group_out = x.shape[0] // groups, weight.shape[1]
    out = np.zeros((per_group_out * groups, *outs))
    for c in range(x.shape[0]):
        group = c // per_group_in
        for i in product(*map(range, sizes)):
            for oo in range(per_group_out):
                for tap in product(*map(range, kernel)):
                    j = tuple(i[a] * stride[a] + tap[a] * dilation[a] - padding[a] for a in range(dims))
                    if all(0 <= j[a] < outs[a] for a in range(dims)):
                        out[(group * per_group_out + oo, *j)] += x[(c, *i)] * weight[(c, oo, *tap)]
    if bias is not None:
        out += np.reshape(bias, (-1,) + (1,) * dims)
    return out


def test_cross_correlation_matches_the_definition(rng):
    for case in range(CASES):
        args = _conv_case(rng)
        np.testing.assert_allclose(conv(**args), _cross_correlation(**args), atol=1e-9, err_msg=f"case {case}: {args}")


def test_convolution_flips_the_kernel(rng):
    for case in range(CASES // 4):
        args = _conv_case(rng)
        np.testing.assert_allclose(conv(**args, flip=True), _cross_correlation(**args, flip=True), atol=1e-9,
                                   err_msg=f"case {case}: {args}")


def test_transposed_convolution_matches_the_scatter_loop(rng):
    for case in range(CASES):
        args = _transpose_case(rng)
        np.testing.assert_allclose(conv_transpose(**args), _scatter(**args), atol=1e-9, err_msg=f"case {case}: {args}")


def test_transposed_convolution_is_the_adjoint_of_convolution(rng):
    """<conv(x), y> = <x, conv_transpose(y)> with the same weight, when output_padding restores x's size."""
    for case in range(CASES // 2):
        args = _conv_case(rng) | {"bias": None}
        x = args.pop("x")
        y = rng.normal(size=conv(x, **args).shape)
        dims = x.ndim - 1
        stride, padding, dilation = (_per_axis(args[k], dims) for k in ("stride", "padding", "dilation"))
        extra = [(n + 2 * p - d * (k - 1) - 1) % s
                 for n, p, d, k, s in zip(x.shape[1:], padding, dilation, args["weight"].shape[2:], stride)]
        back = conv_transpose(y, output_padding=extra, **args)
        assert back.shape == x.shape, f"case {case}"
        assert np.vdot(conv(x, **args), y) == pytest.approx(np.vdot(x, back), rel=1e-9, abs=1e-9), f"case {case}"


def test_the_seed_exercise():
    kernel = [[1, 2, 3], [2, 3, 4], [3, 4, 5]]
    out = conv_transpose(np.array([[[1, 2], [0, 1]]]), np.array([[kernel]]))
    assert out.tolist() == [[[1, 4, 7, 6], [2, 8, 12, 11], [3, 12, 16, 14], [0, 3, 4, 5]]]


@pytest.mark.oracle
def test_conv_matches_pytorch(rng):
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    for case in range(300):
        args = _conv_case(rng)
        flip = bool(rng.random() < 0.2)
        weight = np.flip(args["weight"], axis=tuple(range(2, args["weight"].ndim))) if flip else args["weight"]
        dims = args["x"].ndim - 1
        layer = functional.conv1d if dims == 1 else functional.conv2d
        expected = layer(torch.from_numpy(args["x"][None]), torch.from_numpy(weight.copy()),
                         None if args["bias"] is None else torch.from_numpy(args["bias"]),
                         stride=args["stride"], padding=args["padding"], dilation=args["dilation"], groups=args["groups"])
        np.testing.assert_allclose(conv(**args, flip=flip), expected[0].numpy(), atol=1e-9, err_msg=f"case {case}")


@pytest.mark.oracle
def test_conv_transpose_matches_pytorch(rng):
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    for case in range(300):
        args = _transpose_case(rng)
        layer = functional.conv_transpose1d if args["x"].ndim == 2 else functional.conv_transpose2d
        expected = layer(torch.from_numpy(args["x"][None]), torch.from_numpy(args["weight"]),
                         None if args["bias"] is None else torch.from_numpy(args["bias"]),
                         stride=args["stride"], padding=args["padding"], output_padding=args["output_padding"],
                         groups=args["groups"], dilation=args["dilation"])
        np.testing.assert_allclose(conv_transpose(**args), expected[0].numpy(), atol=1e-9, err_msg=f"case {case}")
