"""Variants: deterministic, independent per problem and student, unpredictable without the secret."""

from __future__ import annotations

import hashlib
import hmac
import re

import numpy as np

from grader.assignment import load_assignment
from grader.variants import problem_rng, seed_words, variant_stats, variants
from tests.conftest import SMALL_ASSIGNMENT


def _params(course, sid, secret=b"test-secret"):
    a = load_assignment(course, "a1")
    return {pid: v.params for pid, v in variants(secret, course.config.course, a, sid).items()}


def test_same_inputs_same_variant(make_course):
    course = make_course()
    assert _params(course, "s001") == _params(course, "s001")


def test_students_and_secrets_get_different_numbers(make_course):
    course = make_course()
    assert _params(course, "s001") != _params(course, "s002")
    assert _params(course, "s001") != _params(course, "s001", secret=b"another")


def test_changing_one_problem_leaves_the_others_alone(make_course):
    before = _params(make_course(), "s001")
    after = _params(make_course(assignment=SMALL_ASSIGNMENT.replace("stride = [1, 2]", "stride = [3]")), "s001")
    assert before["q1"] == after["q1"] and before["q2"] != after["q2"]


def test_variants_do_not_depend_on_the_roster(make_course):
    a = _params(make_course(students=("s001", "s002")), "s002")
    b = _params(make_course(students=("s009", "s002", "s001", "s004")), "s002")
    assert a == b


def test_the_seed_separates_its_fields():
    # "a" + "b/c" must not collide with "a/b" + "c": the fields are joined by a separator
    x = problem_rng(b"k", "course", "a", "b\x1fc", "s").integers(1 << 62)
    y = problem_rng(b"k", "course", "a\x1fb", "c", "s").integers(1 << 62)
    z = problem_rng(b"k", "course", "a", "b", "s").integers(1 << 62)
    assert x == y != z  # the separator is reserved: ids can never contain it (they are checked)


def test_stats_count_distinct_variants_and_the_chance_of_sharing(make_course):
    course = make_course(students=tuple(f"s{i:03d}" for i in range(60)))
    a = load_assignment(course, "a1")
    stats = variant_stats(b"test-secret", course.config.course, a, [s.student_id for s in course.roster()])
    q1 = stats[0]
    assert q1.students == 60 and q1.distinct_params > 50 and 0 <= q1.share_probability < 0.05 and not q1.too_small
    fixed = SMALL_ASSIGNMENT.replace('points = 2\n', 'points = 2\nparams = {input_size = 8, kernel_size = 3}\n', 1)
    course = make_course(students=tuple(f"s{i:03d}" for i in range(10)), assignment=fixed)
    stats = variant_stats(b"test-secret", course.config.course, load_assignment(course, "a1"), [f"s{i:03d}" for i in range(10)])
    assert stats[0].distinct_params == 1 and stats[0].share_probability == 1.0 and stats[0].too_small


def test_the_generator_is_default_rng_of_the_hmac():
    # problem_rng seeds numpy itself (faster); every student's numbers depend on it being the same
    digest = hmac.new(b"k", "\x1f".join(("course", "a", "q1", "s001")).encode(), hashlib.sha256).digest()
    expected = np.random.default_rng(int.from_bytes(digest, "big")).bit_generator.state
    assert problem_rng(b"k", "course", "a", "q1", "s001").bit_generator.state == expected
    for seed in (0, 1, 2**32 - 1, 2**32, 2**64 + 5, 7 << 200, 2**256 - 1):  # leading zero words, one word, zero
        state = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed_words(seed)))).bit_generator.state
        assert state == np.random.default_rng(seed).bit_generator.state, seed


