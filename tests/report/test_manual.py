"""Hand grading: export the pending free-text answers, fill in scores, import them; a bad sheet is
refused line by line and changes nothing."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import pytest
from typer.testing import CliRunner

from grader.cli import app
from grader.errors import ConfigError
from grader.gradebook import Gradebook, PartRecord
from grader.grading.runner import grade
from grader.outcomes import Verdict
from grader.report.export import export
from grader.report.feedback import write_feedback
from grader.report.manual import COLUMNS, export_manual, import_manual
from tests.grading.conftest import Submissions, cell, rows_by_student
from tests.report.conftest import FORMULA, SCRIPT

runner = CliRunner()


def sheet(course) -> list[dict[str, str]]:
    path = export_manual(course, "a1").path
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # for a spreadsheet: UTF-8, said so
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def write_sheet(path, rows, columns=COLUMNS) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def snapshot(course) -> dict:
    return {sid: (sub.score, rows) for sid, (sub, rows) in rows_by_student(course).items()}


def totals(course) -> dict[str, str]:
    text = export(course, "a1", "csv").path.read_text(encoding="utf-8-sig")
    return {row["student_id"]: (row["q3"], row["total"]) for row in csv.DictReader(io.StringIO(text))}


def test_the_sheet_has_one_row_per_pending_answer_with_prompt_and_rubric(graded):
    rows = sheet(graded)
    assert list(rows[0]) == list(COLUMNS)
    assert [(r["student_id"], r["problem_id"], r["part"]) for r in rows] == [
        ("s01", "q3", "answer"), ("s02", "q3", "answer"), ("s04", "q3", "answer")]
    first = rows[0]
    assert first["max_points"] == "2" and first["prompt"] == "Why do CNNs share weights?"
    assert first["rubric"].startswith("Mentions translation equivariance")
    assert first["answer"] == "Translation equivariance, and far fewer parameters."
    assert first["score"] == "" and first["feedback"] == ""
    assert SCRIPT in rows[1]["answer"]
    assert rows[2]["answer"] == "'" + FORMULA  # a spreadsheet shows it as text instead of running it


def test_a_filled_sheet_round_trips_into_scores_totals_and_feedback(graded, tmp_path):
    rows = sheet(graded)
    rows[0].update(score="2", feedback="Both reasons, well put.")
    rows[1].update(score="1.5", feedback="Half: say why sharing helps.")
    path = tmp_path / "filled.csv"
    write_sheet(path, rows)
    result = import_manual(graded, "a1", path)
    assert (result.imported, result.skipped, result.errors) == (2, 1, [])
    assert totals(graded)["s01"] == ("2", "6") and totals(graded)["s02"] == ("1.5", "4.5")
    after = rows_by_student(graded)
    assert after["s02"][0].score == 4.5
    assert after["s02"][1][("q3", "answer")].verdict == "manual"
    assert after["s04"][1][("q3", "answer")].verdict == "pending"  # blank score: left for later
    assert [r["student_id"] for r in sheet(graded)] == ["s04"]
    page = write_feedback(graded, "a1").pages[1].read_text()
    assert "graded by hand" in page and "Half: say why sharing helps." in page and "4.5 / 6" in page


def test_importing_the_same_sheet_twice_is_harmless(graded, tmp_path):
    rows = sheet(graded)
    rows[0]["score"] = "1"
    path = tmp_path / "filled.csv"
    write_sheet(path, rows)
    assert import_manual(graded, "a1", path).imported == 1
    once = snapshot(graded)
    again = import_manual(graded, "a1", path)
    assert again.imported == 1 and not again.errors
    assert snapshot(graded) == once


def test_a_bad_sheet_gives_one_line_per_bad_row_and_changes_nothing(graded, tmp_path):
    before = snapshot(graded)
    good = sheet(graded)
    s01, s02 = good[0], good[1]
    sub = s01["submission_id"]
    rows = [
        {**s01, "score": "2", "answer": "an answer\nover three\nlines"},       # line 2 (to 4): fine
        {**s02, "score": "lots"},                                              # line 5
        {**s02, "score": "1", "part": "answer"},                               # line 6: same as line 5
        {**good[2], "score": "2.5"},                                           # line 7: above the maximum
        {**good[2], "problem_id": "q1", "part": "out_size", "score": "1"},     # line 8: computed, not hand graded
        {**s01, "submission_id": "999", "score": "1"},                         # line 9
        {**s01, "problem_id": "q9", "score": "1"},                             # line 10
        {**s01, "part": "essay", "score": "-1"},                               # line 11
        {**s01, "student_id": "s02", "part": "answer ", "score": "nan"},       # line 12: same key as line 2 once trimmed
    ]
    path = tmp_path / "bad.csv"
    write_sheet(path, rows)
    result = import_manual(graded, "a1", path)
    assert result.imported == 0
    assert result.errors == [
        f"{path}:5: score 'lots' is not a number",
        f"{path}:6: the same submission, problem and part as line 5",
        f"{path}:7: score 2.5 is outside 0..2 for q3/answer",
        f"{path}:8: 'q1' is not a free-text question of a1 (those are: q3)",
        f"{path}:9: submission 999 is not a submission of a1",
        f"{path}:10: 'q9' is not a free-text question of a1 (those are: q3)",
        f"{path}:11: submission {sub} has no hand-graded part q3/essay",
        f"{path}:12: the same submission, problem and part as line 2",
    ]
    assert snapshot(graded) == before


def test_a_sheet_without_the_needed_columns_is_refused_at_line_one(graded, tmp_path):
    path = tmp_path / "bad.csv"
    write_sheet(path, [{"submission_id": "1", "problem_id": "q3"}], columns=("submission_id", "problem_id"))
    result = import_manual(graded, "a1", path)
    assert result.errors == [f"{path}:1: missing column(s) part, score (the first line must name the columns)"]


def test_the_cli_round_trip_and_its_errors(graded, tmp_path):
    course = ["--course", str(graded.root)]
    exported = runner.invoke(app, ["manual", "export", "a1", *course])
    assert exported.exit_code == 0, exported.output
    assert "exports/a1.manual.csv: 3 answer(s) to grade" in exported.output
    rows = sheet(graded)
    rows[0]["score"] = "2"
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    write_sheet(good, rows)
    write_sheet(bad, [{**rows[0], "score": "9"}])
    refused = runner.invoke(app, ["manual", "import", "a1", str(bad), *course])
    assert refused.exit_code == 1
    assert f"{bad}:2: score 9 is outside 0..2" in refused.output and "nothing was imported" in refused.output
    done = runner.invoke(app, ["manual", "import", "a1", str(good), *course])
    assert done.exit_code == 0 and "imported 1 hand grade(s) (2 left pending: blank score)" in done.output
    missing = runner.invoke(app, ["manual", "import", "a1", str(tmp_path / "none.csv"), *course])
    assert missing.exit_code == 2 and "file not found" in missing.output


def test_a_regrade_keeps_hand_grades_of_unchanged_answers(tmp_path):
    book = Gradebook("gb.db", tmp_path)
    row = PartRecord(problem_id="q3", part="answer", given="Because...", expected=None, score=0.0, max_score=2.0,
                     verdict=Verdict.PENDING, feedback="Recorded; graded by hand.", mistake=None, manual=True)
    common = dict(assignment="a1", student_id="s1", path="/x.ipynb", sha256="abc", submitted_at="t", status="graded")
    sub = book.record(**common, rows=[row])
    assert book.set_manual(sub, "q3", "answer", 1.5, "Good point.")
    book.record(**common, rows=[row])  # a regrade of the same answer
    kept = book.part_rows(sub)[0]
    assert kept.score == 1.5 and kept.verdict == "manual" and book.submissions("a1")[0].score == 1.5
    book.record(**common, rows=[replace(row, given="A new answer.")])  # a changed answer is pending again
    assert book.part_rows(sub)[0].verdict == "pending"
    book.close()


def _type_into_the_sheet(course, edits: dict[int, dict]) -> list[dict[str, str]]:
    """Export, then type into the exported file itself, as a TA does."""
    rows = sheet(course)
    for index, change in edits.items():
        rows[index].update(change)
    write_sheet(course.folder("exports") / "a1.manual.csv", rows)
    return rows


def test_exporting_again_keeps_the_scores_and_comments_typed_in(graded):
    _type_into_the_sheet(graded, {0: {"score": "2", "feedback": "Both reasons."}, 2: {"feedback": "Read it again?"}})
    result = export_manual(graded, "a1")
    assert result.kept == 2 and result.rows == 3
    again = list(csv.DictReader(io.StringIO(result.path.read_text(encoding="utf-8"))))
    assert [(r["student_id"], r["score"], r["feedback"]) for r in again] == [
        ("s01", "2", "Both reasons."), ("s02", "", ""), ("s04", "", "Read it again?")]
    assert again[2]["answer"] == "'" + FORMULA  # the sheet is written afresh around what was typed


def test_rows_already_imported_leave_the_sheet_quietly(graded):
    _type_into_the_sheet(graded, {0: {"score": "2", "feedback": "Both reasons."}})
    assert import_manual(graded, "a1", graded.folder("exports") / "a1.manual.csv").imported == 1
    result = export_manual(graded, "a1")
    assert result.kept == 0 and [r["student_id"] for r in sheet(graded)] == ["s02", "s04"]


def test_typed_work_with_no_place_in_the_new_sheet_is_never_dropped(graded):
    path = graded.folder("exports") / "a1.manual.csv"
    rows = _type_into_the_sheet(graded, {1: {"score": "1", "feedback": "Half."}})
    # s02 hands in again: the typed score belongs to a submission that is no longer the one graded
    subs = Submissions(graded)
    nb = subs.notebook("s02")
    cell(nb, "q3").source = "A second try."
    subs.write("s02", nb, stamp="2030-01-02T10-00-00")
    grade(graded, "a1", workers=1, executor="fork")
    before = path.read_bytes()
    with pytest.raises(ConfigError) as refused:
        export_manual(graded, "a1")
    assert str(refused.value) == (
        f"{path}:3: the score or comment typed for s02 q3/answer (submission {rows[1]['submission_id']}) has no row in a "
        "new sheet: s02 handed in again since. Nothing was written: copy what is typed there, then move the sheet "
        "away (or export with --out)")
    assert path.read_bytes() == before
    fresh = export_manual(graded, "a1", graded.folder("exports") / "second.csv")  # another file: no conflict
    assert fresh.rows == 3 and fresh.kept == 0


def test_a_score_changed_after_its_import_is_not_dropped(graded):
    path = graded.folder("exports") / "a1.manual.csv"
    rows = _type_into_the_sheet(graded, {0: {"score": "2"}})
    import_manual(graded, "a1", path)
    rows[0]["score"] = "1.5"  # the TA changes their mind, in the sheet, and exports before importing
    write_sheet(path, rows)
    with pytest.raises(ConfigError, match=r"a1.manual.csv:2: .* s01 q3/answer .*: it differs from the hand grade "
                                          r"recorded \(2\); import the sheet first"):
        export_manual(graded, "a1")


def test_a_file_that_is_not_a_sheet_is_not_overwritten(graded):
    path = graded.folder("exports") / "a1.manual.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("notes for the TA meeting\n")
    with pytest.raises(ConfigError, match=r"a1.manual.csv exists and is not a grading sheet \(.*missing column"):
        export_manual(graded, "a1")
    assert path.read_text() == "notes for the TA meeting\n"


def test_the_cli_says_what_it_kept(graded):
    _type_into_the_sheet(graded, {0: {"score": "2"}})
    result = runner.invoke(app, ["manual", "export", "a1", "--course", str(graded.root)])
    assert result.exit_code == 0 and "kept 1 typed score(s) or comment(s)" in result.output, result.output
