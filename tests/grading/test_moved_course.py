"""A course folder moved or copied keeps its gradebook: paths are stored relative to the course."""

from __future__ import annotations

import shutil

import sqlalchemy as sa

from grader.config import load_course
from grader.gradebook import Gradebook
from grader.grading.runner import grade
from grader.report.export import export

GRADED = ("s01", "s02", "s03")


def _rows(course) -> list:
    book = Gradebook(course.config.gradebook, course.root)
    try:
        return book.submissions("a1", latest_only=False)
    finally:
        book.close()


def _totals(course) -> dict[str, str]:
    lines = export(course, "a1", "csv").path.read_text().splitlines()
    header = lines[0].split(",")
    return {row.split(",")[0]: row.split(",")[header.index("total")] for row in lines[1:]}


def test_a_copied_course_grades_nothing_again_and_a_regrade_replaces_the_scores(subs, tmp_path):
    for sid in GRADED:
        subs.edited(sid, lambda nb: None)
    grade(subs.course, "a1", workers=1, executor="fork")
    before = {s.student_id: (s.id, s.graded_at, s.score) for s in _rows(subs.course)}
    assert sorted(before) == list(GRADED) and all(score == 4 for _, _, score in before.values())
    assert all(not s.path.startswith("/") for s in _raw_paths(subs.course))

    moved = tmp_path / "moved"
    shutil.copytree(subs.course.root, moved)
    course = load_course(moved)
    assert grade(course, "a1", workers=1, executor="fork") == []  # nothing to grade
    assert {s.student_id: (s.id, s.graded_at, s.score) for s in _rows(course)} == before
    assert all(s.path.startswith(str(moved)) for s in _rows(course))  # read back as files of this copy

    toml = moved / "assignments" / "a1" / "assignment.toml"
    toml.write_text(toml.read_text().replace("points = 2\n", "points = 6\n", 1))  # q1 is now worth 6
    grade(course, "a1", workers=1, executor="fork", regrade=True)
    after = _rows(course)
    assert sorted(s.id for s in after) == sorted(i for i, _, _ in before.values())  # the same rows, updated
    assert {s.student_id: s.score for s in after} == dict.fromkeys(GRADED, 8.0)
    assert {sid: t for sid, t in _totals(course).items() if sid in GRADED} == dict.fromkeys(GRADED, "8")


def _raw_paths(course):
    return _raw_paths_of(course.root)


def _raw_paths_of(root):
    engine = sa.create_engine(f"sqlite:///{root / 'gradebook.db'}")
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text("SELECT path FROM submissions")))
    finally:
        engine.dispose()


def test_rows_written_with_absolute_paths_inside_the_course_become_relative(tmp_path):
    root = tmp_path / "course"
    path = root / "submitted" / "s01" / "a1" / "2030-01-01T10-00-00Z" / "a1.ipynb"
    root.mkdir()
    book = Gradebook("gradebook.db", root)
    first = book.record(assignment="a1", student_id="s01", path=str(path), sha256="x", submitted_at="t", status="graded")
    with book.engine.begin() as conn:  # as a gradebook from before relative paths holds it
        conn.exec_driver_sql("UPDATE submissions SET path = ?", (str(path),))
    book.close()
    book = Gradebook("gradebook.db", root)
    try:
        assert [r.path for r in _raw_paths_of(root)] == ["submitted/s01/a1/2030-01-01T10-00-00Z/a1.ipynb"]
        assert book.is_graded("a1", "s01", str(path), "x")
        assert book.record(assignment="a1", student_id="s01", path=str(path), sha256="y", submitted_at="t",
                           status="graded") == first
        outside = tmp_path / "elsewhere" / "a1.ipynb"
        book.record(assignment="a1", student_id="s02", path=str(outside), sha256="z", submitted_at="t", status="graded")
        assert {s.student_id: s.path for s in book.submissions("a1")} == {"s01": str(path), "s02": str(outside)}
    finally:
        book.close()
