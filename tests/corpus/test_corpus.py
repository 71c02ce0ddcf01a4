"""Every answer of the corpus gets the verdict a careful grader gives, in process and through ``check --batch -``."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest
from typer.testing import CliRunner

from grader.checking import check
from grader.cli import app
from grader.problems import families, get_family
from tests.corpus.cases import CASES, Case


def _feedback(case: Case) -> tuple[bool, list[str], str]:
    result = check(get_family(case.family), case.params, json.loads(json.dumps(case.answer)))
    return result.correct, result.mistakes, " ".join(result.feedback)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_careful_graders_verdict(case):
    correct, mistakes, feedback = _feedback(case)
    assert correct is case.correct, (case.why, feedback)
    if case.mistake:
        assert case.mistake in mistakes, (case.why, feedback)
    if case.says:
        assert case.says in feedback, (case.why, feedback)


def test_the_corpus_covers_every_family_with_right_and_wrong_answers():
    by_family = defaultdict(lambda: [0, 0])
    for case in CASES:
        by_family[case.family][case.correct] += 1
    assert set(by_family) == set(families())
    assert all(wrong >= 5 and right >= 5 for wrong, right in by_family.values()), dict(by_family)
    assert len(CASES) >= 300


@pytest.mark.parametrize("family", sorted({c.family for c in CASES}))
def test_the_batch_command_gives_the_same_verdicts_one_line_each(family):
    cases = [c for c in CASES if c.family == family]
    lines = "".join(json.dumps({"params": c.params, "answer": c.answer}) + "\n" for c in cases)
    result = CliRunner().invoke(app, ["check", family, "--batch", "-"], input=lines)
    verdicts = [json.loads(line) for line in result.output.splitlines()]
    assert result.exit_code == 0 and len(verdicts) == len(cases)
    for case, verdict in zip(cases, verdicts):
        assert verdict.get("correct") is case.correct, (case.id, case.why, verdict)
