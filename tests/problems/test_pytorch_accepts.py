"""Every parameter set PyTorch accepts is a valid variant with the answer PyTorch gives, and a set it
refuses is refused too: random cases drawn wider than the default spaces (more channels, longer axes,
deeper networks, a target already reached, a pixel far from the point), against PyTorch's CPU build.

Hand-computability is the default spaces' business (and ``autograde variants`` warns past it); the
parameters themselves refuse only what PyTorch refuses or what would overload the grader.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from grader.errors import ParamsError
from grader.problems import get_family

pytestmark = pytest.mark.oracle
CASES = 2000


def _pick(rng, *values):
    return values[int(rng.integers(len(values)))]


def _accepts(family, params) -> tuple[object | None, str]:
    try:
        return family.params(params), ""
    except ParamsError as exc:
        return None, str(exc)


def _agree(family, params: dict, pytorch, case: int):
    """The family accepts ``params`` exactly when ``pytorch()`` computes, and then gives its values;
    the accepted parameters, or None."""
    accepted, why = _accepts(family, params)
    try:
        expected = pytorch()[0]
    except RuntimeError:  # PyTorch refuses (a kernel larger than the padded input, say): so must we
        assert accepted is None, (case, "accepted what PyTorch refuses")
        return None
    if accepted is None and not expected.isfinite().all():  # a pool window of padding only: no number to give
        return None
    assert accepted is not None, (case, why)
    np.testing.assert_allclose(family.answer(accepted), expected.numpy(), atol=1e-9, err_msg=f"case {case}")
    return accepted


def _tensors(torch, *arrays):
    return [None if a is None else torch.tensor(a, dtype=torch.float64) for a in arrays]


def test_conv_values_takes_every_convolution_pytorch_computes(rng, torch):
    family, functional = get_family("conv_values"), torch.nn.functional
    solved = 0
    for case in range(CASES):
        dims, groups = _pick(rng, 1, 2), _pick(rng, 1, 1, 2, 3)
        c_in, c_out = groups * int(rng.integers(1, 3)), groups * int(rng.integers(1, 4))  # up to 9 output channels
        sizes = [int(n) for n in rng.integers(1, 17, dims)]
        kernel = [int(k) for k in rng.integers(1, 5, dims)]
        args = {"stride": int(rng.integers(1, 5)), "padding": int(rng.integers(0, 4)), "dilation": int(rng.integers(1, 4))}
        x = rng.integers(-3, 4, (c_in, *sizes))
        w = rng.integers(-3, 4, (c_out, c_in // groups, *kernel))
        bias = rng.integers(-3, 4, c_out) if rng.random() < 0.5 else None
        params = {"dims": dims, "input": x.tolist(), "weight": w.tolist(), "groups": groups,
                  "bias": None if bias is None else bias.tolist(), **args}
        layer = functional.conv1d if dims == 1 else functional.conv2d
        solved += _agree(family, params, lambda: layer(*_tensors(torch, x[None], w, bias), groups=groups, **args), case) is not None
    assert solved > CASES * 3 // 4


def test_conv_transpose_values_takes_every_transposed_convolution_pytorch_computes(rng, torch):
    family, functional = get_family("conv_transpose_values"), torch.nn.functional
    solved = big = 0
    for case in range(CASES):
        dims, groups = _pick(rng, 1, 2), _pick(rng, 1, 1, 2, 3)
        c_in, c_out = groups * int(rng.integers(1, 3)), groups * int(rng.integers(1, 4))
        sizes = [int(n) for n in rng.integers(1, 7, dims)]
        kernel = [int(k) for k in rng.integers(1, 5, dims)]
        stride, dilation = int(rng.integers(1, 5)), int(rng.integers(1, 4))
        args = {"stride": stride, "dilation": dilation, "padding": int(rng.integers(0, 4)),
                "output_padding": int(rng.integers(0, max(stride, dilation) + 1))}  # max(s, d) itself is refused
        x = rng.integers(-3, 4, (c_in, *sizes))
        w = rng.integers(-3, 4, (c_in, c_out // groups, *kernel))
        bias = rng.integers(-3, 4, c_out) if rng.random() < 0.5 else None
        params = {"dims": dims, "input": x.tolist(), "weight": w.tolist(), "groups": groups,
                  "bias": None if bias is None else bias.tolist(), **args}
        layer = functional.conv_transpose1d if dims == 1 else functional.conv_transpose2d
        accepted = _agree(family, params, lambda: layer(*_tensors(torch, x[None], w, bias), groups=groups, **args), case)
        solved += accepted is not None
        big += accepted is not None and family.module.too_big_by_hand(accepted) is not None
    assert solved > CASES // 2 and big > 50  # outputs past 12 entries or 4 channels were among them


def test_param_count_takes_networks_of_any_depth(rng, torch):
    from tests.solvers.test_params import EMPTY, WEIGHTED, random_layer, torch_module

    family = get_family("param_count")
    kinds = [k for k in WEIGHTED + EMPTY if k not in ("locally_connected2d", "relu", "flatten")]  # no torch module
    for case in range(CASES // 10):
        layers = [random_layer(rng, kinds[int(rng.integers(len(kinds)))]) for _ in range(int(rng.integers(1, 61)))]
        for layer in layers:  # one kernel size per axis of a 1-d layer
            if layer["type"].endswith("1d") and isinstance(layer.get("kernel_size"), list):
                layer["kernel_size"] = layer["kernel_size"][:1]
        params = family.params({"layers": layers})
        with torch.device("meta"):
            expected = [sum(p.numel() for p in torch_module(torch, layer).parameters()) for layer in layers]
        assert family.answer(params) == {"total": sum(expected), "per_layer": expected}, case
        assert (family.module.too_big_by_hand(params) is not None) == (len(layers) > 20)


def _stack_depth(torch, n, target, k, s, p, d, limit):
    """Apply Conv1d(k, s, p, d) to a length-n signal until it has length ``target``; None if it never does."""
    x = torch.zeros(1, 1, n, device="meta")
    conv = torch.nn.Conv1d(1, 1, k, s, p, d, device="meta")
    for depth in range(limit + 1):
        if x.shape[-1] == target:
            return depth
        try:
            y = conv(x)
        except RuntimeError:  # the kernel no longer fits
            return None
        if y.shape[-1] == x.shape[-1]:
            return None
        x = y
    return None


def test_layers_to_size_takes_a_reached_target_and_a_kernel_that_does_not_fit(rng, torch):
    family = get_family("layers_to_size")
    zero = none_at_first = 0
    for case in range(CASES):
        n, k, s, p, d = (int(rng.integers(1, 40)), int(rng.integers(1, 12)), _pick(rng, 1, 1, 2, 3),
                         int(rng.integers(0, 4)), _pick(rng, 1, 1, 2))
        target = _pick(rng, n, int(rng.integers(1, n + 8)))
        params, why = _accepts(family, {"input_size": n, "target_size": target, "kernel_size": k, "stride": s,
                                        "padding": p, "dilation": d, "max_layers": 60})
        assert params is not None, (case, why)
        expected = _stack_depth(torch, n, target, k, s, p, d, 60)
        assert family.answer(params) == expected, (case, n, target, k, s, p, d)
        zero += expected == 0
        none_at_first += d * (k - 1) + 1 > n + 2 * p and target != n
    assert zero > 100 and none_at_first > 50


def test_bilinear_weight_takes_any_pixel_and_matches_grid_sample_and_its_gradient(rng, torch):
    family, functional = get_family("bilinear_weight"), torch.nn.functional
    far = 0
    for case in range(CASES):
        x, y = (round(float(rng.uniform(0.05, 7.95)), 2) for _ in range(2))
        if x.is_integer() or y.is_integer():
            continue
        pixel = [int(math.floor(v)) + int(rng.integers(-2, 4)) for v in (x, y)]
        params, why = _accepts(family, {"x": x, "y": y, "pixel": pixel})
        assert params is not None, (case, why)
        # a one-hot image sampled at (x, y): grid_sample's bilinear weight of that pixel; 16 columns and
        # rows cover every pixel drawn, shifted by 4 so that none is negative
        image = torch.zeros(1, 1, 16, 16, dtype=torch.float64)
        image[0, 0, pixel[1] + 4, pixel[0] + 4] = 1.0
        point = torch.tensor([x + 4, y + 4], dtype=torch.float64, requires_grad=True)
        grid = (point / 15 * 2 - 1).view(1, 1, 1, 2)  # align_corners=True: pixel centres at -1 ... 1
        weight = functional.grid_sample(image, grid, mode="bilinear", padding_mode="zeros", align_corners=True)[0, 0, 0, 0]
        weight.backward()
        expected = [weight.item(), *point.grad.tolist()]
        got = family.answer(params)
        np.testing.assert_allclose([got["weight"], got["dweight_dx"], got["dweight_dy"]], expected, atol=1e-9,
                                   err_msg=f"case {case}: {x}, {y}, {pixel}")
        far += not params.neighbour()
    assert far > CASES // 2


def test_pool_values_takes_every_window_pytorch_pools(rng, torch):
    family, functional = get_family("pool_values"), torch.nn.functional
    solved = 0
    for case in range(CASES):
        dims, mode = _pick(rng, 1, 2), _pick(rng, "max", "avg")
        kernel = int(rng.integers(1, 7))
        args = {"kernel_size": kernel, "stride": _pick(rng, None, int(rng.integers(1, 6))),
                "padding": int(rng.integers(0, kernel // 2 + 1)), "ceil_mode": bool(rng.integers(2))}
        extra = {"dilation": int(rng.integers(1, 4))} if mode == "max" else {"count_include_pad": bool(rng.integers(2))}
        x = rng.integers(-5, 6, (int(rng.integers(1, 7)), *rng.integers(1, 17, dims)))
        layer = getattr(functional, f"{mode}_pool{dims}d")
        params = {"dims": dims, "mode": mode, "input": x.tolist(), **args, **extra}
        solved += _agree(family, params, lambda: layer(*_tensors(torch, x[None]), **args, **extra), case) is not None
    assert solved > CASES // 2
