"""The statistics of the integrity check: answer keys, matches and their chances, pair scores, the shuffles."""

from __future__ import annotations

import math

import numpy as np
import pytest

from grader.report.coincidence import (
    Answers,
    Match,
    MatchKind,
    NullDistribution,
    answer_key,
    match_problem,
    null_distribution,
    pair_scores,
)


@pytest.mark.parametrize(("a", "b"), [
    (0.34657, 0.3466),                   # both read 0.347 to 3 significant figures, as the grader reads them
    (0.347, "0.347"),                    # a number typed as text
    (2.0, 2), (-0.0, 0),
    (" 126 x 126 x16", "126x126x16"),    # shapes and expressions: spaces and case aside
    ("(sigma**2 + MU**2)/2", "(sigma**2+mu**2)/2"),
    ([1.23456, [2.0]], (1.23, [2])),
])
def test_equal_answers_share_a_key(a, b):
    assert answer_key(a) == answer_key(b) is not None


@pytest.mark.parametrize(("a", "b"), [(0.3466, 0.3476), (True, 1), ("126x126x16", "126x126x17"), ([1, 2], [2, 1])])
def test_different_answers_do_not(a, b):
    assert answer_key(a) != answer_key(b)


@pytest.mark.parametrize("value", [None, [], "", "<too large to read>", "<a DataFrame: give plain numbers or lists>",
                                   float("nan"), float("-inf")])
def test_an_answer_that_says_nothing_has_no_key(value):
    assert answer_key(value) is None


def _student(i, right, given=None, mistakes=()):
    given = given or {}
    wrong = frozenset(p for p, v in given.items() if v != right.get(p))
    return Answers(i, right, tuple(mistakes), given, wrong)


def _class(n, *special):
    """``n`` students with right answers {a: 100+i, b: 200+i} and nothing handed in, then the special ones."""
    rest = [_student(i, {"a": 100 + i, "b": 200 + i}) for i in range(len(special), n)]
    return [*special, *rest]


def test_a_wrong_answer_equal_to_a_classmates_right_one_is_a_match_of_its_parts_together():
    # s0's wrong answer is s1's right answer, on both parts: one match, the parts counted together
    answers = _class(10, _student(0, {"a": 1, "b": 2}, {"a": 5, "b": 7}), _student(1, {"a": 5, "b": 7}))
    (m,) = match_problem(0, answers, max_chance=1.0)
    assert (m.wrong, m.source, m.kind, m.parts) == (0, 1, MatchKind.their_right_answer, ("a", "b"))
    assert m.chance == pytest.approx(2 / 11)  # only s1 has (5, 7) at hand; s0's own submission is not counted
    assert m.evidence == pytest.approx(-math.log10(2 / 11))


def test_the_chance_counts_whoever_has_the_values_at_hand_jointly():
    # s2's right answer has a = 5 but b = 9: it does not make (5, 7) common; s3's named mistake and s4's
    # own submission do
    answers = _class(20, _student(0, {"a": 1, "b": 2}, {"a": 5, "b": 7}), _student(1, {"a": 5, "b": 7}),
                     _student(2, {"a": 5, "b": 9}), _student(3, {"a": 3, "b": 4}, mistakes=[{"a": 5, "b": 7}]),
                     _student(4, {"a": 8, "b": 8}, {"a": 5, "b": 7}))
    found = {(m.wrong, m.source, m.kind): m for m in match_problem(0, answers, max_chance=1.0)}
    assert found[(0, 1, MatchKind.their_right_answer)].chance == pytest.approx(4 / 21)  # s1, s3, s4
    # s0 and s4 gave the same wrong answer: neither submission counts for their own pair
    assert found[(0, 4, MatchKind.same_wrong_answer)].chance == pytest.approx(3 / 21)  # s1, s3
    assert found[(0, 2, MatchKind.their_right_answer)].parts == ("a",)  # a alone meets s2's right answer


def test_a_common_value_is_no_evidence():
    # a fifth of the class has a = 5 as their right answer: above MAX_CHANCE, not a match
    answers = _class(20, _student(0, {"a": 1, "b": 2}, {"a": 5}),
                     *(_student(i, {"a": 5, "b": 200 + i}) for i in range(1, 5)))
    assert match_problem(0, answers) == []


def test_a_pair_scores_its_strongest_match_in_each_problem():
    weak = Match(0, ("a",), 0, 1, MatchKind.their_right_answer, 0.1)
    strong = Match(0, ("a", "b"), 1, 0, MatchKind.their_right_answer, 0.01)
    other = Match(1, ("c",), 0, 1, MatchKind.same_wrong_answer, 0.001)
    scores = pair_scores([weak, strong, other, Match(2, ("d",), 2, 3, MatchKind.their_right_answer, 0.1)])
    assert set(scores) == {(0, 1), (2, 3)}
    score, kept = scores[(0, 1)]
    assert score == pytest.approx(2 + 3) and kept == [other, strong]


def _copied(n=60, problems=4, e=0.01):
    """Students 0 and 1 match on every problem; nobody else matches anyone."""
    return [[Match(q, ("x",), 0, 1, MatchKind.their_right_answer, e)] for q in range(problems)]


def test_shuffles_break_the_link_between_one_students_problems():
    matches = _copied()
    null = null_distribution(matches, [0] * 60, permutations=200, floor=2.0)
    assert null.permutations == 200
    # the real pair scores 8; in the shuffles its four problems fall on four different pairs, almost always
    assert null.expected_at_least(8.0) < 0.05 and null.expected_at_least(2.0) == pytest.approx(4, abs=0.2)
    again = null_distribution(matches, [0] * 60, permutations=200, floor=2.0)
    assert np.array_equal(np.sort(null.scores), np.sort(again.scores))  # same inputs, same shuffles


def test_shuffles_move_answers_only_within_a_stratum():
    # every student alone in their stratum: nothing can move, the pair keeps all its matches
    null = null_distribution(_copied(), list(range(60)), permutations=20, floor=2.0)
    assert null.expected_at_least(8.0) == 1.0


def test_the_default_threshold_allows_the_chosen_number_of_chance_pairs():
    null = NullDistribution(np.array([5.0, 4.0, 4.0, 3.0]), permutations=10, floor=2.0)
    t = null.threshold_for(0.1)  # one pair in ten shuffles: just above the second highest
    assert 4.0 < t < 4.01 and null.expected_at_least(t) == pytest.approx(0.1)
    assert 5.0 < null.threshold_for(0.0) < 5.01
    assert NullDistribution(np.zeros(0), 10, 3.0).threshold_for(0.05) == 3.0
