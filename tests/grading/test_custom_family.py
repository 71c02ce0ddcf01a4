"""A course's own family whose code raises: one line naming the problem, the student and the
parameters, and the batch goes on (grading and generation alike)."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from grader.cli import app
from grader.generate import generate
from grader.grading.runner import grade
from tests.conftest import DOUBLE_FAMILY
from tests.grading.conftest import LIMITS, Submissions, rows_by_student

STUDENTS = tuple(f"s{i:02d}" for i in range(1, 9))
RAISES = DOUBLE_FAMILY.replace('def solve(p):\n', 'def solve(p):\n    if p.n > 4:\n        raise ZeroDivisionError("the author divided by zero")\n')


def _course(custom_course):
    course = custom_course(students=STUDENTS, limits=LIMITS)
    subs = Submissions(course)
    broken = {sid for sid in STUDENTS if subs.params(sid)["q4"].n > 4}
    assert broken and broken != set(STUDENTS)  # both kinds in the batch
    for sid in STUDENTS:
        subs.edited(sid, lambda nb: None)  # the worked notebook: every computed answer right
    (course.folder("assignments") / "a1" / "double.py").write_text(RAISES)  # then the author breaks solve()
    return course, subs, broken


def _line(sid: str, n: int) -> str:
    return (f"{sid}: problem q4: family 'double': solve() raised ZeroDivisionError: the author divided by zero; "
            f'parameters {{"n":{n}}}')


def test_grading_goes_on_past_a_family_that_raises(custom_course):
    course, subs, broken = _course(custom_course)
    grade(course, "a1", workers=2)
    found = rows_by_student(course)
    assert set(found) == set(STUDENTS) - broken  # the others are graded; the broken ones wait for a fix
    for sid, (sub, rows) in found.items():
        assert sub.status == "graded" and rows[("q4", "double")].verdict == "correct", sid


def test_the_grade_command_says_it_in_one_line_per_student(custom_course):
    course, subs, broken = _course(custom_course)
    result = CliRunner().invoke(app, ["grade", "a1", "--workers", "2", "--course", str(course.root)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "ZeroDivisionError" in result.output
    lines = [line for line in result.output.splitlines() if "solve() raised" in line]
    assert sorted(lines) == sorted(f"error: {_line(sid, subs.params(sid)['q4'].n)}" for sid in broken)
    assert re.search(rf"│ graded\s+│\s+{len(STUDENTS) - len(broken)} │", result.output), result.output
    # fixed, the same command grades the students it could not grade
    (course.folder("assignments") / "a1" / "double.py").write_text(DOUBLE_FAMILY)
    again = CliRunner().invoke(app, ["grade", "a1", "--workers", "2", "--course", str(course.root)])
    assert again.exit_code == 0 and set(rows_by_student(course)) == set(STUDENTS), again.output


def test_generation_goes_on_past_a_family_that_raises(custom_course):
    course, subs, broken = _course(custom_course)
    result = generate(course, "a1", workers=1)
    assert len(result.notebooks) == len(STUDENTS) - len(broken)
    assert sorted(result.errors) == sorted(_line(sid, subs.params(sid)["q4"].n) for sid in broken)
    cli = CliRunner().invoke(app, ["generate", "a1", "--course", str(course.root)])
    assert cli.exit_code == 1 and "Traceback" not in cli.output
    assert sum("solve() raised" in line for line in cli.output.splitlines()) == len(broken)


def test_the_pytest_harness_says_it_in_its_summary(custom_course, pytester):
    course, subs, broken = _course(custom_course)
    result = pytester.runpytest("-p", "grader.harness", "--noconftest", "-p", "no:cacheprovider",
                                "--grader-assignment", "a1", "--grader-course", str(course.root),
                                "--grader-executor", "fork", "--grader-workers", "2", str(course.folder("submitted")))
    for sid in broken:
        result.stdout.fnmatch_lines([f"not graded (fix the family, then run again): {_line(sid, subs.params(sid)['q4'].n)}"])
