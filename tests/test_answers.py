"""Answer kinds: reading, comparing and explaining, including malformed answers."""

from __future__ import annotations

import numpy as np
import pytest

from grader.answers import (
    Array,
    Choice,
    FormError,
    FreeText,
    Integer,
    IntegerList,
    OptionalInteger,
    Real,
    Shape,
    Tolerance,
    read_number,
    read_shape,
)


@pytest.mark.parametrize(("given", "expected", "ok"), [
    (0.193, 0.19315, True),      # correctly rounded to 3 significant figures
    (0.1932, 0.19315, True),     # more figures, still within rounding
    (0.194, 0.19315, False),
    (0.19, 0.19315, False),      # only 2 significant figures
    (1230, 1234.5, True),
    (1240, 1234.5, False),
    (1.00, 0.9996, True),        # rounding across a power of ten
    (-0.307, -0.30685, True),
    (1e-7, 0.0, True),           # the true value is zero: the absolute tolerance decides
    (1e-3, 0.0, False),
])
def test_real_accepts_answers_correctly_rounded_to_three_significant_figures(given, expected, ok):
    assert Real().compare(given, expected).correct is ok


def test_tolerance_is_configurable():
    assert not Real().compare(0.193, 0.19315, Tolerance(sig_figs=4)).correct
    assert Real().compare(0.1932, 0.19315, Tolerance(sig_figs=4)).correct
    assert Real().compare(0.2, 0.19315, Tolerance(rtol=0.05)).correct


@pytest.mark.parametrize("bad", ["half", None, True, float("nan"), float("inf"), [0.5], {"x": 1}])
def test_real_refuses_what_is_not_a_finite_number_with_a_sentence(bad):
    verdict = Real().compare(bad, 0.5)
    assert not verdict.correct and "Expected a" in verdict.feedback and "number" in verdict.feedback


def test_integer_is_exact_and_reads_integral_floats_and_text_saying_so():
    assert Integer().compare(55, 55).correct
    assert not Integer().compare(54, 55).correct
    float_verdict = Integer().compare(55.0, 55)
    assert float_verdict.correct and "read 55.0 as 55" in float_verdict.feedback
    assert not Integer().compare(True, 1).correct
    assert Integer().compare("55", 55).correct
    assert "Expected a whole number" in Integer().compare(55.5, 55).feedback
    assert "Expected an integer" in Integer().compare("fifty-five", 55).feedback


def test_optional_integer_treats_none_as_an_answer():
    kind = OptionalInteger(none_means="the target cannot be reached")
    assert kind.compare(None, None).correct
    assert not kind.compare(None, 4).correct
    assert not kind.compare(4, None).correct
    assert kind.compare("never", None).correct and "as None" in kind.compare("never", None).feedback
    assert "Expected an integer" in kind.compare("soon", None).feedback


def test_integer_list_gives_credit_per_entry_and_checks_length():
    kind = IntegerList(2, "sizes")
    assert kind.compare([55, 55], [55, 55]).correct
    half = kind.compare([55, 54], [55, 55])
    assert half.score == 0.5 and "1 of 2 sizes" in half.feedback
    assert "list of 2 integers" in kind.compare([55], [55, 55]).feedback
    assert IntegerList(1).compare(7, [7]).correct  # a 1-D size given without its list


@pytest.mark.parametrize("given", [[16, 126, 126], "126x126x16", "126 × 126 × 16", "(16, 126, 126)", "126X126X16 px",
                                   "torch.Size([16, 126, 126])", "16x126x126"])
def test_shape_reads_lists_channels_first_and_text_hxwxc(given):
    assert Shape().compare(given, [16, 126, 126]).correct


def test_shape_rejects_other_orders_and_explains_malformed_text():
    assert not Shape().compare([126, 16, 126], [16, 126, 126]).correct
    last = Shape().compare([126, 126, 16], [16, 126, 126])  # a list is channels first: 126 channels
    assert not last.correct and "channels first" in last.feedback
    assert "dimensions" in Shape().compare([126, 126], [16, 126, 126]).feedback
    assert "Could not read" in Shape().compare("big", [16, 126, 126]).feedback
    assert "is not a whole number" in Shape().compare("96x54x5²", [96, 54, 54]).feedback
    assert read_shape("1" * 40) is None


