"""bilinear_weight: the seed's deformable-convolution example, validation, and named slips."""

from __future__ import annotations

import numpy as np
import pytest

from grader.checking import check
from grader.errors import ParamsError, SpaceError
from grader.problems import get_family

FAMILY = get_family("bilinear_weight")
SEED = {"x": 1.7, "y": 2.3, "pixel": [2, 2]}


def test_the_seed_example():
    assert FAMILY.answer(FAMILY.params(SEED)) == pytest.approx({"weight": 0.49, "dweight_dx": 0.7, "dweight_dy": -0.7})
    assert check(FAMILY, SEED, {"weight": 0.49, "dweight_dx": 0.7, "dweight_dy": -0.7}).correct


def test_the_three_values_may_be_given_as_a_list():
    assert check(FAMILY, SEED, [0.49, 0.7, -0.7]).correct


@pytest.mark.parametrize(
    ("params", "answer", "mistake"),
    [
        (SEED, [0.49, -0.7, 0.7], "derivative_sign"),
        (SEED, [0.09, -0.3, 0.3], "other_neighbour_fraction"),
        (SEED, [0.49, 1, -1], "forgot_other_factor"),
        ({"x": 1.7, "y": 2.4, "pixel": [2, 2]}, [0.42, -0.7, 0.6], "derivative_other_axis"),
        ({"x": 1.7, "y": 2.4, "pixel": [2, 3]}, [0.0, 0.0, 0.0], "swapped_x_y"),
    ],
)
def test_named_slips(params, answer, mistake):
    result = check(FAMILY, params, answer)
    assert not result.correct and mistake in result.mistakes, result.feedback


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"x": 2.0, "y": 2.3, "pixel": [2, 2]}, "x: 2.0 is an integer"),
        ({"x": 1.7, "y": 3, "pixel": [2, 3]}, "y: 3.0 is an integer"),
        ({"x": 1.7, "y": 2.3, "pixel": [2, 4, 1]}, "pixel"),
        ({"x": 1.7, "y": 2.3, "pixel": [2]}, "pixel"),
    ],
)
def test_bad_params_name_the_field(data, message):
    with pytest.raises(ParamsError, match=f"bilinear_weight: {message}"):
        FAMILY.params(data)


@pytest.mark.parametrize("pixel", [[3, 2], [2, 4], [0, 0], [-5, 40], [1, 1]])
def test_a_pixel_outside_the_four_around_the_point_has_weight_and_derivatives_zero(pixel):
    params = FAMILY.params({"x": 1.7, "y": 2.3, "pixel": pixel})
    assert FAMILY.answer(params) == {"weight": 0.0, "dweight_dx": 0.0, "dweight_dy": 0.0}
    assert check(FAMILY, params, [0, 0, 0]).correct
    assert [m.name for m in FAMILY.mistakes(params)] == ["forgot_clamp"]


def test_a_pixel_outside_read_with_an_unclamped_tent_is_named():
    # (1 - |1.7 - 3|)(1 - |2.3 - 2|) = -0.3 * 0.7: the tent without max(0, .) goes negative
    result = check(FAMILY, {"x": 1.7, "y": 2.3, "pixel": [3, 2]}, [-0.21, 0.7, 0.3])
    assert not result.correct and result.mistakes == ["forgot_clamp"]


def test_generated_points_avoid_integers_and_pixels_cover_the_four_neighbours_and_some_beyond():
    corners = set()
    for seed in range(200):
        params = FAMILY.sample(np.random.default_rng(seed))
        assert not float(params.x).is_integer() and not float(params.y).is_integer()
        corners.add((params.pixel[0] - int(params.x), params.pixel[1] - int(params.y)))
    near = {(0, 0), (0, 1), (1, 0), (1, 1)}
    assert near <= corners and corners - near
    assert all(-1 <= dx <= 2 and -1 <= dy <= 2 for dx, dy in corners)


def test_a_space_of_integer_points_is_a_space_error_naming_the_field():
    with pytest.raises(SpaceError, match="x: 2.0 is an integer"):
        FAMILY.sample(np.random.default_rng(0), FAMILY.space({"x": 2.0}))
