"""bilinear_weight against interpolating a one-hot image, and its derivatives against finite differences."""

from __future__ import annotations

import math

import numpy as np
import pytest

from grader.solvers import bilinear_weight

SIZE = 12


def _interpolate_one_hot(x: float, y: float, px: int, py: int) -> float:
    """Bilinear interpolation of an image that is 1 at column px, row py and 0 elsewhere."""
    image = np.zeros((SIZE, SIZE))
    image[py, px] = 1.0
    x0, y0 = math.floor(x), math.floor(y)
    fx, fy = x - x0, y - y0
    corners = [(y0, x0, (1 - fx) * (1 - fy)), (y0, x0 + 1, fx * (1 - fy)),
               (y0 + 1, x0, (1 - fx) * fy), (y0 + 1, x0 + 1, fx * fy)]
    return sum(share * image[r, c] for r, c, share in corners if 0 <= r < SIZE and 0 <= c < SIZE)


def _cases(rng: np.random.Generator, count: int):
    """Sampling points inside the image, with pixels near them (neighbours or one step further away)."""
    for _ in range(count):
        x, y = rng.uniform(1, SIZE - 2, 2)
        px, py = math.floor(x) + int(rng.integers(-1, 3)), math.floor(y) + int(rng.integers(-1, 3))
        yield float(x), float(y), px, py


def _near_a_kink(a: float, margin: float = 1e-3) -> bool:
    return any(abs(a - k) < margin for k in (-1, 0, 1))


def test_weight_is_the_interpolated_value_of_a_one_hot_image(rng):
    neighbours = 0
    for x, y, px, py in _cases(rng, 5000):
        weight, _, _ = bilinear_weight(x, y, px, py)
        assert weight == pytest.approx(_interpolate_one_hot(x, y, px, py), abs=1e-12), (x, y, px, py)
        neighbours += weight > 0
    assert neighbours > 1000, "too few cases exercised a non-zero weight"


def test_derivatives_match_central_differences(rng):
    h = 1e-6
    checked = 0
    for x, y, px, py in _cases(rng, 5000):
        if _near_a_kink(x - px) or _near_a_kink(y - py):
            continue
        _, dx, dy = bilinear_weight(x, y, px, py)
        fd_x = (bilinear_weight(x + h, y, px, py)[0] - bilinear_weight(x - h, y, px, py)[0]) / (2 * h)
        fd_y = (bilinear_weight(x, y + h, px, py)[0] - bilinear_weight(x, y - h, px, py)[0]) / (2 * h)
        assert dx == pytest.approx(fd_x, abs=1e-6) and dy == pytest.approx(fd_y, abs=1e-6), (x, y, px, py)
        checked += 1
    assert checked > 4000


def test_the_worked_example_from_the_deformable_convolution_notes():
    # (Δx, Δy) = (1.7, 2.3): pixel (2, 2) is 0.3 away on both axes; it lies to the right of x (weight
    # rises with x) and above y (weight falls with y)
    weight, dx, dy = bilinear_weight(1.7, 2.3, 2, 2)
    assert (weight, dx, dy) == pytest.approx((0.49, 0.7, -0.7), abs=1e-12)


def test_the_four_neighbour_weights_sum_to_one_and_their_derivatives_to_zero(rng):
    for x, y in rng.uniform(0, 9, (500, 2)):
        x0, y0 = math.floor(x), math.floor(y)
        total = np.sum([bilinear_weight(x, y, x0 + i, y0 + j) for i in (0, 1) for j in (0, 1)], axis=0)
        assert total == pytest.approx((1.0, 0.0, 0.0), abs=1e-12)


@pytest.mark.parametrize(("x", "px"), [(2.0, 2), (3.0, 2), (1.0, 2)])
def test_derivative_is_undefined_on_the_kinks_of_the_tent(x, px):
    weight, dx, dy = bilinear_weight(x, 1.5, px, 1)
    assert weight == pytest.approx(max(0.0, 1 - abs(x - px)) * 0.5)
    assert math.isnan(dx) and dy == pytest.approx(-max(0.0, 1 - abs(x - px)))


def test_far_pixels_have_zero_weight_and_zero_derivatives():
    assert bilinear_weight(1.7, 2.3, 4, 2) == (0.0, 0.0, 0.0)
