"""One generic test over every family x many seeds (a new family is covered at once): the registered
ones, and the course's own beside the shipped assignments (found the way every command finds them)."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import numpy as np
import pytest

from grader.checking import check
from grader.config import load_course
from grader.course_families import course_families
from grader.problems import families as registered
from grader.problems.base import all_zero
from grader.problems.text import num
from tests.conftest import SEEDS
from tests.problems.latex_math import steps

_ALL = course_families(load_course(Path(__file__).resolve().parents[2]))
FAMILIES = sorted(_ALL)


def families():
    return _ALL


def _draws(name: str, count: int = SEEDS):
    family = families()[name]
    for seed in range(count):
        yield seed, family.sample(np.random.default_rng(seed))


def test_every_issue_family_is_registered():
    expected = {
        "conv_output_shape", "conv_transpose_output_shape", "conv_values", "conv_transpose_values",
        "pool_values", "param_count", "receptive_field", "kl_gaussian", "kl_derivation",
        "layers_to_size", "bilinear_weight", "softmax_cross_entropy", "mlp_backprop", "batchnorm_values", "conv_cost",
        "rnn_shapes_params", "attention_params", "vae_elbo", "gan_losses",
    }
    assert expected <= set(registered())


def test_the_course_families_beside_the_shipped_assignments_are_covered():
    # a family file beside an assignment is no less tested than a built-in one
    assert "pixel_shuffle_shape" in FAMILIES and "pixel_shuffle_shape" not in registered()


@pytest.mark.parametrize("name", FAMILIES)
def test_params_validate_and_round_trip_through_json(name):
    family = families()[name]
    for seed, params in _draws(name):
        text = json.dumps(params.model_dump(mode="json"))
        again = family.params(json.loads(text))
        assert again == params, f"seed {seed}"
        assert json.dumps(again.model_dump(mode="json")) == text, f"seed {seed}"


@pytest.mark.parametrize("name", FAMILIES)
def test_generate_is_reproducible_and_leaves_global_random_state_alone(name):
    family = families()[name]
    np.random.seed(7)
    random.seed(7)
    np_state, py_state = np.random.get_state(), random.getstate()
    first = [family.sample(np.random.default_rng(s)) for s in range(10)]
    second = [family.sample(np.random.default_rng(s)) for s in range(10)]
    assert first == second
    assert random.getstate() == py_state
    after = np.random.get_state()
    assert after[0] == np_state[0] and np.array_equal(after[1], np_state[1]) and after[2:] == np_state[2:]
    assert len({p.model_dump_json() for p in first}) > 1, "every seed drew the same parameters"


# where an answer of 0 everywhere is asked on purpose: a pixel outside the 4 around the point (weight
# and derivatives 0), a stack of layers already at its target size (0 layers)
ZERO_IS_ASKED = {"bilinear_weight", "layers_to_size"}


@pytest.mark.parametrize("name", FAMILIES)
def test_no_drawn_variant_is_degenerate(name):
    # a family's own rule says what is no exercise (a pooling of one window, KL with q = p), and the
    # registry redraws those; judged here without the rule: elsewhere an answer of 0 everywhere is
    # never drawn (KL at the prior, a convolution of zeros)
    family = families()[name]
    for seed, params in _draws(name, 4 * SEEDS):
        assert family.degenerate(params) is None, (seed, params)
        assert name in ZERO_IS_ASKED or not all_zero(family.answer(params)), (seed, params)


@pytest.mark.parametrize("name", FAMILIES)
def test_reference_answer_scores_full_marks(name):
    family = families()[name]
    for seed, params in _draws(name):
        answer = json.loads(json.dumps(family.answer(params)))  # as it would arrive: plain JSON
        result = check(family, params, answer)
        assert result.correct and result.score == result.max_score > 0, (seed, result.feedback)
        assert result.mistakes == []


@pytest.mark.parametrize("name", FAMILIES)
def test_every_mistake_scores_less_and_is_named(name):
    family = families()[name]
    for seed, params in _draws(name):
        for mistake in family.mistakes(params):
            answer = json.loads(json.dumps(mistake.answer))
            result = check(family, params, answer, carry_forward=0)
            assert result.score < result.max_score, (seed, mistake.name)
            assert mistake.name in result.mistakes, (seed, mistake.name, result.feedback)
            assert any(mistake.message in text for text in result.feedback), (seed, mistake.name)


@pytest.mark.parametrize("name", FAMILIES)
def test_every_mistake_applies_to_some_drawn_variants(name):
    family = families()[name]
    declared, applied = set(), set()
    for _, params in _draws(name, 4 * SEEDS):
        declared |= {m.name for m in family.module.mistakes(params)}
        applied |= {m.name for m in family.mistakes(params)}
    assert declared, f"{name} lists no mistakes"
    assert declared == applied, f"never distinguishable from the truth: {sorted(declared - applied)}"


@pytest.mark.parametrize("name", FAMILIES)
def test_statement_and_worked_solution_render_with_the_numbers(name):
    family = families()[name]
    for _, params in _draws(name, 10):
        statement = family.statement(params)
        solution = family.worked_solution(params)
        for text in (statement, solution):
            assert len(text) > 40 and "{{" not in text and "{%" not in text
            assert text.count("$") % 2 == 0, "unbalanced math delimiters"


@pytest.mark.parametrize("name", FAMILIES)
def test_answer_kinds_describe_themselves(name):
    family = families()[name]
    params = family.sample(np.random.default_rng(0))
    for part in family.parts(params).values():
        assert part.kind.describe()


@pytest.mark.parametrize("name", FAMILIES)
def test_part_names_make_answer_variables_that_do_not_shadow_the_parameters_cell(name):
    family = families()[name]
    for _, params in _draws(name, 20):
        for part in family.parts(params):  # qN_<part> in the notebook, beside qN_params
            assert part.isidentifier() and part not in ("params", "answer"), part


def _shown(value, text: str) -> list[str]:
    """The pieces of an answer a worked solution must show, missing from ``text``."""
    if isinstance(value, dict):
        return [m for v in value.values() for m in _shown(v, text)]
    if isinstance(value, list):
        return [m for v in value for m in _shown(v, text)]
    if value is None or isinstance(value, (bool, str)):
        return [] if str(value) in text else [str(value)]
    pattern = rf"(?<![\d.]){re.escape(num(value))}(?![\d])"
    return [] if re.search(pattern, text) else [num(value)]


@pytest.mark.parametrize("name", FAMILIES)
def test_the_worked_solution_shows_the_answer_and_no_step_contradicts_it(name):
    family = families()[name]
    checked = 0
    for seed, params in _draws(name, 4 * SEEDS):
        text = family.worked_solution(params)
        assert not _shown(json.loads(json.dumps(family.answer(params))), text), (seed, params, _shown(family.answer(params), text))
        for step in steps(text):
            assert step.holds(), (seed, params, f"{step.left} {step.relation} {step.right} in: {step.text}")
            checked += 1
    assert checked or name in WITHOUT_ARITHMETIC, f"{name}: no arithmetic step found to check"


# only the answer is checked: a table of values per layer; a symbolic derivation and its value; formulas
# in symbols with their totals (attention); symbolic losses and gradients (GAN); a forward and backward
# pass shown as transposed vectors and matrices beside symbols (MLP); the last three's answers are
# checked against PyTorch in tests/problems/test_families_against_pytorch.py.
WITHOUT_ARITHMETIC = {"receptive_field", "kl_derivation", "attention_params", "gan_losses", "mlp_backprop"}
