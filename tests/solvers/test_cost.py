"""Conv costs against a loop that counts every multiply of a naive convolution, and PyTorch's FLOP counter."""

from __future__ import annotations

import math
from itertools import product

import pytest

from grader.solvers.cost import BYTES, conv_cost

CASES = 2000


def _case(rng, small: bool) -> dict:
    while True:
        dims = int(rng.integers(1, 3))
        groups = int(rng.choice([1, 1, 2, 3]))
        c_in, c_out = groups * int(rng.integers(1, 3 if small else 9)), groups * int(rng.integers(1, 3 if small else 9))
        kernel, stride = [int(k) for k in rng.integers(1, 4, dims)], [int(s) for s in rng.integers(1, 4, dims)]
        padding, dilation = [int(p) for p in rng.integers(0, 3, dims)], [int(d) for d in rng.integers(1, 3, dims)]
        size = [int(n) for n in rng.integers(1, 8 if small else 64, dims)]
        if all(d * (k - 1) + 1 <= n + 2 * p for n, k, p, d in zip(size, kernel, padding, dilation)):
            return dict(batch=int(rng.integers(1, 3 if small else 9)), in_channels=c_in, size=size, out_channels=c_out,
                        kernel=kernel, stride=stride, padding=padding, dilation=dilation, groups=groups,
                        bias=bool(rng.integers(2)))


def _count_by_loops(batch, in_channels, size, out_channels, kernel, stride, padding, dilation, groups, bias):
    """Walk a naive convolution: every example, output channel and position, every input channel of the
    filter's group and every tap (padded ones too), counting one multiply-accumulate each."""
    outs = []
    for n, k, s, p, d in zip(size, kernel, stride, padding, dilation):
        positions, start = 0, 0
        while start + d * (k - 1) <= n + 2 * p - 1:  # the window still fits in the padded input
            positions, start = positions + 1, start + s
        outs.append(positions)
    macs = values = 0
    for _example, _channel in product(range(batch), range(out_channels)):
        for _position in product(*map(range, outs)):
            values += 1
            for _c, _tap in product(range(in_channels // groups), product(*map(range, kernel))):
                macs += 1
    return [batch, out_channels, *outs], macs, values if bias else 0


def test_matches_counting_every_multiply_of_a_naive_convolution(rng):
    for case in range(CASES // 4):
        args = _case(rng, small=True)
        cost = conv_cost(**args)
        shape, macs, adds = _count_by_loops(**args)
        assert (list(cost.output_shape), cost.macs, cost.bias_adds) == (shape, macs, adds), case
        assert cost.flops == 2 * macs + adds


def test_alexnet_conv1():
    # 227 x 227 x 3 -> 96 x 55 x 55 with 11 x 11 kernels, stride 4: 55² · 96 · 363 MACs
    cost = conv_cost(1, 3, [227, 227], 96, [11, 11], [4, 4], [0, 0], [1, 1])
    assert cost.output_shape == (1, 96, 55, 55) and cost.macs == 105_415_200
    assert cost.flops == 2 * 105_415_200 + 96 * 55 * 55 and cost.outputs * BYTES["float32"] == 1_161_600


@pytest.mark.oracle
def test_matches_pytorch_flop_counter_and_tensor_sizes(rng, torch):
    from torch.utils.flop_counter import FlopCounterMode

    dtypes = {"float64": torch.float64, "float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16,
              "int8": torch.int8}
    for case in range(CASES):
        args = _case(rng, small=False)
        conv = (torch.nn.Conv1d if len(args["size"]) == 1 else torch.nn.Conv2d)(
            args["in_channels"], args["out_channels"], args["kernel"], args["stride"], args["padding"], args["dilation"],
            args["groups"], args["bias"], device="meta")
        with FlopCounterMode(display=False) as counter:  # counts 2 per multiply-add of the convolution, no bias
            y = conv(torch.empty(args["batch"], args["in_channels"], *args["size"], device="meta"))
        cost = conv_cost(**args)
        assert tuple(y.shape) == cost.output_shape, case
        assert counter.get_total_flops() == 2 * cost.macs, case
        assert cost.bias_adds == (y.numel() if args["bias"] else 0)
        name = str(rng.choice(list(dtypes)))
        assert cost.outputs * BYTES[name] == y.numel() * torch.empty(0, dtype=dtypes[name]).element_size()
        assert math.prod(cost.output_shape) == cost.outputs
