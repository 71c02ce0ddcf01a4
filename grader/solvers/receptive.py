"""Receptive fields of stacked layers, in input pixels, along one axis."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["receptive_fields"]


def receptive_fields(layers: Iterable[tuple[int, int, int]]) -> list[int]:
    """Receptive field after each ``(kernel, stride, dilation)`` layer.

    ``r_l = r_{l-1} + d_l (k_l - 1) j_{l-1}`` where the jump ``j_{l-1}`` is the product of the
    strides of the layers before ``l`` (the distance in input pixels between neighbouring units).
    """
    field, jump, out = 1, 1, []
    for kernel, stride, dilation in layers:
        field += dilation * (kernel - 1) * jump
        jump *= stride
        out.append(field)
    return out