def test_the_variants_command_warns_about_a_space_too_small_for_the_roster(make_course):
    from typer.testing import CliRunner

    from grader.cli import app

    runner = CliRunner()
    course = make_course(students=tuple(f"s{i:03d}" for i in range(60)))
    wide = runner.invoke(app, ["variants", "a1", "--course", str(course.root)], env={"COLUMNS": "200"})
    assert wide.exit_code == 0, wide.output
    assert "variants over 60 students" in wide.output and "too small" not in wide.output and "note" not in wide.output
    fixed = SMALL_ASSIGNMENT.replace('points = 2\n', 'points = 2\nparams = {input_size = 8, kernel_size = 3}\n', 1)
    course = make_course(students=tuple(f"s{i:03d}" for i in range(10)), assignment=fixed)
    small = runner.invoke(app, ["variants", "a1", "--course", str(course.root)], env={"COLUMNS": "200"})
    assert small.exit_code == 0, small.output
    assert "space too small for the roster" in small.output and "100.00%" in small.output
    assert "1 problem(s) give too few distinct answers" in small.output


HAND = '''
title = "By hand"
due = 2030-01-31T23:59:00Z

[[problems]]
id = "q1"
family = "conv_values"
points = 2

[[problems]]
id = "q2"
family = "conv_values"
points = 2
[problems.space]
size = {min = 10, max = 16}
'''


def test_the_variants_command_warns_when_an_override_makes_a_problem_too_big_to_do_by_hand(make_course):
    from typer.testing import CliRunner

    from grader.cli import app
    from grader.variants import hand_work

    course = make_course(students=tuple(f"s{i:03d}" for i in range(40)), assignment=HAND)
    found = hand_work(b"test-secret", course.config.course, load_assignment(course, "a1"), [f"s{i:03d}" for i in range(40)])
    assert [(h.problem_id, h.students) for h in found] == [("q2", 40)]  # the default space stays within hand work
    assert 0 < found[0].too_big < 40 and "entries along an axis (more than 12 to compute by hand)" in found[0].example
    result = CliRunner().invoke(app, ["variants", "a1", "--course", str(course.root)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert f"q2 (conv_values): {found[0].too_big} of 40 variants are too big to do by hand" in result.output
    assert "q1 (conv_values)" not in result.output


def test_stats_flag_fixed_parameters_that_make_a_degenerate_variant(make_course):
    fixed = SMALL_ASSIGNMENT + '\n[[problems]]\nid = "q4"\nfamily = "kl_gaussian"\nparams = {mu_q = 1.0, sigma_q = 2.0, mu_p = 1.0, sigma_p = 2.0}\n'
    course = make_course(assignment=fixed)
    stats = variant_stats(b"test-secret", course.config.course, load_assignment(course, "a1"), ["s001", "s002"])
    assert [s.degenerate for s in stats] == [None, None, "q = p, so KL(q‖p) is 0"]
    from typer.testing import CliRunner

    from grader.cli import app

    shown = CliRunner().invoke(app, ["variants", "a1", "--course", str(course.root)], env={"COLUMNS": "250"})
    assert "degenerate: q = p, so KL(q‖p) is 0" in shown.output
    assert "1 problem(s) have fixed parameters that make no exercise" in shown.output


def test_the_variants_table_keeps_family_names_whole_at_80_columns(make_course):
    from typer.testing import CliRunner

    from grader.cli import app

    long = SMALL_ASSIGNMENT.replace('family = "conv_output_shape"\npoints = 2', 'family = "conv_transpose_output_shape"\npoints = 2')
    course = make_course(assignment=long)
    shown = CliRunner().invoke(app, ["variants", "a1", "--course", str(course.root)], env={"COLUMNS": "80"})
    assert shown.exit_code == 0 and "conv_transpose_output_shape" in shown.output, shown.output
    assert max(len(line) for line in shown.output.splitlines()) <= 80


def test_a_course_familys_too_big_by_hand_that_raises_is_one_line(custom_course):
    # the optional hook is the course's own code like solve(): what it raises is one line, not a traceback
    from typer.testing import CliRunner

    from grader.cli import app
    from tests.conftest import DOUBLE_FAMILY

    course = custom_course(family_source=DOUBLE_FAMILY + "\ndef too_big_by_hand(p):\n    return {}['hands']\n")
    result = CliRunner().invoke(app, ["variants", "a1", "--course", str(course.root)], env={"COLUMNS": "300"})
    assert result.exit_code == 2 and "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    assert re.search(r"family 'double': too_big_by_hand\(\) raised KeyError: 'hands'; parameters \{\"n\":\d\}", result.output)
