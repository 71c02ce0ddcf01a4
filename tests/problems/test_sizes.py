"""The shapes of sequence models (``Sizes``): read in the order written, from a list or from text, and compared exactly."""

from __future__ import annotations

import pytest

from grader.problems._sizes import Sizes

TRUTH = [5, 3, 20]


@pytest.mark.parametrize("given", [
    [5, 3, 20], (5, 3, 20), [5.0, 3.0, 20.0], ["5", "3", "20"], "torch.Size([5, 3, 20])", "Size([5, 3, 20])", "(5, 3, 20)",
    "[5, 3, 20]", "5, 3, 20", "5x3x20", "5 × 3 × 20",
])
def test_a_shape_reads_from_a_list_or_from_text_in_the_order_written(given):
    verdict = Sizes().compare(given, TRUTH)
    assert verdict.correct, verdict.feedback
    assert Sizes().check_form(given, TRUTH) is None  # validate: answered, not malformed
    if not (isinstance(given, list) and all(type(v) is int for v in given)) and not isinstance(given, tuple):
        assert "as [5, 3, 20]" in verdict.feedback  # the student is told how it was read


@pytest.mark.parametrize(("given", "says"), [
    ("3x5x20", "1 of 3 sizes are right"),  # text is never reordered: this is another tensor
    ("torch.Size([3, 5, 20])", "1 of 3 sizes are right"),
    (["5", "20"], "The shape has 2 sizes; this tensor has 3 axes."),
    ([5], "The shape has 1 size; this tensor has 3 axes."),
])
def test_a_readable_shape_of_another_order_or_length_is_wrong_but_of_the_right_form(given, says):
    verdict = Sizes().compare(given, TRUTH)
    assert not verdict.correct and says in verdict.feedback
    assert Sizes().check_form(given, TRUTH) is None


@pytest.mark.parametrize(("given", "says"), [
    ("5x3x20.5", "is not a whole number"),
    ([5, 3, 20.5], "whole number"),
    ([5, 3, True], "Expected an integer"),
    ("five by three by twenty", "Could not read"),
    (20, "Expected the shape as a list"),
    ([], "Expected the shape as a list"),
    ({"L": 5}, "Expected the shape as a list"),
])
def test_an_unreadable_shape_says_why_and_is_malformed(given, says):
    verdict = Sizes().compare(given, TRUTH)
    assert verdict.score == 0 and says in verdict.feedback
    assert Sizes().check_form(given, TRUTH) == verdict.feedback
