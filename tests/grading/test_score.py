"""Scoring never loses a problem: an answer that cannot be read or compared is wrong with the
reason, its points kept in the maximum; the batch records it and says so; the run is not failed."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from grader.cli import app
from tests.conftest import SMALL_ASSIGNMENT
from tests.grading.conftest import LIMITS, Submissions, cell, rows_by_student

FRAGILE = '''"""Two integers, read and compared by code with a bug (as an answer kind that raises would be)."""
from pydantic import Field
from grader.answers import Integer
from grader.problems.base import FamilyParams, Mistake, Part
from grader.problems.space import Draw, FamilySpace, Range


class Fragile(Integer):
    def compare(self, given, expected, tol=None):
        if given == 13:
            raise OverflowError("int too large to convert to float")  # what math.isfinite(10**400) raised
        return Integer.compare(self, given, expected)


class Params(FamilyParams):
    n: int = Field(description="n", ge=1, le=9)


class Space(FamilySpace):
    n: Draw = Range(min=1, max=9)


def generate(rng, space):
    return Params(n=space.draw(rng, "n"))


ANSWER = "object"


def solve(p):
    return {"a": Part(p.n, Fragile()), "b": Part(2 * p.n, Integer())}


def mistakes(p):
    yield Mistake("swapped", "The two are swapped.", {"a": 2 * p.n, "b": p.n})


def read_answer(raw, params):
    if raw == {"a": 99, "b": 99}:
        raise ValueError("the reader broke")
    return raw


STATEMENT = "n = {{ p.n }}: give n and 2n."
SOLUTION = "{{ answer }}"
'''

ASSIGNMENT = SMALL_ASSIGNMENT + '\n[[problems]]\nid = "q9"\nfamily_file = "fragile.py"\npoints = 4\n'


@pytest.fixture
def course(make_course):
    course = make_course(students=("s01", "s02", "s03"), assignment=ASSIGNMENT, limits=LIMITS)
    (course.folder("assignments") / "a1" / "fragile.py").write_text(FRAGILE)
    return course


def _answer(subs: Submissions, sid: str, a: int | None, b: int | None) -> None:
    n = subs.params(sid)["q9"].n

    def edit(nb):
        cell(nb, "q9").source = f"q9_a = {n if a is None else a}\nq9_b = {2 * n if b is None else b}\n"
    subs.edited(sid, edit)


def test_an_answer_that_breaks_its_reader_or_comparer_is_wrong_with_its_points_kept(course):
    subs = Submissions(course)
    _answer(subs, "s01", 13, None)   # comparing part a raises
    _answer(subs, "s02", 99, 99)     # the family's own reader raises: the answer is read as written
    _answer(subs, "s03", None, None)
    result = CliRunner().invoke(app, ["grade", "a1", "--course", str(course.root), "--workers", "1"])
    assert result.exit_code == 0, result.output
    rows = rows_by_student(course)
    full = rows["s03"][0].max_score
    assert rows["s03"][1][("q9", "a")].verdict == "correct"
    for sid in ("s01", "s02"):
        submission, found = rows[sid]
        assert submission.status == "graded" and submission.max_score == full, sid  # nothing left the maximum
        assert all(found[("q9", part)].max_score == 2 for part in ("a", "b"))
    broken = rows["s01"][1][("q9", "a")]
    assert broken.verdict == "wrong" and "could not be read" in broken.feedback, broken.feedback
    assert "OverflowError" in broken.feedback
    assert rows["s01"][1][("q9", "b")].verdict == "correct"  # the other part of the same answer is scored
    # a family's read_answer is an optional second reading: when it raises, the layout's own reading stands
    for part in ("a", "b"):
        row = rows["s02"][1][("q9", part)]
        assert row.verdict == "wrong" and row.feedback == "99 is not the right value.", row.feedback
    assert "1 answer part(s) could not be read" in result.output
    assert "s01 q9/a" in result.output and "s02" not in result.output.split("could not be read")[1]
