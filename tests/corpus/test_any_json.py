"""Property tests: whatever JSON arrives, ``check`` gives a verdict (never an exception) and the batch command
answers every line. A bounded number of examples keeps the suite fast; a generous timeout guards against a
hang (timings themselves are measured in ``benchmarks/answers.py``, never asserted)."""

from __future__ import annotations

import functools
import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from grader.checking import check
from grader.cli import app
from grader.errors import ParamsError
from grader.problems import families

FAMILIES = sorted(families())
SETTINGS = settings(max_examples=60, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

STUDENT_TEXT = [
    "55x55x96", "55X55X96 px", "torch.Size([96, 55, 55])", "96x54x5²", "①", "²", "٣", "1/0", "0/0", "-1/3", "1e99999",
    "1e-99999", "−0.1", "10,730", "3,93", "7.55 × 10^7", "1.5·10⁻⁴", "np.float64(54.0)", "tensor(3.)", "None", "null",
    "never", "NaN", "inf", "-Infinity", "", " ", "\\frac{1}{2}", "\\frac{1}{", "\\sqrt", "ln σ", "KL = ", "=", "log", "log log",
    "abs(mu-3)", "½(μ² + σ² − 1 − ln σ²)", "(" * 60, ")" * 60, "x" * 500, "9" * 5000, "mu" * 200, "sigma**sigma**sigma",
    "exp(exp(exp(mu)))", "log(-sigma)", "[1, 2, 3]", "[[1, 2], [3]]", "{}", "126 x 126 x 16", "3x5", "layer1",
    "tensor([[0.5, -1.], [2., 0.]])", "tensor([1., 2.], grad_fn=<AddBackward0>)", "array([[1. , 2.5]])", "[" * 60, "]" * 60,
    "[1, 2] [3]", "[[[[[[[[[[1]]]]]]]]]]", "torch.Size([5, 3, 20])", "(5, 3, 20)", "5x3x20.5",
]
NUMBERS = st.one_of(
    st.integers(), st.floats(), st.sampled_from([10**400, -(10**4299), 2**63, 1e308, 5e-324, -0.0, math.nan, math.inf]),
)
TEXTS = st.one_of(st.text(max_size=30), st.sampled_from(STUDENT_TEXT), st.from_regex(r"[0-9xX×*,. \[\]()-]{0,16}", fullmatch=True))
LEAVES = st.one_of(st.none(), st.booleans(), NUMBERS, TEXTS)


def _json(keys: list[str]) -> st.SearchStrategy:
    return st.recursive(LEAVES, lambda children: st.one_of(
        st.lists(children, max_size=6),
        st.dictionaries(st.one_of(st.sampled_from(keys), st.text(max_size=8)), children, max_size=6),
    ), max_leaves=25)


def _deep(depth: int) -> list:
    value: list = [1]
    for _ in range(depth):
        value = [value]
    return value


def _like(reference, anything: st.SearchStrategy) -> st.SearchStrategy:
    """Answers shaped like the reference with some of its leaves replaced: the near misses."""
    if isinstance(reference, dict):
        return st.fixed_dictionaries({k: st.one_of(_like(v, anything), anything) for k, v in reference.items()})
    if isinstance(reference, list) and len(reference) <= 6:
        return st.tuples(*(st.one_of(_like(v, anything), LEAVES) for v in reference)).map(list)
    return st.one_of(st.just(reference), LEAVES)


@functools.cache
def _params(name: str) -> list:
    family = families()[name]
    return [family.sample(np.random.default_rng(seed)) for seed in range(3)]


def _assert_a_verdict(result) -> None:
    verdict = result.verdict()
    json.dumps(verdict, allow_nan=False)  # plain JSON, no NaN score
    assert 0 <= result.score <= result.max_score + 1e-9
    assert not result.correct or (result.max_score > 0 and abs(result.score - result.max_score) < 1e-9)
    assert result.feedback and all(isinstance(line, str) and line and "\n" not in line for line in result.feedback)


def per_family(**overrides):
    """A property test run for every family, with its examples bounded and a generous guard against a hang."""
    def wrap(test):
        test = given(data=st.data())(settings(SETTINGS, **overrides)(test))
        return pytest.mark.timeout(300)(pytest.mark.parametrize("name", FAMILIES)(test))

    return wrap


@per_family()
def test_any_json_answer_gets_a_verdict(name, data):
    family = families()[name]
    params = data.draw(st.sampled_from(_params(name)))
    anything = _json(sorted(family.parts(params)))
    reference = json.loads(json.dumps(family.answer(params)))
    answer = data.draw(st.one_of(anything, _like(reference, anything), st.integers(0, 3000).map(_deep)))
    _assert_a_verdict(check(family, params, answer))
    _assert_a_verdict(check(family, params, answer, only_given=False))


@per_family()
def test_any_json_parameters_are_read_or_refused_in_one_line(name, data):
    family = families()[name]
    fields = sorted(family.Params.model_fields)
    params = data.draw(st.one_of(_json(fields), st.dictionaries(st.sampled_from(fields), LEAVES, max_size=len(fields))))
    try:
        family.params(params)
    except ParamsError as exc:
        assert str(exc) and "\n" not in str(exc)


LINE_TEXT = st.text(alphabet=st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)), max_size=60)


@per_family(max_examples=15)
def test_the_batch_command_answers_every_line(name, data):
    family = families()[name]
    valid = [p.model_dump(mode="json") for p in _params(name)]
    keys = sorted({k for p in _params(name) for k in family.parts(p)})
    line = st.one_of(
        LINE_TEXT,
        st.builds(lambda p, a: json.dumps({"params": p, "answer": a}), st.sampled_from(valid), _json(keys)),
        st.builds(lambda p, a: json.dumps({"params": p, "answer": a}), _json(sorted(family.Params.model_fields)), LEAVES),
        st.sampled_from(["{", "[" * 100_000, "1" * 5000, json.dumps({"params": valid[0], "answer": 10**400}), "NaN"]),
    )
    lines = data.draw(st.lists(line, min_size=1, max_size=12))
    result = CliRunner().invoke(app, ["check", name, "--batch", "-"], input="\n".join(lines) + "\n")
    out = [json.loads(text) for text in result.output.split("\n") if text]
    assert result.exit_code == 0, result.output
    assert len(out) == sum(1 for text in lines if text.strip())
    assert all(("error" in o) != ("correct" in o) for o in out)
