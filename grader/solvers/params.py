"""Learnable parameter counts of common layers (weights and biases; running statistics excluded)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["layer_params"]


def _area(value: int | Sequence[int], dims: int) -> int:
    return value**dims if isinstance(value, int) else math.prod(value)


def layer_params(layer: Mapping[str, Any]) -> int:
    """Parameters of one layer described by a mapping with a ``type`` (``repeat`` not applied)."""
    kind = layer["type"]
    bias = layer.get("bias", True)
    if kind == "linear":
        return layer["in_features"] * layer["out_features"] + (layer["out_features"] if bias else 0)
    if kind in ("conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d"):
        dims = int(kind[-2])
        c_in, c_out, groups = layer["in_channels"], layer["out_channels"], layer.get("groups", 1)
        return c_out * (c_in // groups) * _area(layer["kernel_size"], dims) + (c_out if bias else 0)
    if kind == "depthwise_separable2d":
        c_in, c_out = layer["in_channels"], layer["out_channels"]
        mid = c_in * layer.get("depth_multiplier", 1)
        depthwise = mid * _area(layer["kernel_size"], 2) + (mid if bias else 0)
        pointwise = mid * c_out + (c_out if bias else 0)
        return depthwise + pointwise
    if kind == "locally_connected2d":
        positions = _area(layer["output_size"], 2)
        c_in, c_out = layer["in_channels"], layer["out_channels"]
        return positions * c_out * (c_in * _area(layer["kernel_size"], 2) + (1 if bias else 0))
    if kind in ("batchnorm1d", "batchnorm2d"):
        return 2 * layer["num_features"] if layer.get("affine", True) else 0
    if kind in ("maxpool1d", "maxpool2d", "avgpool1d", "avgpool2d", "relu", "flatten"):
        return 0
    raise ValueError(f"unknown layer type {kind!r}")