def test_array_checks_shape_then_values_with_partial_credit():
    truth = [[[1, 2], [3, 4]]]
    assert Array().compare(truth, truth).correct
    partial = Array().compare([[[1, 2], [3, 5]]], truth)
    assert partial.score == 0.75 and "3 of 4 entries" in partial.feedback and "(0, 1, 1)" in partial.feedback
    wrong_shape = Array().compare([[[1, 2, 0], [3, 4, 0]]], truth)
    assert wrong_shape.score == 0 and "shape 1x2x3" in wrong_shape.feedback


def test_array_names_transposed_flipped_and_off_by_one_answers():
    truth = [[[1, 2, 3], [4, 5, 6], [7, 8, 10]]]
    transposed = [[[1, 4, 7], [2, 5, 8], [3, 6, 10]]]
    flipped = [[[10, 8, 7], [6, 5, 4], [3, 2, 1]]]
    assert "transpose" in Array().compare(transposed, truth).feedback
    assert "flipped" in Array().compare(flipped, truth).feedback
    extra_row = [[[1, 2, 3], [4, 5, 6], [7, 8, 10], [0, 0, 0]]]
    assert "one row or column too many" in Array().compare(extra_row, truth).feedback


def test_array_accepts_a_single_channel_without_its_channel_axis():
    assert Array().compare([[1, 2], [3, 4]], [[[1, 2], [3, 4]]]).correct


@pytest.mark.parametrize("given", [
    "[[1, 2.5]]", " [[1, 2.50]] ", "[[1 2.5]]", "[[1, 5/2]]", "tensor([[1.0000, 2.5000]])",
    "tensor([[1., 2.5]], grad_fn=<AddmmBackward0>)", "array([[1. , 2.5]])", "np.array([[1, 2.5]], dtype=float32)",
])
def test_array_reads_a_tensor_written_as_text_or_pasted_as_printed_saying_so(given):
    verdict = Array().compare(given, [[1, 2.5]])
    assert verdict.correct and "as a list" in verdict.feedback
    assert Array().check_form(given, [[1, 2.5]]) is None and Array().matches(given, [[1, 2.5]])


def test_array_reads_one_number_for_a_tensor_of_one_entry_and_only_then():
    verdict = Array().compare(-2.5, [-2.5])
    assert verdict.correct and "the tensor's one entry" in verdict.feedback
    assert Array().compare("−2.5", [[-2.5]]).correct and Array().matches(-2.5, [-2.5])
    assert not Array().compare(-2.4, [-2.5]).correct
    assert "nested list" in Array().compare(2.5, [2.5, 1.0]).feedback  # two entries need their list
    assert not Array().compare(True, [1]).correct


def test_array_text_nested_past_any_tensor_or_past_the_entry_cap_is_refused_at_once():
    for text in ("[" * 1_000_000, "[[[[[[[[[1]]]]]]]]]", "[" + "1," * 250_000 + "1]"):
        assert "nested list" in Array().compare(text, [[1, 2]]).feedback


def test_array_rounding_applies_to_reals_but_whole_numbers_are_exact():
    assert Array().compare([[0.333, 2.0]], [[1 / 3, 2.0]]).correct
    assert not Array().compare([[0.333, 2.001]], [[1 / 3, 2.0]]).correct


@pytest.mark.parametrize(("bad", "says"), [
    ([[1, 2], [3]], "rectangular"),
    ([[1, "two"]], "must be a number"),
    ([[1, True]], "must be a number"),
    ("[[1, 2]", "nested list"),
    ("[[1, 2]] or [[1, 3]]", "nested list"),
    ("[[1, two]]", "must be a number"),
    (2, "nested list"),
    ([[0.0] * 1000] * 200, "more than"),
])
def test_array_refuses_malformed_answers_with_a_sentence(bad, says):
    verdict = Array().compare(bad, [[1, 2]])
    assert verdict.score == 0 and says in verdict.feedback


def test_array_survives_a_deeply_nested_answer():
    deep: list = [1]
    for _ in range(5000):
        deep = [deep]
    verdict = Array().compare(deep, [[1, 2]])
    assert verdict.score == 0 and verdict.feedback


def test_choice_and_free_text():
    kind = Choice(("max", "avg"))
    assert kind.compare(" MAX ", "max").correct
    assert "not one of the options" in kind.compare("min", "max").feedback
    pending = FreeText().compare("Mode collapse means ...", None)
    assert pending.pending and not pending.correct
    assert FreeText().compare("  ", None).score == 0
    assert "Expected a written answer" in FreeText().compare(42, None).feedback


def test_no_row_shift_hint_for_a_one_dimensional_output():
    verdict = Array().compare([[0, 1, 1, 1, -3, 0]], [[0, -1, -1, -1, 3, 0]])
    assert "shifted" not in verdict.feedback and "2 of 6 entries" in verdict.feedback


