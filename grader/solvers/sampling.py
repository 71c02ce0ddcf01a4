"""Bilinear sampling weights and their derivatives, as in deformable convolution."""

from __future__ import annotations

__all__ = ["bilinear_terms", "bilinear_weight"]


def _tent(a: float) -> float:
    return max(0.0, 1.0 - abs(a))


def _tent_slope(a: float) -> float:
    if abs(a) > 1.0:
        return 0.0
    if a == 0.0 or abs(a) == 1.0:  # the tent has kinks at 0 and at ±1: no derivative there
        return float("nan")
    return -1.0 if a > 0 else 1.0


def bilinear_terms(x: float, y: float, px: int, py: int) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
    """Per axis, x then y: the offset ``a`` from the pixel, the tent ``g(a)`` and its slope ``g'(a)``."""
    ax, ay = x - px, y - py
    return (ax, _tent(ax), _tent_slope(ax)), (ay, _tent(ay), _tent_slope(ay))


def bilinear_weight(x: float, y: float, px: int, py: int) -> tuple[float, float, float]:
    """Weight of pixel ``(px, py)`` when sampling at ``(x, y)`` (x is the column), and d/dx, d/dy.

    ``w = g(x - px) g(y - py)`` with ``g(a) = max(0, 1 - |a|)``.
    """
    (_, gx, sx), (_, gy, sy) = bilinear_terms(x, y, px, py)
    return gx * gy, sx * gy, gx * sy
