"""The report's numbers, on a gradebook filled by hand: every expected value is worked out below.

Eight graded students (s1-s8) answer a computed q1 (conv_output_shape: out_channels, out_size),
q2 (param_count: total, per_layer) and a free-text q3; s9's run failed, s10's file was invalid,
zz submitted without being on the roster and s11 never submitted.
"""

from __future__ import annotations

import numpy as np
import pytest

from grader.assignment import load_assignment
from grader.gradebook import Gradebook, PartRecord
from grader.outcomes import Verdict
from grader.problems import get_family
from grader.report.difficulty import parameter_effects
from grader.report.stats import assignment_stats

ASSIGNMENT = '''
title = "Stats"

[[problems]]
id = "q1"
family = "conv_output_shape"
points = 2

[[problems]]
id = "q2"
family = "param_count"
points = 2

[[problems]]
id = "q3"
title = "Why?"
prompt = "Why share weights?"
points = 2
'''
GRADED = [f"s{i}" for i in range(1, 9)]
ROSTER = [*GRADED, "s9", "s10", "s11"]


def row(pid, part, verdict, score, top=1.0, mistake=None, feedback="", manual=False) -> PartRecord:
    return PartRecord(problem_id=pid, part=part, score=score, max_score=top, verdict=Verdict(verdict),
                      feedback=feedback, mistake=mistake, manual=manual)


def q1_params(i: int) -> dict:
    """stride 1 for s1-s4 and 2 for s5-s8; in_channels 3 for only two students; one list-valued input_size."""
    return dict(dims=2, input_size=[64, 48] if i == 1 else 64, in_channels=3 if i <= 2 else 16,
                out_channels=8 if i % 2 else 16, groups=1, kernel_size=3, stride=1 if i <= 4 else 2, padding=0,
                dilation=1)


def q1_rows(i: int) -> list[PartRecord]:
    if i <= 4:
        return [row("q1", "out_channels", "correct", 1), row("q1", "out_size", "correct", 1)]
    if i <= 7:
        return [row("q1", "out_channels", "correct", 1),
                row("q1", "out_size", "wrong", 0, mistake="forgot_plus_one", feedback="0 of 2 sizes are right.")]
    return [row("q1", "out_channels", "correct", 1), row("q1", "out_size", "unanswered", 0)]


def q2_rows(i: int) -> list[PartRecord]:
    if i <= 4:
        return [row("q2", "total", "correct", 1), row("q2", "per_layer", "correct", 1)]
    if i <= 6:
        return [row("q2", "total", "carried", 1), row("q2", "per_layer", "wrong", 0, mistake="no_bias")]
    if i == 7:
        return [row("q2", "total", "wrong", 0, mistake="no_bias"), row("q2", "per_layer", "wrong", 0, mistake="no_bias")]
    return [row("q2", "total", "correct", 1),
            row("q2", "per_layer", "partial", 0.5, mistake="made_up", feedback="Half the layers are right.")]


def q3_rows(i: int) -> list[PartRecord]:
    verdict, score = ("manual", 2.0) if i == 1 else ("pending", 0.0) if i <= 6 else ("unanswered", 0.0)
    return [row("q3", "answer", verdict, score, top=2.0, manual=True)]


@pytest.fixture
def stats_course(make_course):
    course = make_course(students=ROSTER, assignment=ASSIGNMENT)
    q2 = get_family("param_count").sample(np.random.default_rng(1)).model_dump(mode="json")
    book = Gradebook(course.config.gradebook, course.root)
    common = dict(assignment="a1", sha256="x", submitted_at="2030-01-02T00-00-00Z")
    book.record(**common, student_id="s1", path="old.ipynb", status="superseded")
    for i, sid in enumerate(GRADED, start=1):
        book.record(**common, student_id=sid, path=f"{sid}.ipynb", status="graded", rows=q1_rows(i) + q2_rows(i) + q3_rows(i),
                    variants={"q1": ("conv_output_shape", q1_params(i)), "q2": ("param_count", q2)})
    book.record(**common, student_id="s9", path="s9.ipynb", status="failed", reason="the grading worker died twice",
                rows=[row("q1", "out_size", "unanswered", 0, top=2.0)])
    book.record(**common, student_id="s10", path="s10.ipynb", status="invalid", reason="not valid JSON")
    book.record(**common, student_id="zz", path="zz.ipynb", status="not_on_roster", reason="zz is not on the roster")
    yield course, book
    book.close()


