"""kl_gaussian: hand-worked values grade right and the classic slips are named."""

from __future__ import annotations

import math

import pytest

from grader.checking import check
from grader.errors import ParamsError
from grader.problems import get_family

FAMILY = get_family("kl_gaussian")
PARAMS = {"mu_q": 1.0, "sigma_q": 2.0, "mu_p": 0.0, "sigma_p": 1.0}
TRUTH = math.log(1 / 2) + (4 + 1) / 2 - 0.5  # 1.3069


def test_a_hand_worked_value_is_right_to_three_figures():
    assert check(FAMILY, PARAMS, 1.31).correct
    assert not check(FAMILY, PARAMS, 1.32).correct


@pytest.mark.parametrize(
    ("given", "mistake"),
    [
        (0.5 * math.log(1 / 2) + (2 + 1) / 2 - 0.5, "std_as_variance"),
        (math.log(2) + (1 + 1) / 8 - 0.5, "swapped_q_p"),
        (TRUTH / math.log(2), "log_base_2"),
        (TRUTH + 0.5, "forgot_minus_half"),
        (math.log(2) + 2.5 - 0.5, "log_sign"),
        (math.log(1 / 2) + 5 - 0.5, "forgot_denominator"),
        (math.log(1 / 2) + 2 - 0.5, "dropped_mean_term"),
    ],
)
def test_classic_slips_are_named(given, mistake):
    result = check(FAMILY, PARAMS, round(given, 4))
    assert not result.correct and result.mistakes == [mistake], result.feedback


def test_identical_distributions_have_no_divergence_and_no_distinguishable_slips():
    params = {"mu_q": 0.5, "sigma_q": 1.5, "mu_p": 0.5, "sigma_p": 1.5}
    assert check(FAMILY, params, 0).correct
    assert [m.name for m in FAMILY.mistakes(FAMILY.params(params))] == ["forgot_minus_half", "forgot_denominator"]


def test_the_worked_solution_shows_the_numbers():
    solution = FAMILY.worked_solution(FAMILY.params(PARAMS))
    assert r"\log(1 / 2) = -0.6931" in solution and r"\mathbf{ 1.307 }" in solution


@pytest.mark.parametrize("field", ["sigma_q", "sigma_p"])
def test_a_standard_deviation_must_be_positive(field):
    with pytest.raises(ParamsError, match=f"kl_gaussian: {field}:"):
        FAMILY.params({**PARAMS, field: 0})
