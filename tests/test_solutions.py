"""The repo's solutions/ notebooks, graded as if submitted by many students, score full marks.

This is the end-to-end proof: the instructor's numpy code computes each student's own variant
from the parameters cell restored before grading, runs in the sandbox, and every computed part is
right; written answers are pending for a human grader.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.config import load_course
from grader.grading.runner import grade
from tests.grading.conftest import rows_by_student

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS = sorted(p.parent.name for p in (ROOT / "assignments").glob("*/assignment.toml"))


@pytest.fixture
def demo_course(tmp_path, monkeypatch):
    """A copy of the repo's demo course with a larger roster and its own secret."""
    root = tmp_path / "course"
    root.mkdir()
    for name in ("autograde.toml", "assignments", "solutions"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copyfile)(src, root / name)
    (root / "roster.csv").write_text("student_id\n" + "".join(f"t{i:03d}\n" for i in range(24)))
    monkeypatch.setenv("AUTOGRADE_SECRET", "solutions-test")
    return load_course(root)


def _submit_solutions(course, assignment: str) -> None:
    for student in course.roster():
        folder = course.folder("submitted") / student.student_id / assignment / "2026-12-01T00-00-00Z"  # before every due date
        folder.mkdir(parents=True)
        shutil.copyfile(course.root / "solutions" / f"{assignment}.ipynb", folder / f"{assignment}.ipynb")


@pytest.mark.parametrize("executor", ["fork", pytest.param("kernel", marks=pytest.mark.slow)])
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_solution_notebook_scores_full_marks_for_every_variant(demo_course, assignment, executor):
    _submit_solutions(demo_course, assignment)
    grade(demo_course, assignment, workers=2, executor=executor)
    found = rows_by_student(demo_course, assignment)
    assert len(found) == 24
    for sid, (sub, rows) in found.items():
        assert sub.status == "graded", (sid, sub.reason)
        for key, row in rows.items():
            if row.manual:
                assert row.verdict == "pending", (sid, key)
            else:
                assert row.verdict == "correct", (sid, key, row.given, row.expected, row.feedback)
    _every_alternative_was_graded(demo_course, assignment)


def _every_alternative_was_graded(course, assignment: str) -> None:
    """A question pool's every alternative is among the 24 students: the notebook is right for each."""
    from grader.assignment import load_assignment
    from grader.gradebook import Gradebook

    book = Gradebook(course.config.gradebook, course.root)
    try:
        got = set(book.variant_alternatives(assignment).items())
    finally:
        book.close()
    for pool in load_assignment(course, assignment).pools:
        assert {a.alternative for a in pool.alternatives} == {alt for (_, pid), alt in got if pid == pool.id}


def test_the_demo_course_ships_question_pools():
    from grader.assignment import load_assignment
    from grader.config import load_course

    course = load_course(ROOT)
    pooled = {name: [p.id for p in load_assignment(course, name).pools] for name in ASSIGNMENTS}
    assert pooled["cnn-fundamentals"] == ["q3"] and pooled["receptive-fields-upsampling"] == ["q3"]


def test_the_demo_course_ships_four_assignments_with_solutions():
    assert ASSIGNMENTS == ["backprop-normalisation-sequences", "cnn-fundamentals", "generative-models", "receptive-fields-upsampling"]
    assert all((ROOT / "solutions" / f"{a}.ipynb").is_file() for a in ASSIGNMENTS)