def stats(stats_course, **kw):
    course, book = stats_course
    return assignment_stats(book, load_assignment(course, "a1"), roster=ROSTER, **kw)


def test_headline_counts_and_scores_of_the_points_graded_so_far(stats_course):
    h = stats(stats_course).headline
    assert (h.graded, h.failed, h.invalid, h.not_on_roster, h.missing) == (8, 1, 1, 1, 1)
    # s1 6/6 (its q3 graded by hand); s2-s4 4/4 (q3 pending, left out); s5, s6 2/4; s7 1/6; s8 2.5/6
    assert h.scores == pytest.approx([1, 1, 1, 1, 0.5, 0.5, 1 / 6, 2.5 / 6])
    assert h.mean == pytest.approx(67 / 96)
    assert h.median == pytest.approx(0.75)
    assert h.pending == 5
    assert h.last_graded is not None


def test_where_the_points_went_per_problem_and_part_in_the_familys_order(stats_course):
    problems = {p.problem_id: p for p in stats(stats_course).problems}
    assert list(problems) == ["q1", "q2", "q3"]
    q1, q2, q3 = problems["q1"], problems["q2"], problems["q3"]
    assert (q1.total.points, q1.total.earned, q1.total.wrong, q1.total.unanswered) == (16, 12, 3, 1)  # s9 failed: not counted
    assert q1.total.mean == 0.75 and q1.total.verdicts == {"correct": 12, "wrong": 3, "unanswered": 1}
    assert [p.part for p in q1.parts] == ["out_channels", "out_size"]
    assert q1.parts[1].mean == 0.5 and q1.parts[1].share("unanswered") == 1 / 8
    assert [p.part for p in q2.parts] == ["total", "per_layer"]  # param_count's order, not the alphabet's
    assert (q2.total.earned, q2.total.carried, q2.total.wrong) == (9.5, 2, 4.5)
    assert q2.total.mean == 11.5 / 16 and q2.total.share("carried") == 0.125
    assert q2.parts[0].share("carried") == 0.25 and q2.parts[0].mean == 7 / 8
    assert not q3.computed and q3.title == "Why?"
    assert (q3.total.earned, q3.total.pending, q3.total.unanswered) == (2, 10, 4)
    assert q3.total.mean == pytest.approx(1 / 3) and q3.total.share("pending") == 10 / 16


def test_mistakes_are_counted_once_per_student_with_the_familys_sentence(stats_course):
    problems = {p.problem_id: p for p in stats(stats_course).problems}
    (plus_one,) = problems["q1"].mistakes
    assert (plus_one.name, plus_one.students, plus_one.share, plus_one.parts) == ("forgot_plus_one", 3, 3 / 8, ("out_size",))
    assert plus_one.message.startswith("The number of window positions")
    no_bias, made_up = problems["q2"].mistakes
    assert (no_bias.name, no_bias.students, no_bias.parts) == ("no_bias", 3, ("per_layer", "total"))  # s7 twice, once
    assert "bias" in no_bias.message
    assert (made_up.name, made_up.students, made_up.message) == ("made_up", 1, "Half the layers are right.")
    assert problems["q3"].mistakes == ()


def test_top_mistakes_keeps_the_most_frequent(stats_course):
    problems = {p.problem_id: p for p in stats(stats_course, top_mistakes=1).problems}
    assert [m.name for m in problems["q2"].mistakes] == ["no_bias"]


