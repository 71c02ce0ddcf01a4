"""Overrides of computed scores and the audit log: one score everywhere, kept over a regrade, every change logged."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace

import pytest
from typer.testing import CliRunner

from grader.changes import history, remove_override, set_override
from grader.cli import app
from grader.errors import GradeChangeError
from grader.gradebook import Gradebook
from grader.grading.runner import grade
from grader.outcomes import ChangeKind, Verdict
from grader.report.export import export
from grader.report.feedback import write_feedback
from grader.report.manual import import_manual
from grader.report.stats import headline
from tests.grading.conftest import rows_by_student
from tests.report.test_manual import sheet, write_sheet

runner = CliRunner()


def exported(course) -> dict[str, dict[str, str]]:
    text = export(course, "a1", "csv").path.read_text(encoding="utf-8-sig")
    return {row["student_id"]: row for row in csv.DictReader(io.StringIO(text))}


def page_total(course, student: str) -> str:
    page = next(p for p in write_feedback(course, "a1").pages if p.stem == student).read_text()
    return re.search(r'<dd class="ag-total">([^<]*)</dd>', page).group(1), page


def headline_of(course):
    book = Gradebook(course.config.gradebook, course.root)
    try:
        return headline(book, "a1")
    finally:
        book.close()


def report_mean(course) -> float:
    return headline_of(course).mean


def override(course, student, problem, part, score, reason, by="prof@example.edu"):
    book = Gradebook(course.config.gradebook, course.root)
    try:
        sub = next(s for s in book.submissions("a1") if s.student_id == student)
        set_override(book.engine, sub.id, problem, part, score, reason, by)
        return sub.id
    finally:
        book.close()


def log(course, **filters):
    book = Gradebook(course.config.gradebook, course.root)
    try:
        return history(book.engine, **filters)
    finally:
        book.close()


def test_an_override_counts_alike_in_the_gradebook_exports_feedback_and_is_logged(graded):
    before = rows_by_student(graded)["s02"]
    wrong = next(key for key, row in before[1].items() if key[0] == "q1" and row.verdict == Verdict.WRONG)
    assert exported(graded)["s02"]["q1"] != "2"
    mean_before = report_mean(graded)
    sub_id = override(graded, "s02", *wrong, before[1][wrong].max_score, "the +1 was in the statement's typo, not yours")

    after = rows_by_student(graded)["s02"]
    assert after[1][wrong].score == before[1][wrong].max_score
    assert after[1][wrong].override == "the +1 was in the statement's typo, not yours"
    raised = before[0].score + before[1][wrong].max_score - before[1][wrong].score
    assert after[0].score == pytest.approx(raised)  # the stored total
    row = exported(graded)["s02"]
    total, page = page_total(graded, "s02")
    assert row["total"] == f"{raised:g}"
    assert total.split(" / ")[0] == row["total"]  # the feedback page and the export agree
    assert "Your instructor set this part's score: the +1 was in the statement's typo, not yours" in page
    canvas = export(graded, "a1", "canvas", include_pending=True).path.read_text()  # s02 has a hand grade to come
    assert f",{raised:g}" in next(line for line in canvas.splitlines() if "s02" in line)
    student = next(s for s in json.loads(export(graded, "a1", "json").path.read_text())["students"]
                   if s["student_id"] == "s02")
    assert student["score"] == pytest.approx(raised)
    [part] = [p for q in student["problems"] for p in q["parts"] if (q["id"], p["part"]) == wrong]
    assert part["override"] == "the +1 was in the statement's typo, not yours"

    counted = sum(r.max_score for r in after[1].values() if r.verdict != Verdict.PENDING)  # the report leaves pending out
    graded_count = len(headline_of(graded).scores)
    gained = (before[1][wrong].max_score - before[1][wrong].score) / counted / graded_count
    assert report_mean(graded) == pytest.approx(mean_before + gained)  # the report's mean counts the override too

    [entry] = log(graded, student_id="s02")
    assert (entry.kind, entry.by, entry.submission_id, entry.problem_id, entry.part) == (
        ChangeKind.OVERRIDE, "prof@example.edu", sub_id, *wrong)
    assert (entry.old, entry.new, entry.assignment) == (before[1][wrong].score, before[1][wrong].max_score, "a1")


def test_a_regrade_keeps_the_override_and_says_so_in_the_log(graded):
    before = rows_by_student(graded)["s02"]
    wrong = next(key for key, row in before[1].items() if key[0] == "q1" and row.verdict == Verdict.WRONG)
    override(graded, "s02", *wrong, 0.25, "partial credit agreed in class")
    book = Gradebook(graded.config.gradebook, graded.root)
    try:  # the grader computes something else now (a fixed solver, say): the override must stand
        sub = next(s for s in book.submissions("a1") if s.student_id == "s02")
        with book.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE grade_overrides SET computed = 99")
    finally:
        book.close()
    done = runner.invoke(app, ["grade", "a1", "--regrade", "--executor", "fork", "--course", str(graded.root)])
    assert done.exit_code == 0, done.output
    assert re.search(r"overrides kept \(an instructor.s scores\)\s+│\s+1 │", done.output)
    after = rows_by_student(graded)["s02"]
    assert after[1][wrong].score == 0.25 and after[1][wrong].override == "partial credit agreed in class"
    assert exported(graded)["s02"]["total"] == page_total(graded, "s02")[0].split(" / ")[0]
    regrade = [c for c in log(graded, student_id="s02") if c.kind == ChangeKind.REGRADE]
    assert [(c.problem_id, c.part, c.old, c.new) for c in regrade] == [(*wrong, 0.25, 0.25)]
    assert regrade[0].reason == f"graded again: the override stands over the computed score, now {before[1][wrong].score:g}"
    assert regrade[0].submission_id == sub.id


def test_taking_an_override_back_restores_the_computed_score(graded):
    before = rows_by_student(graded)["s02"]
    wrong = next(key for key, row in before[1].items() if key[0] == "q1" and row.verdict == Verdict.WRONG)
    sub_id = override(graded, "s02", *wrong, 1.0, "typo")
    book = Gradebook(graded.config.gradebook, graded.root)
    try:
        remove_override(book.engine, sub_id, *wrong, "decided against it", "prof@example.edu")
    finally:
        book.close()
    after = rows_by_student(graded)["s02"]
    assert after[0].score == before[0].score and after[1][wrong].override is None
    assert [c.kind for c in log(graded)] == [ChangeKind.UNOVERRIDE, ChangeKind.OVERRIDE]


@pytest.mark.parametrize(("part", "score", "reason", "message"), [
    (None, 1.0, "  ", "an override needs a reason"),
    (None, 7.0, "too much", "q1/out_size: score 7 is outside 0..1"),
    (("q3", "answer"), 1.0, "free text", "is a free-text answer: grade it by hand"),
    (("q9", "x"), 1.0, "none", "has no graded part q9/x"),
])
def test_a_bad_override_is_refused_and_changes_nothing(graded, part, score, reason, message):
    before = rows_by_student(graded)
    wrong = next(key for key, row in before["s02"][1].items() if key[0] == "q1" and row.verdict == Verdict.WRONG)
    with pytest.raises(GradeChangeError, match=re.escape(message)):
        override(graded, "s02", *(part or wrong), score, reason)
    assert rows_by_student(graded) == before and log(graded) == []


def test_manual_import_and_a_regrade_that_changes_a_score_are_logged(graded, tmp_path):
    rows = sheet(graded)
    rows[0].update(score="2", feedback="Both reasons.")
    path = tmp_path / "filled.csv"
    write_sheet(path, rows)
    assert import_manual(graded, "a1", path).imported == 1
    [hand] = log(graded)
    assert (hand.kind, hand.student_id, hand.problem_id, hand.old, hand.new, hand.reason) == (
        ChangeKind.HAND, "s01", "q3", None, 2.0, "Both reasons.")
    assert hand.by.endswith("(command line)")
    done = runner.invoke(app, ["changes", "a1", "--student", "s01", "--course", str(graded.root)])
    assert done.exit_code == 0 and "wrote exports/a1.changes.csv: 1 change(s)" in done.output, done.output
    [row] = csv.DictReader(io.StringIO((graded.root / "exports" / "a1.changes.csv").read_text(encoding="utf-8-sig")))
    assert (row["kind"], row["student_id"], row["problem_id"], row["part"], row["old"], row["new"], row["reason"]) == (
        "hand", "s01", "q3", "answer", "", "2", "Both reasons.")
    book = Gradebook(graded.config.gradebook, graded.root)
    try:  # as if an older grader had scored s01's q1 otherwise: grading again puts it right, and says so
        with book.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE results SET score = 0 WHERE problem_id = 'q1' AND submission_id = "
                                 "(SELECT id FROM submissions WHERE student_id = 's01')")
    finally:
        book.close()
    grade(graded, "a1", regrade=True, executor="fork")
    regrades = [c for c in log(graded) if c.kind == ChangeKind.REGRADE]
    assert {(c.student_id, c.problem_id, c.old) for c in regrades} == {("s01", "q1", 0.0)}
    assert all(c.new > 0 and c.reason == "graded again: the part scored differently" for c in regrades)
    assert log(graded, student_id="s01")[-1] == hand and log(graded, assignment="nope") == []


def test_the_parts_of_many_submissions_at_once_are_each_one_s_with_its_overrides(graded, monkeypatch):
    import grader.gradebook

    wrong = next(key for key, row in rows_by_student(graded)["s02"][1].items() if row.verdict == Verdict.WRONG)
    sub_id = override(graded, "s02", *wrong, 0.5, "partial credit for the method")
    monkeypatch.setattr(grader.gradebook, "_CHUNK", 2)  # a class past one query's share: several queries
    book = Gradebook(graded.config.gradebook, graded.root)
    try:
        ids = [s.id for s in book.submissions("a1")]
        assert len(ids) > 2
        together = book.parts_of([*ids, 10_000])  # an id with nothing recorded has no parts
        assert together == {**{i: book.part_rows(i) for i in ids}, 10_000: []}
        [held] = [r for r in together[sub_id] if (r.problem_id, r.part) == wrong]
        assert (held.score, held.override) == (0.5, "partial credit for the method")
        assert any(r.expected is not None for rows in together.values() for r in rows)
        light = book.parts_of(ids, values=False)  # a headline's needs: no answers read
        assert light == {i: [replace(r, given=None, expected=None) for r in rows] for i, rows in together.items() if i in ids}
    finally:
        book.close()
