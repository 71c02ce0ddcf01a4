"""The seed documents' computational answers get the verdict a careful instructor would give.

``examples/seeds.jsonl`` holds every computational answer found in ../shared/seeds/, with the
parameters read from the question (or, where a figure is missing, from the student's working),
the student's answer, the right verdict and why. They go through the real command line.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parents[1] / "examples" / "seeds.jsonl"
CASES = [json.loads(line) for line in SEEDS.read_text().splitlines() if line.strip()]


def _verdicts() -> dict[str, dict]:
    by_family = defaultdict(list)
    for case in CASES:
        by_family[case["family"]].append(case)
    out = {}
    for family, cases in by_family.items():
        lines = "".join(json.dumps({"params": c["params"], "answer": c["answer"]}) + "\n" for c in cases)
        proc = subprocess.run([sys.executable, "-m", "grader", "check", family, "--batch", "-"],
                              input=lines, capture_output=True, text=True, check=True)
        for case, line in zip(cases, proc.stdout.splitlines(), strict=True):
            out[case["id"]] = json.loads(line)
    return out


@pytest.fixture(scope="module")
def verdicts() -> dict[str, dict]:
    return _verdicts()


def test_the_seed_file_covers_every_seed_document_with_right_and_wrong_answers():
    sources = {case["id"].split("-")[0] for case in CASES}
    assert sources == {"000", "002", "004"}  # 003 has no computational answer
    assert sum(not c["correct"] for c in CASES) >= 5 and sum(c["correct"] for c in CASES) >= 15


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_seed_answer_gets_the_careful_instructors_verdict(case, verdicts):
    verdict = verdicts[case["id"]]
    assert "error" not in verdict, verdict
    assert verdict["correct"] is case["correct"], (case["note"], verdict["feedback"])
    if "mistake" in case:
        assert case["mistake"] in verdict["mistakes"], verdict
