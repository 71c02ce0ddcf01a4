"""assignment.toml: problems in order, points, spaces, free text; mistakes in it are clear errors."""

from __future__ import annotations

import pytest

from grader.assignment import QuestionConfig, load_assignment
from grader.errors import ConfigError
from tests.conftest import SMALL_ASSIGNMENT


def test_problems_and_questions_load_in_order(make_course):
    a = load_assignment(make_course(), "a1")
    assert [p.id for p in a.problems] == ["q1", "q2", "q3"]
    assert isinstance(a.problems[2], QuestionConfig) and a.problems[2].points == 2
    assert a.computed[1].space.stride == [1, 2] and a.due.year == 2030


@pytest.mark.parametrize(("edit", "says"), [
    (lambda s: s.replace('family = "conv_output_shape"\npoints = 2', 'family = "conv_outptu_shape"'),
     r"problem 'q1': unknown family 'conv_outptu_shape'"),
    (lambda s: s.replace("stride = [1, 2]", "strde = [1, 2]"), r"problem 'q2': conv_output_shape space: strde: unknown key"),
    (lambda s: s.replace('id = "q2"', 'id = "q1"'), r"problem id 'q1' is used twice"),
    (lambda s: s.replace("stride = [1, 2]", "stride = [0, 2, 4]"),
     r"problem 'q2': conv_output_shape space: stride: 0 is never drawn \(stride: must be at least 1"),
    (lambda s: s.replace('id = "q2"', 'id = "2nd"'), r"problems\[2\]\.id: '2nd' must start with a letter"),
    (lambda s: s.replace("points = 2\n\n[[problems]]\nid = \"q2\"", "points = {out_size = 1, channels = 1}\n\n[[problems]]\nid = \"q2\""),
     r"points for unknown part\(s\) channels"),
    (lambda s: s.replace('title = "Small"', 'titel = "Small"'), r"titel: unknown key"),
    (lambda s: s.replace('points = 2\n\n[[problems]]\nid = "q2"', 'points = "two"\n\n[[problems]]\nid = "q2"'),
     r"problems\[1\]\.points: Input should be a valid number"),
    (lambda s: s.replace('id = "q3"\ntitle = "Why?"', 'id = "q3"\ntitel = "Why?"'), r"problems\[3\]\.titel: unknown key"),
])
def test_mistakes_in_assignment_toml_name_the_file_and_problem(make_course, edit, says):
    course = make_course(assignment=edit(SMALL_ASSIGNMENT))
    with pytest.raises(ConfigError, match=says):
        load_assignment(course, "a1")


@pytest.mark.parametrize("points", ["-1", "{out_channels = 1, out_size = -2}"])
def test_negative_points_for_a_computed_problem_are_refused(make_course, points):
    # a right answer would lower the student's score
    text = SMALL_ASSIGNMENT.replace("points = 2\n", f"points = {points}\n", 1)
    with pytest.raises(ConfigError, match=r"problems\[1\]\.points.*greater than or equal to 0"):
        load_assignment(make_course(assignment=text), "a1")


@pytest.mark.parametrize("due", ['"next friday"', '"2026-13-01"', "2026-02-30"])
def test_a_bad_due_date_is_one_short_line(make_course, due):
    text = SMALL_ASSIGNMENT.replace("due = 2030-01-31T23:59:00Z", f"due = {due}")
    if due == "2026-02-30":  # not even TOML: the TOML reader names the line
        with pytest.raises(ConfigError, match=r"not valid TOML"):
            load_assignment(make_course(assignment=text), "a1")
        return
    with pytest.raises(ConfigError) as caught:
        load_assignment(make_course(assignment=text), "a1")
    message = str(caught.value).split("assignment.toml: ", 1)[1]
    assert "\n" not in message and message.count("due") == 1, message
    assert message.endswith(f"due: {due.strip(chr(34))!r} is not a date: write it like 2030-02-03 or 2030-02-03T23:59:00Z")


def test_an_unknown_assignment_lists_the_known_ones(make_course):
    with pytest.raises(ConfigError, match=r"unknown assignment 'a2'.*known: a1"):
        load_assignment(make_course(), "a2")


def test_fixed_params_are_validated(make_course):
    text = SMALL_ASSIGNMENT.replace('points = 2\n', 'points = 2\nparams = {input_size = 4, kernel_size = 9}\n', 1)
    with pytest.raises(ConfigError, match="kernel_size: the dilated kernel"):
        load_assignment(make_course(assignment=text), "a1")


def test_a_custom_family_can_live_beside_the_assignment(custom_course):
    a = load_assignment(custom_course(), "a1")
    assert a.problem("q4").family.name == "double"
