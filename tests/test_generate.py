"""generate's word to the instructor: a due date already past."""

from __future__ import annotations

import datetime as dt

from typer.testing import CliRunner

from grader.cli import app
from grader.generate import generate
from tests.conftest import SMALL_ASSIGNMENT


def test_generating_after_the_due_date_warns(make_course):
    course = make_course()  # due 2030-01-31T23:59:00Z
    before = generate(course, "a1", now=dt.datetime(2030, 1, 31, 23, 0, tzinfo=dt.UTC))
    assert before.warnings == []
    after = generate(course, "a1", now=dt.datetime(2030, 2, 1, 9, 0, tzinfo=dt.UTC))
    assert after.warnings == ["a1 was due 2030-01-31 23:59 UTC: these notebooks are released after the due date"]
    assert len(after.notebooks) == 3  # a warning, not a refusal: an extension or a late joiner needs one


def test_the_command_prints_the_warning(make_course):
    course = make_course(assignment=SMALL_ASSIGNMENT.replace("due = 2030-01-31T23:59:00Z", "due = 2020-09-01"))
    result = CliRunner().invoke(app, ["generate", "a1", "--course", str(course.root)])
    assert result.exit_code == 0, result.output
    assert "warning: a1 was due 2020-09-01 23:59 UTC: these notebooks are released after the due date" in result.output
