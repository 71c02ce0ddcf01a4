"""pool_values: stride's default, PyTorch's padding rules, named mistakes, errors naming the field."""

from __future__ import annotations

import numpy as np
import pytest

from grader.checking import check
from grader.errors import ParamsError
from grader.problems import get_family

FAMILY = get_family("pool_values")
X = [[[1, -2, 3, 0], [-4, 5, -6, 2], [0, 1, -1, 3]]]


def test_stride_defaults_to_the_kernel_size_and_stride_one_is_named():
    params = {"mode": "max", "input": X, "kernel_size": 2}
    assert FAMILY.params(params).stride is None
    assert FAMILY.answer(FAMILY.params(params)) == [[[5, 3]]]
    assert check(FAMILY, params, [[[5, 5, 3], [5, 5, 3]]]).mistakes == ["stride_one"]


def test_max_padding_is_never_taken_and_zeros_are_named():
    params = {"dims": 1, "mode": "max", "input": [[-3, -1, -2]], "kernel_size": 2, "padding": 1}
    assert FAMILY.answer(FAMILY.params(params)) == [[-3, -1]]
    assert check(FAMILY, params, [[0, -1]]).mistakes == ["zero_padded_max"]


def test_avg_divisor_follows_count_include_pad():
    params = {"dims": 1, "mode": "avg", "input": [[2, 4, 6]], "kernel_size": 2, "padding": 1}
    assert FAMILY.answer(FAMILY.params(params)) == [[1, 5]]
    assert check(FAMILY, params, [[2, 5]]).mistakes == ["count_include_pad"]
    assert FAMILY.answer(FAMILY.params(params | {"count_include_pad": False})) == [[2, 5]]


def test_ceil_mode_keeps_a_last_partial_window():
    params = {"dims": 1, "mode": "avg", "input": [[1, 2, 3, 4, 6]], "kernel_size": 2, "ceil_mode": True}
    assert FAMILY.answer(FAMILY.params(params)) == [[1.5, 3.5, 6]]
    assert check(FAMILY, params, [[1.5, 3.5]]).mistakes == ["floor_not_ceil"]
    assert check(FAMILY, params, [[2, 4, 6]]).mistakes == ["other_mode"]


def test_ceil_mode_with_no_floor_window_names_the_mistake_of_an_empty_output():
    # with floor rounding no window of span 5 fits in 4 entries: the mistake's output is empty,
    # which used to raise in the solver and lose the whole row (about 0.4% of drawn variants)
    params = {"dims": 1, "mode": "max", "input": [[3, 1, 0, 2]], "kernel_size": 3, "stride": 3, "dilation": 2, "ceil_mode": True}
    assert FAMILY.answer(FAMILY.params(params)) == [[3]]
    assert check(FAMILY, params, [[]]).mistakes == ["floor_not_ceil"]


def test_the_worked_window_gives_the_answer():
    for seed in range(100):
        params = FAMILY.sample(np.random.default_rng(seed))
        at, values, divisor = params.worked_window()
        value = max(values) if params.mode == "max" else sum(values) / divisor
        assert value == pytest.approx(np.asarray(FAMILY.answer(params))[(0, *at)]), seed


@pytest.mark.parametrize(("change", "field"), [
    ({"mode": "avg", "dilation": 2}, "dilation: average pooling has no dilation"),
    ({"padding": 2}, "padding: 2 is more than half the kernel size 3"),
    ({"kernel_size": 4, "dilation": 2}, "kernel_size: the window spans 7 entries, more than the padded input \\(3\\)"),
    ({"input": [[1, 2]], "dims": 1, "kernel_size": 2, "dilation": 3, "padding": 1}, "dilation: a window's 2 taps, 3 apart, all miss the 2 input entries"),
    ({"input": [[[1, 2], [3]]]}, "input: is ragged"),
    ({"input": [[[1.5, float("nan")]]]}, "input.0.0.1: must be a number, not NaN"),
    ({"input": [[[1.5, 2.0], [3.0, -float("inf")]]]}, "input.0.1.1: must be a number, not -Infinity"),
    ({"kernel_size": 3.0}, "kernel_size: must be an integer, not 3.0"),  # JSON read strictly, as a course's config is
    ({"ceil_mode": 1}, "ceil_mode: must be true or false, not 1"),
    ({"stride": "2"}, 'stride: must be a number, not the text "2"'),
    ({"mode": "min"}, "mode:"),
    ({"stride": 0}, "stride:"),
])
def test_bad_params_name_the_field(change, field):
    with pytest.raises(ParamsError, match=f"^pool_values: {field}"):
        FAMILY.params({"mode": "max", "input": X, "kernel_size": 3} | change)


def test_the_worked_solution_shows_the_window_pytorch_drops_with_ceil_mode():
    # 7 + 2*1 - 1*(2-1) - 1 = 7; 7 / 2 rounded up, plus 1, is 5 windows; the 5th would start at
    # (5 - 1) * 2 = 8, past the input and its left padding (7 + 1 = 8): PyTorch drops it, leaving 4
    p = FAMILY.params({"dims": 1, "mode": "max", "input": [[1, -2, 3, 0, 2, -1, 4]], "kernel_size": 2, "stride": 2,
                       "padding": 1, "ceil_mode": True})
    assert p.out_sizes() == [4]
    text = FAMILY.worked_solution(p)
    assert r"\left\lceil \frac{ 7 }{ 2 } \right\rceil + 1 = 5" in text, text
    assert r"(5 - 1) \cdot 2 = 8 \ge 7 + 1" in text and "PyTorch drops it" in text and "$5 - 1 = 4$" in text, text
    unchanged = FAMILY.worked_solution(FAMILY.params({**p.model_dump(), "padding": 0}))
    assert "drops it" not in unchanged  # without padding 5 / 2 rounded up, plus 1, is 4 windows: the 4th starts at 6, inside
