"""kl_derivation: the seed's hand derivation grades right, known slips are named, any prior works."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from grader import symbolic
from grader.checking import check
from grader.errors import ParamsError
from grader.problems import get_family
from grader.solvers import kl_gaussian

FAMILY = get_family("kl_derivation")
STANDARD = {"mu": 1.5, "sigma": 0.5}

# Question 3 of the seed exam, as the student wrote each step.
SEED_ANSWER = {
    "log_term": "-1/2*log(σ^2)",
    "q_term": "-1/2",
    "p_term": "1/2*(σ^2 + μ^2)",
    "kl": "1/2*(-log(σ^2) - 1 + σ^2 + μ^2)",
    "kl_value": kl_gaussian(1.5, 0.5),
}


def test_the_seed_derivation_is_right():
    result = check(FAMILY, STANDARD, SEED_ANSWER)
    assert result.correct, result.feedback


def test_the_standard_prior_reference_is_the_textbook_form():
    answer = FAMILY.answer(FAMILY.params(STANDARD))
    assert answer["log_term"] == "-log(sigma)"
    assert answer["p_term"] == "(sigma**2 + mu**2)/2"
    assert answer["kl"] == "(mu**2 + sigma**2 - 1 - log(sigma**2))/2"


@pytest.mark.parametrize(
    ("part", "given", "mistake"),
    [
        ("log_term", "log(sigma)", "log_sign"),
        ("kl", "(mu**2 + sigma - 1 - log(sigma))/2", "sigma_for_variance"),
        ("kl", "(mu**2 + sigma**2 - log(sigma**2))/2", "forgot_minus_half"),
        ("p_term", "mu^2/2", "second_moment_without_variance"),
        ("kl", "(mu**2 + sigma**2 - 1 - log(sigma))/2", "log_sigma_not_squared"),
        ("kl", "mu**2 + sigma**2 - 1 - log(sigma**2)", "forgot_overall_half"),
    ],
)
def test_a_known_slip_in_one_part_is_named(part, given, mistake):
    result = check(FAMILY, STANDARD, {**SEED_ANSWER, part: given})
    assert not result.correct and result.mistakes == [mistake], result.feedback
    assert not result.parts[part].correct


def test_a_wrong_closed_form_evaluated_correctly_carries_its_value():
    wrong_kl = "log(sigma) + (sigma**2 + mu**2)/2 - 1/2"
    own_value = symbolic.value_at(wrong_kl, STANDARD)
    result = check(FAMILY, STANDARD, {**SEED_ANSWER, "kl": wrong_kl, "kl_value": own_value})
    assert result.parts["kl_value"].carried and not result.parts["kl"].correct


def test_an_unreadable_expression_is_a_wrong_part_with_a_reason():
    result = check(FAMILY, STANDARD, {**SEED_ANSWER, "kl": "__import__('os')"})
    assert not result.parts["kl"].correct
    assert "Could not read the expression" in result.parts["kl"].feedback
    assert result.parts["kl_value"].correct


@pytest.mark.parametrize("overrides", [{"prior_mean": [0, 1, 2], "prior_std": [1, 2]},
                                       {"prior_mean": {"min": -2, "max": 2, "step": 0.5},
                                        "prior_std": {"min": 0.5, "max": 3, "step": 0.5}}])
def test_an_instructor_may_randomise_the_prior(overrides):
    space = FAMILY.space(overrides)
    priors = set()
    for seed in range(40):
        params = FAMILY.sample(np.random.default_rng(seed), space)
        priors.add((params.prior_mean, params.prior_std))
        answer = FAMILY.answer(params)
        assert check(FAMILY, params, json.loads(json.dumps(answer))).correct
        for mistake in FAMILY.mistakes(params):
            result = check(FAMILY, params, json.loads(json.dumps(mistake.answer)), carry_forward=0)
            assert mistake.name in result.mistakes, (params, mistake.name)
    assert len(priors) > 3


def test_reference_strings_agree_with_the_solver_everywhere(rng):
    for _ in range(200):
        m, s = rng.choice([-1.5, 0.0, 1.0, 2.0]), rng.choice([0.5, 1.0, 2.0])
        params = FAMILY.params({"prior_mean": m, "prior_std": s, "mu": 0.0, "sigma": 1.0})
        answer = FAMILY.answer(params)
        point = {"mu": float(rng.uniform(-3, 3)), "sigma": float(rng.uniform(0.2, 3))}
        terms = sum(symbolic.value_at(answer[k], point) for k in ("log_term", "q_term", "p_term"))
        expected = kl_gaussian(point["mu"], point["sigma"], m, s)
        assert symbolic.value_at(answer["kl"], point) == pytest.approx(expected, rel=1e-12, abs=1e-12)
        assert terms == pytest.approx(expected, rel=1e-12, abs=1e-12)


# Graded in a fresh interpreter: nothing an earlier test compared is remembered there, and the CPU
# time of the child processes it waited for says whether any comparison needed sympy in a process.
GRADE_TEN_SEEDS = """
import json, resource
import numpy as np
from grader.checking import check
from grader.problems import get_family

family = get_family("kl_derivation")
before = resource.getrusage(resource.RUSAGE_CHILDREN)
verdicts = []
for seed in range(10):
    params = family.sample(np.random.default_rng(seed))
    truth = check(family, params, family.answer(params))
    verdicts.append(["truth", truth.correct, truth.score, truth.max_score, truth.mistakes])
    for m in family.mistakes(params):
        result = check(family, params, m.answer)
        verdicts.append([m.name, result.correct, result.score, result.max_score, result.mistakes])
after = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"children_cpu": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
                  "verdicts": verdicts}))
"""


def test_grading_decides_every_answer_without_a_process():
    run = subprocess.run([sys.executable, "-c", GRADE_TEN_SEEDS], capture_output=True, text=True, check=True)
    report = json.loads(run.stdout)
    assert report["children_cpu"] == 0, "a comparison fell back to sympy's simplify in a child process"
    mistakes = [v for v in report["verdicts"] if v[0] != "truth"]
    assert len(report["verdicts"]) - len(mistakes) == 10 and mistakes
    for name, correct, score, top, named in report["verdicts"]:
        if name == "truth":
            assert correct and score == top and named == []
        else:
            assert not correct and score < top and name in named, name


def test_the_statement_names_the_parts_and_shows_the_prior():
    params = FAMILY.params({"prior_mean": 2, "prior_std": 1.5, "mu": 0.5, "sigma": 2})
    statement = FAMILY.statement(params)
    for text in ("log_term", "q_term", "p_term", "`kl`", "kl_value", r"\mathcal{N}(2, 1.5^2)", "(z - 2)^2"):
        assert text in statement
    assert "log(1.5) - log(sigma)" in FAMILY.worked_solution(params)


@pytest.mark.parametrize(("data", "field"), [({"prior_std": 0, "mu": 0, "sigma": 1}, "prior_std"),
                                             ({"mu": 0, "sigma": -1}, "sigma"),
                                             ({"mu": 0, "sigma": 1, "prior": 1}, "prior")])
def test_bad_params_name_the_field(data, field):
    with pytest.raises(ParamsError, match=f"kl_derivation: {field}:"):
        FAMILY.params(data)
