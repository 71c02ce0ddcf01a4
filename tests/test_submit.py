"""The student's side: validate reports form (never correctness), submit files without overwriting."""

from __future__ import annotations

import json

import nbformat
import pytest

from grader.errors import ConfigError, SubmissionError
from grader.generate import generate, release_path
from grader.submit import submit, validate


@pytest.fixture
def course(make_course):
    c = make_course()
    generate(c, "a1", solutions=True)
    return c


def _status(report):
    return {p.problem_id: p.status for p in report.problems}


def test_validate_reports_missing_answers_and_wrong_forms_but_not_correctness(course, tmp_path):
    released = release_path(course, "a1", "s001")
    assert _status(validate(released, course=course)) == {"q1": "missing", "q2": "missing", "q3": "missing"}
    nb = nbformat.read(released, as_version=4)
    for cell in nb.cells:
        if cell.get("id") == "q1":
            cell.source = "q1_out_channels = 12345\nq1_out_size = [1, 2, 3, 4]"  # wrong value, wrong length
        if cell.get("id") == "q2":
            cell.source = "q2_out_channels = 7\nq2_out_size = [1, 1]"  # well formed (and surely wrong)
        if cell.get("id") == "q3":
            cell.source = "Because the weights are shared."
    path = tmp_path / "a1.ipynb"
    nbformat.write(nb, path)
    report = validate(path, course=course)
    assert _status(report) == {"q1": "wrong_form", "q2": "answered", "q3": "pending"}
    text = json.dumps([p.messages for p in report.problems])
    assert "list of 2 integers" in text and "12345" not in text and "right" not in text.lower()


def test_validate_reads_an_answer_as_grading_does(course, tmp_path):
    nb = nbformat.read(release_path(course, "a1", "s001"), as_version=4)
    for cell in nb.cells:
        if cell.get("id") == "q1":  # the whole shape as text in one variable fills both parts, as in grading
            cell.source = "q1_out_channels = None\nq1_out_size = '7x7x16'"
        if cell.get("id") == "q2":
            cell.source = "q2_out_channels = '7'\nq2_out_size = 'seven'"
    path = tmp_path / "a1.ipynb"
    nbformat.write(nb, path)
    report = validate(path, course=course)
    assert _status(report)["q1"] == "answered" and _status(report)["q2"] == "wrong_form"
    assert "Could not read" in json.dumps([p.messages for p in report.problems])


def test_worked_solutions_validate_complete_apart_from_written_answers(course):
    report = validate(release_path(course, "a1", "s002", worked=True), course=course)
    assert _status(report) == {"q1": "answered", "q2": "answered", "q3": "missing"}


def test_submit_files_with_a_timestamp_and_never_overwrites(course):
    worked = release_path(course, "a1", "s001", worked=True)
    first = submit(course, "a1", worked, "s001", run=False)
    second = submit(course, "a1", worked, "s001", run=False)
    assert first.path != second.path and first.path.read_bytes() == worked.read_bytes()
    assert first.path.parts[-4:-2] == ("s001", "a1") and (first.path.parent / "timestamp.txt").is_file()


@pytest.mark.parametrize(("setup", "says"), [
    (lambda c, p: p.write_text("{not json"), "not valid JSON"),
    (lambda c, p: p.write_text("[1, 2]"), "not a Jupyter notebook"),
    (lambda c, p: p.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []})),
     "not an autograde notebook"),
])
def test_submit_refuses_what_is_not_one_of_our_notebooks(course, tmp_path, setup, says):
    path = tmp_path / "a1.ipynb"
    setup(course, path)
    with pytest.raises(SubmissionError, match=says):
        submit(course, "a1", path, "s001", run=False)


def test_submit_refuses_another_assignment_an_unknown_student_and_an_unknown_assignment(course, tmp_path):
    nb = nbformat.read(release_path(course, "a1", "s001"), as_version=4)
    nb.metadata.autograde["assignment"] = "a2"
    other = tmp_path / "a2.ipynb"
    nbformat.write(nb, other)
    with pytest.raises(SubmissionError, match="belongs to assignment 'a2', not 'a1'"):
        submit(course, "a1", other, "s001", run=False)
    with pytest.raises(SubmissionError, match="'zz9' is not on the roster"):
        submit(course, "a1", release_path(course, "a1", "s001"), "zz9", run=False)
    with pytest.raises(ConfigError, match="unknown assignment 'a9'"):
        submit(course, "a9", release_path(course, "a1", "s001"), "s001", run=False)


def test_submit_files_given_bytes_with_the_time_given_or_none_and_a_dry_run_writes_nothing(course):
    import datetime as dt

    data = release_path(course, "a1", "s001").read_bytes()
    when = dt.datetime(2030, 2, 2, 10, tzinfo=dt.UTC)
    checked = submit(course, "a1", "from-the-lms/a1.ipynb", "s001", run=False, now=when, data=data, dry_run=True)
    assert checked.path is None and checked.lateness.late_days == 2 and not course.folder("submitted").exists()
    timed = submit(course, "a1", "from-the-lms/a1.ipynb", "s001", run=False, now=when, data=data)
    assert timed.path.parent.name == "2030-02-02T10-00-00.000000Z" and timed.path.read_bytes() == data
    untimed = submit(course, "a1", "from-the-lms/a1.ipynb", "s001", run=False, data=data, untimed=True)
    assert untimed.path.parent.name == "untimed" and untimed.lateness is None
    assert not (untimed.path.parent / "timestamp.txt").exists()
    assert not [p for p in course.folder("submitted").rglob(".*")]  # no temporary file left behind
    with pytest.raises(SubmissionError, match=r"a1.ipynb: 21.0 MB is larger than the 20 MB limit"):
        submit(course, "a1", "a1.ipynb", "s001", run=False, data=b" " * 21_000_000)


@pytest.mark.parametrize("executor", ["fork", pytest.param("kernel", marks=pytest.mark.slow)])
def test_validate_says_what_a_cell_raised_and_where(course, tmp_path, executor):
    nb = nbformat.read(release_path(course, "a1", "s001"), as_version=4)
    for cell in nb.cells:
        if cell.get("id") == "q1":
            cell.source = "q1_out_channels = 3\nq1_out_size = [1 / 0, 2]"
        if cell.get("id") == "q2":
            cell.source = "q2_out_channels = 7\nq2_out_size = [1, 1"  # a bracket left open
    nb.cells.insert(1, nbformat.v4.new_code_cell("scale = undefined_name * 2"))
    path = tmp_path / "a1.ipynb"
    nbformat.write(nb, path)
    report = validate(path, course=course, executor=executor)
    assert _status(report)["q1"] == "error" and _status(report)["q2"] == "error"
    q1, q2 = report.problems[0].messages, report.problems[1].messages
    assert q1[0] == "Your answer cell raised ZeroDivisionError: division by zero.", q1
    assert q2[0].startswith("Your answer cell raised SyntaxError:"), q2
    assert not any("not answered yet" in m for m in q1 + q2)
    assert report.errors == ["Cell 2 (scale = undefined_name * 2) raised NameError: name 'undefined_name' is not defined."]
    assert not report.complete