@pytest.mark.parametrize(("given", "truth", "ok"), [
    (3.93, 3.93185, True),
    (3.9368, 3.93185, False),            # rounds to 3.94
    (3.932, 3.93185, True),              # a 4th figure within one unit
    (3.9325, 3.93185, False),            # rounds right at 3 figures, but its 4th figure is 6 units off
    (9.84e-5, 9.836e-5, True),
    (9.9e-5, 9.836e-5, False),           # relative throughout: no absolute floor for a small truth
    (-0.1004, -0.09999999999999964, False),  # noise in the reference changes nothing ...
    (0.2004, 0.20000000000000004, False),    # ... on either side
    (-0.1001, -0.09999999999999964, True),
    (-0.1, -0.09999999999999964, True),
    (0.125, 0.1245, True),               # exactly on a rounding boundary: both neighbours are right
    (0.124, 0.1245, True),
    (0.30000000000000004, 0.3, True),    # a float computed in code passes on float noise
    (0.0, 1e-17, True),                  # a true zero with noise
    (1e-7, 0.0, True),
    (1e-3, 0.0, False),
])
def test_the_tolerance_rule(given, truth, ok):
    assert Real().compare(given, truth).correct is ok


def test_explicit_rtol_or_atol_replaces_the_rule():
    assert Real().compare(0.2, 0.19315, Tolerance(atol=0.01)).correct
    assert not Real().compare(0.193, 0.19315, Tolerance(rtol=1e-6)).correct  # the rule alone would accept it
    assert not Real().compare(0.0, 1e-3, Tolerance(rtol=0.5)).correct


def test_a_single_precision_float_is_read_by_its_own_digits():
    assert Real().compare(float(np.float32(0.193)), 0.19315).correct          # 0.19300000369548798 is 0.193
    assert Real().compare(float(np.float32(0.3445348918918356)), 0.3445348918918356).correct  # computed in float32
    assert not Real().compare(float(np.float32(0.3448)), 0.3445348918918356).correct


@pytest.mark.parametrize(("text", "value"), [
    ("128", 128), ("10,730", 10730), ("1 000 000", 1_000_000), ("−0.1", -0.1), ("1/50", 0.02), ("3.93e0", 3.93),
    ("7.55e7", 75_500_000), ("7.55 × 10^7", 75_500_000), ("1.5·10⁻⁴", 1.5e-4), ("np.float64(54.0)", 54.0),
    ("tensor(3.5)", 3.5), ("3,93", 3.93), ("0,345", 0.345), ("≈ 0.5", 0.5),
])
def test_numbers_written_as_text(text, value):
    number = read_number(text)
    assert not isinstance(number, FormError) and float(number.value) == pytest.approx(value) and number.note


@pytest.mark.parametrize("text", ["1,2,3", "abc", "1/0", "nan", "inf", "1e99999", "5²", "①", "", "0x10", "1" * 300])
def test_text_that_is_no_number_is_refused_with_a_sentence(text):
    number = read_number(text)
    assert isinstance(number, FormError) and number.sentence


def test_integers_read_from_integral_floats_and_text():
    assert Integer().compare(7.55e7, 75_500_000).correct
    assert Integer().compare("11,336,941,156", 11_336_941_156).correct
    assert not Integer().compare(1.13e10, 11_336_941_156).correct


@pytest.mark.parametrize("huge", [10**400, 10**4299, -(10**5000), [10**400], {"x": 10**400}],
                         ids=["400 digits", "4300 digits", "5001 digits", "in a list", "in an object"])
def test_huge_integers_are_wrong_answers_not_crashes(huge):
    for kind, truth in ((Real(), 0.5), (Integer(), 5), (IntegerList(2, per_axis=True), [5, 5]), (Shape(), [1, 5, 5]),
                        (Array(), [[1.0, 2.0]]), (OptionalInteger(), None), (Choice(("a",)), "a")):
        verdict = kind.compare(huge, truth)
        assert not verdict.correct and verdict.feedback and len(verdict.feedback) < 400


def test_a_numpy_float_is_read_by_its_digits_not_its_repr():
    # numpy 2 writes repr(np.float64(x)) as "np.float64(x)"; solvers and students both produce them
    given = np.float64(3.6527404074980634)
    assert Real().compare(given, 3.6527404074980634).correct
    assert Real().compare(3.65, np.float64(3.6527404074980634)).correct