def test_a_parameter_that_makes_a_problem_harder_is_flagged_with_both_counts(stats_course):
    s = stats(stats_course)
    q1 = {e.param: e for e in s.effects if e.problem_id == "q1"}
    # input_size is a list for one student, the rest take one value only; param_count's layers are a list
    assert sorted(q1) == ["in_channels", "out_channels", "stride"]
    assert not [e for e in s.effects if e.problem_id == "q2"]
    stride = q1["stride"]
    assert [(lv.label, lv.n, lv.mean) for lv in stride.levels] == [("1", 4, 1.0), ("2", 4, 0.5)]
    assert stride.flagged and stride.clear and stride.spread == 0.5
    assert stride.claim == "q1 is harder with stride=2: 50% (n=4) vs 100% with stride=1 (n=4)"
    assert q1["out_channels"].spread == 0 and not q1["out_channels"].flagged
    assert s.flagged == [stride]


def test_values_with_few_students_are_shown_but_not_compared(stats_course):
    in_channels = {e.param: e for e in stats(stats_course).effects}["in_channels"]
    assert [(lv.label, lv.n) for lv in in_channels.levels] == [("3", 2), ("16", 6)]
    assert in_channels.best is None and in_channels.spread is None and not in_channels.flagged
    stride = {e.param: e for e in stats(stats_course, min_n=5).effects}["stride"]
    assert stride.spread is None and not stride.flagged


def test_the_trouble_list_gives_each_reason(stats_course):
    trouble = stats(stats_course).trouble
    assert [(t.student_id, t.status, t.reason) for t in trouble] == [
        ("s9", "failed", "the grading worker died twice"),
        ("s10", "invalid", "not valid JSON"),
        ("zz", "not_on_roster", "zz is not on the roster"),
    ]


def test_an_empty_gradebook_gives_empty_statistics(make_course):
    course = make_course(assignment=ASSIGNMENT)
    book = Gradebook(course.config.gradebook, course.root)
    try:
        s = assignment_stats(book, load_assignment(course, "a1"), roster=["s001"])
    finally:
        book.close()
    assert s.headline.graded == 0 and s.headline.mean is None and s.headline.missing == 1
    assert all(p.total.points == 0 and p.total.mean is None for p in s.problems) and s.effects == []


# -- parameter_effects on its own --------------------------------------------------------------

def test_many_valued_numbers_are_cut_into_three_ranges():
    samples = [({"size": v}, 1.0 if v <= 3 else 0.5) for v in range(1, 10)]
    (effect,) = parameter_effects("q", samples)
    assert [(lv.label, lv.n, lv.mean, lv.is_range) for lv in effect.levels] == [
        ("1–3", 3, 1.0, True), ("4–6", 3, 0.5, True), ("7–9", 3, 0.5, True)]
    assert effect.flagged and effect.claim.startswith("q is harder with size 4–6: 50% (n=3) vs 100% with size 1–3")


def test_a_wide_gap_between_noisy_small_groups_is_flagged_but_called_possible_chance():
    samples = [({"mode": "a"}, s) for s in (1, 0, 1)] + [({"mode": "b"}, s) for s in (0, 0, 1)]
    (effect,) = parameter_effects("q", samples)
    assert effect.flagged and effect.spread == pytest.approx(1 / 3)
    assert effect.standard_error == pytest.approx((2 / 9) ** 0.5)  # sd 0.577 in each group of 3
    assert effect.may_be_chance and not effect.clear and "within chance" in effect.claim


def test_values_of_mixed_kinds_are_ordered_and_labelled_plainly():
    samples = [({"stride": None, "bias": True}, 1.0)] * 3 + [({"stride": 2, "bias": False}, 0.0)] * 3
    effects = {e.param: e for e in parameter_effects("q", samples)}
    assert [lv.label for lv in effects["stride"].levels] == ["2", "None"]
    assert [lv.label for lv in effects["bias"].levels] == ["False", "True"]
    assert effects["bias"].claim == "q is harder with bias=False: 0% (n=3) vs 100% with bias=True (n=3)"


def test_a_gap_just_under_the_threshold_is_not_flagged():
    samples = [({"k": 1}, 1.0)] * 3 + [({"k": 2}, 0.81)] * 3
    (effect,) = parameter_effects("q", samples, min_spread=0.2)
    assert effect.spread == pytest.approx(0.19) and not effect.flagged
