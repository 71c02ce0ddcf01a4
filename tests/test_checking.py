"""The checker: parts given or missing, points, named mistakes, error carried forward."""

from __future__ import annotations

from grader.checking import check
from grader.problems import get_family
from grader.problems.registry import load_family_module
from tests.problems import fakes

FAMILY = load_family_module(fakes.module())
PARAMS = {"start": 1, "step": 2, "stages": 3}  # truth: [3, 5, 7]


def test_only_the_given_parts_are_graded_and_null_is_unanswered():
    result = check(FAMILY, PARAMS, [3, None, 8])
    assert set(result.parts) == {"stage1", "stage3"}
    assert result.max_score == 2 and result.score == 1 and not result.correct


def test_when_grading_a_submission_a_missing_part_scores_zero():
    result = check(FAMILY, PARAMS, [3, None, 7], only_given=False)
    assert result.max_score == 3 and result.score == 2
    assert result.parts["stage2"].answered is False and result.parts["stage2"].feedback == "Not answered."


def test_points_can_be_a_total_or_per_part():
    assert check(FAMILY, PARAMS, [3, 5, 7], points=6).score == 6
    per_part = check(FAMILY, PARAMS, [3, 5, 0], points={"stage1": 1, "stage2": 1, "stage3": 4})
    assert per_part.score == 2 and per_part.max_score == 6


def test_error_carried_forward_credits_a_step_done_right_from_a_wrong_value():
    result = check(FAMILY, PARAMS, [3, 6, 8])  # stage2 wrong; stage3 = 6 + 2 is right from it
    assert result.parts["stage3"].carried and result.parts["stage3"].score == 1
    assert not result.parts["stage3"].correct and not result.correct
    assert "carried forward" in result.parts["stage3"].feedback
    assert check(FAMILY, PARAMS, [3, 6, 8], carry_forward=0).parts["stage3"].score == 0
    assert check(FAMILY, PARAMS, [3, 6, 8], carry_forward=0.5).parts["stage3"].score == 0.5


def test_carry_forward_survives_garbage_in_the_earlier_part():
    result = check(FAMILY, PARAMS, [3, "six", 8])
    assert result.parts["stage3"].score == 0 and not result.parts["stage3"].carried


def test_a_wrong_answer_matching_a_known_mistake_is_named():
    result = check(FAMILY, PARAMS, [1, 3, 5], carry_forward=0)
    assert result.mistakes == ["off_by_one"]
    assert all("Count from the start value." in r.feedback for r in result.parts.values())


def test_malformed_answers_are_verdicts_not_crashes():
    for answer in ("3, 5, 7", {"a": 1}, 42, [[3], [5], [7]], [3, 5]):
        result = check(FAMILY, PARAMS, answer)
        assert not result.correct and result.feedback


def test_list_of_the_wrong_length_is_read_in_order_but_never_fully_correct():
    result = check(FAMILY, PARAMS, [3, 5])
    assert not result.correct and result.score == 2 and "Expected 3 entries, got 2" in result.feedback[0]


def test_object_answers_note_unknown_keys():
    family = get_family("conv_output_shape")
    params = {"input_size": 8, "kernel_size": 3}
    result = check(family, params, {"out_size": [6, 6], "out_chanels": 1})
    assert not result.correct and result.score == 1 and any("out_chanels" in line for line in result.feedback)


def test_nothing_answered_is_not_correct():
    result = check(FAMILY, PARAMS, [None, None, None])
    assert not result.correct and result.max_score == 0 and result.feedback == ["Nothing was answered."]


def test_verdict_has_exactly_the_documented_keys():
    verdict = check(FAMILY, PARAMS, [3, 5, 7]).verdict()
    assert set(verdict) == {"correct", "score", "max_score", "feedback", "mistakes", "unanswered", "parts"}
    assert set(verdict["parts"]["stage1"]) == {"correct", "score", "max_score", "feedback"}
