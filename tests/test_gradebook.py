"""The gradebook's own contract, on SQLite and on a real PostgreSQL server (the ``database`` fixture)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from grader.errors import GradebookError
from grader.gradebook import Gradebook, LateMark, PartRecord, database_url
from grader.outcomes import SubmissionStatus, Verdict


def _row(pid: str, part: str, score: float, given, *, verdict: str = "correct", manual: bool = False) -> PartRecord:
    return PartRecord(problem_id=pid, part=part, given=given, expected={"value": [1, 2.5]}, score=score, max_score=2.0,
                      verdict=Verdict(verdict), feedback="", mistake=None, manual=manual)


@pytest.fixture
def book(database, tmp_path):
    book = Gradebook(database, tmp_path)
    yield book
    book.close()


def _record(book, tmp_path, sid="s01", rows=(), status="graded", stamp="2030-01-01T10:00:00+00:00", **kw) -> int:
    path = tmp_path / "submitted" / sid / "a1" / stamp.replace(":", "-") / "a1.ipynb"
    return book.record(assignment="a1", student_id=sid, path=str(path), sha256="ab" * 32, submitted_at=stamp,
                       status=SubmissionStatus(status), rows=rows, **kw)


def test_a_submission_its_parts_and_variants_round_trip(book, tmp_path):
    sub_id = _record(book, tmp_path, rows=[_row("q1", "size", 2.0, [3, 3]), _row("q2", "value", 0.5, "x ≤ 1", verdict="partial")],
                     seconds=1.25, executor="fork", late=LateMark(due_at="2029-12-31T23:59:00+00:00", late_days=1, penalty_percent=10.0),
                     variants={"q1": ("conv_output_shape", {"n": 4, "pad": [1, 1]})}, alternatives={"q1": "conv_output_shape"})
    (sub,) = book.submissions("a1")
    assert (sub.id, sub.student_id, sub.status, sub.late_days, sub.executor) == (sub_id, "s01", "graded", 1, "fork")
    assert sub.score == pytest.approx(2.25) and sub.max_score == 4.0 and sub.seconds == 1.25  # 2.5 less 10%
    assert sub.path == str(tmp_path / "submitted/s01/a1/2030-01-01T10-00-00+00-00/a1.ipynb")
    parts = {(r.problem_id, r.part): r for r in book.part_rows(sub_id)}
    assert parts[("q1", "size")].given == [3, 3] and parts[("q2", "value")].given == "x ≤ 1"
    assert parts[("q1", "size")].expected == {"value": [1, 2.5]} and parts[("q2", "value")].verdict is Verdict.PARTIAL
    assert book.variant_params("a1") == {("s01", "q1"): {"n": 4, "pad": [1, 1]}}
    assert book.variant_alternatives("a1") == {("s01", "q1"): "conv_output_shape"}
    assert book.is_graded("a1", "s01", sub.path, "ab" * 32) and not book.is_graded("a1", "s01", sub.path, "cd" * 32)


def test_a_regrade_replaces_the_row_and_keeps_an_unchanged_hand_grade(book, tmp_path):
    first = _record(book, tmp_path, rows=[_row("q1", "size", 2.0, [3, 3]), _row("q3", "text", 0.0, "shared", verdict="pending", manual=True)])
    assert book.set_manual(first, "q3", "text", 5.0, "good") and not book.set_manual(first, "q9", "text", 1.0, "")
    assert book.submissions("a1")[0].score == 4.0  # the hand grade is clipped to the part's points
    again = _record(book, tmp_path, rows=[_row("q1", "size", 0.0, [2, 2], verdict="wrong"),
                                          _row("q3", "text", 0.0, "shared", verdict="pending", manual=True)])
    assert again == first and len(book.submissions("a1", latest_only=False)) == 1
    parts = {r.problem_id: r for r in book.part_rows(first)}
    assert (parts["q3"].verdict, parts["q3"].score, parts["q3"].feedback) == ("manual", 2.0, "good")
    assert parts["q1"].score == 0.0 and book.submissions("a1")[0].score == 2.0


def test_late_marks_change_totals_without_grading_again(book, tmp_path):
    _record(book, tmp_path, rows=[_row("q1", "size", 2.0, 1), _row("q2", "size", 2.0, 1)])
    (sub,) = book.submissions("a1")
    book.set_late("a1", [("s01", sub.path, LateMark(due_at="2029-12-30T00:00:00+00:00", late_days=3, penalty_percent=30.0)),
                         ("s09", sub.path, LateMark(late_days=1, penalty_percent=10.0))])  # s09 has no such row: ignored
    (marked,) = book.submissions("a1")
    assert (marked.late_days, marked.penalty_percent, marked.graded_at) == (3, 30.0, sub.graded_at)
    assert marked.score == pytest.approx(2.8)
    writes = []
    sa.event.listen(book.engine, "before_cursor_execute", lambda *a: writes.append(a[2]) if a[2].startswith("UPDATE") else None)
    book.set_late("a1", [("s01", sub.path, LateMark(due_at="2029-12-30T00:00:00+00:00", late_days=3, penalty_percent=30.0))])
    assert writes == []  # the same mark again: nothing written (the server's one-upload batches re-mark no one)


def test_the_latest_row_per_student_skips_superseded_and_late_files(book, tmp_path):
    _record(book, tmp_path, "s01", status="superseded", stamp="2030-01-01T09:00:00+00:00")
    _record(book, tmp_path, "s01", rows=[_row("q1", "size", 2.0, 1)], stamp="2030-01-01T10:00:00+00:00")
    _record(book, tmp_path, "s01", status="after_cutoff", stamp="2030-01-05T10:00:00+00:00")
    _record(book, tmp_path, "s02", status="after_cutoff", stamp="2030-01-05T10:00:00+00:00")
    latest = {s.student_id: s.status for s in book.submissions("a1")}
    assert latest == {"s01": "graded", "s02": "after_cutoff"}
    assert len(book.submissions("a1", latest_only=False)) == 4 and book.submissions("a2") == []


def test_the_roster_is_mirrored(book):
    book.add_students([("s01", "Ada", "ada@example.edu"), ("s02", "Bo", "")])
    book.add_students([("s01", "Ada L.", "ada@example.edu"), ("s02", "Bo", ""), ("s03", "Cy", "c@example.edu")])
    assert book.students() == {"s01": ("Ada L.", "ada@example.edu"), "s02": ("Bo", ""), "s03": ("Cy", "c@example.edu")}


def test_reopened_from_a_moved_course_the_rows_are_files_of_the_new_folder(database, book, tmp_path):
    sub_id = _record(book, tmp_path, rows=[_row("q1", "size", 2.0, 1)])
    book.close()
    moved = tmp_path / "moved"
    moved.mkdir()
    if database.endswith(".db"):
        (tmp_path / database).rename(moved / database)
    again = Gradebook(database, moved)  # the schema is there already: opening it changes nothing
    try:
        (sub,) = again.submissions("a1")
        assert sub.id == sub_id and sub.path == str(moved / "submitted/s01/a1/2030-01-01T10-00-00+00-00/a1.ipynb")
        assert again.is_graded("a1", "s01", sub.path, "ab" * 32)
    finally:
        again.close()


def test_a_location_is_a_file_of_the_course_or_a_url_and_bare_postgresql_means_psycopg_3(tmp_path):
    assert database_url("gradebook.db", tmp_path) == f"sqlite:///{tmp_path / 'gradebook.db'}"
    assert database_url("postgresql://ta@db.example.edu/dl", Path("/c")) == "postgresql+psycopg://ta@db.example.edu/dl"
    assert database_url("postgres://ta@/dl?host=/run/pg", Path("/c")) == "postgresql+psycopg://ta@/dl?host=/run/pg"
    assert database_url("postgresql+psycopg://ta@/dl", Path("/c")) == "postgresql+psycopg://ta@/dl"


def test_a_missing_database_driver_is_one_line_naming_the_gradebook(tmp_path):
    with pytest.raises(GradebookError, match=r"^gradebook postgresql\+psycopg2://ta@/dl: cannot open: No module named 'psycopg2' "
                                             r"\(pip install 'autograde\[postgres\]' for PostgreSQL\)$"):
        Gradebook("postgresql+psycopg2://ta@/dl", tmp_path)
