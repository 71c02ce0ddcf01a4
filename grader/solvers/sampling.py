"""Bilinear sampling weights and their derivatives, as in deformable convolution."""

from __future__ import annotations

__all__ = ["bilinear_weight"]


def _tent(a: float) -> float:
    return max(0.0, 1.0 - abs(a))


def _tent_slope(a: float) -> float:
    if abs(a) > 1.0:
        return 0.0
    if a == 0.0 or abs(a) == 1.0:  # the tent has kinks at 0 and at ±1: no derivative there
        return float("nan")
    return -1.0 if a > 0 else 1.0


def bilinear_weight(x: float, y: float, px: int, py: int) -> tuple[float, float, float]:
    """Weight of pixel ``(px, py)`` when sampling at ``(x, y)`` (x is the column), and d/dx, d/dy.

    ``w = g(x - px) g(y - py)`` with ``g(a) = max(0, 1 - |a|)``.
    """
    gx, gy = _tent(x - px), _tent(y - py)
    return gx * gy, _tent_slope(x - px) * gy, gx * _tent_slope(y - py)
