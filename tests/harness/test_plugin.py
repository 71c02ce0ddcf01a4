"""The harness used on its own: ``pytest -p grader.harness --grader-assignment NAME DIR``."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.grading.conftest import LIMITS, Submissions


@pytest.fixture
def graded_course(make_course):
    subs = Submissions(make_course(students=("s001", "s002"), limits=LIMITS))
    subs.edited("s001", lambda nb: None)  # the worked solution: everything right
    subs.edited("s002", lambda nb: None, worked=False)  # the notebook as released: nothing answered
    return subs.course


def _run(pytester, course, *extra):
    return pytester.runpytest("-p", "grader.harness", "--noconftest", "-p", "no:cacheprovider",
                              "--grader-assignment", "a1", "--grader-course", str(course.root),
                              "--grader-executor", "fork", "--grader-workers", "2", *extra,
                              str(course.folder("submitted")))


def test_one_item_per_graded_part_with_feedback_as_failure_text(pytester, graded_course):
    result = _run(pytester, graded_course, "-v")
    # 2 students x (q1: 2 parts, q2: 2 parts, q3: written answer, left blank by both)
    result.assert_outcomes(passed=4, failed=6)
    for line in ("*s001*q1::out_size PASSED*", "*s002*q2::out_channels FAILED*",
                 "*q2/out_channels: 0 of 1 points. Not answered.*"):  # submissions report as they finish
        result.stdout.fnmatch_lines([line])


def test_k_selects_parts_and_junit_carries_the_points(pytester, graded_course, tmp_path):
    report = tmp_path / "junit.xml"
    result = _run(pytester, graded_course, "-k", "q1 and out_size", f"--junitxml={report}")
    result.assert_outcomes(passed=1, failed=1)
    cases = ET.parse(report).getroot().iter("testcase")
    points = [{p.get("name"): p.get("value") for p in c.iter("property")} for c in cases]
    assert sorted((p["score"], p["max_score"]) for p in points) == [("0.0", "1.0"), ("1.0", "1.0")]


def test_without_the_flag_the_plugin_does_nothing(pytester):
    pytester.makepyfile("def test_ok():\n    assert True\n")
    pytester.runpytest("-p", "grader.harness").assert_outcomes(passed=1)


def test_a_bad_assignment_is_a_usage_error(pytester, graded_course):
    result = pytester.runpytest("-p", "grader.harness", "--grader-assignment", "nope",
                                "--grader-course", str(graded_course.root))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown assignment 'nope'*"])


def test_x_stops_at_the_first_failing_part(pytester, graded_course):
    # s001 has every computed part right and its free-text q3 blank (a failure); s002 answered nothing
    result = _run(pytester, graded_course, "-x")
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(["*stopping after 1 failures*"])
    result = _run(pytester, graded_course, "--maxfail=3")
    result.assert_outcomes(passed=4, failed=3)


def _gradebook_bytes(course) -> bytes:
    path = course.root / course.config.gradebook
    return path.read_bytes() if path.exists() else b""


def test_collect_only_writes_nothing(pytester, graded_course):
    from grader.gradebook import Gradebook

    result = _run(pytester, graded_course, "--collect-only", "--grader-record")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*10 tests collected*"])
    book = Gradebook(graded_course.config.gradebook, graded_course.root)  # made empty, if not yet there
    try:
        assert book.submissions("a1", latest_only=False) == []
    finally:
        book.close()
    _run(pytester, graded_course, "--grader-record").assert_outcomes(passed=4, failed=6)
    before = _gradebook_bytes(graded_course)
    result = _run(pytester, graded_course, "--collect-only", "--grader-record", "--grader-regrade")
    result.stdout.fnmatch_lines(["*10 tests collected*"])
    assert _gradebook_bytes(graded_course) == before and before
