"""The cost of convolution layers: multiply-accumulates, FLOPs and the memory of their outputs.

Conventions (stated in every statement that uses them):
- a MAC is one multiply and one add: every output value of a convolution takes (C_in / groups) x k_h x k_w
  MACs, padded positions included (a dense implementation multiplies the zeros too);
- FLOPs = 2 x MACs, plus one add per output value for the bias when the layer has one;
- activation memory is the bytes of every layer's output, batch included (what backpropagation keeps),
  at the stated bytes per value; the input is not counted.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from grader.solvers.shapes import conv_output_size

__all__ = ["BYTES", "ConvCost", "conv_cost"]

BYTES = {"float64": 8, "float32": 4, "float16": 2, "bfloat16": 2, "int8": 1}


@dataclass(frozen=True)
class ConvCost:
    """One layer's output shape ``[N, C_out, *size]`` and its cost."""

    output_shape: tuple[int, ...]
    macs: int
    bias_adds: int

    @property
    def outputs(self) -> int:
        return math.prod(self.output_shape)

    @property
    def flops(self) -> int:
        return 2 * self.macs + self.bias_adds


def conv_cost(batch: int, in_channels: int, size: Sequence[int], out_channels: int, kernel: Sequence[int],
              stride: Sequence[int], padding: Sequence[int], dilation: Sequence[int], groups: int = 1,
              bias: bool = True) -> ConvCost:
    """The cost of ``nn.Conv{1,2}d`` on a ``[batch, in_channels, *size]`` input."""
    out = [conv_output_size(*a) for a in zip(size, kernel, stride, padding, dilation)]
    shape = (batch, out_channels, *out)
    macs = math.prod(shape) * (in_channels // groups) * math.prod(kernel)
    return ConvCost(shape, macs, math.prod(shape) if bias else 0)
