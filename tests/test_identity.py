"""A notebook released to one student and handed in by another: stamped at generate, warned about at
validate, refused at submit (unless forced), flagged by grade in its summary, the gradebook and the
report, while the grade itself still follows the folder and the roster."""

from __future__ import annotations

import csv
import io
import json

import nbformat
import pytest
from typer.testing import CliRunner

from grader.cli import app
from grader.errors import SubmissionError
from grader.generate import release_path
from grader.gradebook import Gradebook
from grader.grading.runner import grade
from grader.identity import STAMP_KEY, IdentityStatus, RosterStamps, stamp
from grader.outcomes import SubmissionStatus
from grader.report.export import export
from grader.report.report import write_report
from grader.submit import submit, validate
from tests.fixtures import old_gradebook

STUDENTS = ("s001", "s002", "s008")


@pytest.fixture
def course(released):
    return released(students=STUDENTS)


def _stamp_of(path) -> str | None:
    return json.loads(path.read_text())["metadata"]["autograde"].get(STAMP_KEY)


def test_each_released_notebook_carries_its_students_stamp(course):
    for sid in STUDENTS:
        assert _stamp_of(release_path(course, "a1", sid)) == stamp(b"test-secret", "test-course", "a1", sid)
    stamps = {stamp(secret, c, a, s) for secret in (b"k1", b"k2") for c in ("c1", "c2") for a in ("a1", "a2")
              for s in ("s001", "s002")}
    assert len(stamps) == 16  # any change of secret, course, assignment or student changes the stamp
    assert stamp(b"k1", "c1", "a1", "s001") == stamp(b"k1", "c1", "a1", "s001")


def test_a_stamp_is_checked_against_the_roster():
    stamps = RosterStamps(b"k", "c", "a1", STUDENTS)
    assert stamps.check("s001", stamps.of("s001")).status is IdentityStatus.MATCH
    other = stamps.check("s008", stamps.of("s002"))
    assert (other.status, other.released_to, other.flagged) == (IdentityStatus.OTHER_STUDENT, "s002", True)
    assert "released to s002, not to s008" in other.message()
    assert stamps.check("s001", stamp(b"k", "c", "a2", "s001")).status is IdentityStatus.UNKNOWN_STAMP
    unstamped = stamps.check("s001", None)
    assert unstamped.status is IdentityStatus.UNSTAMPED and not unstamped.flagged and "no release stamp" in unstamped.message()


def test_validate_warns_about_a_notebook_released_to_someone_else(course, tmp_path):
    theirs = release_path(course, "a1", "s002")
    assert validate(theirs, course=course).identity.status is IdentityStatus.MATCH  # s002 checks their own
    report = validate(theirs, course=course, student_id="s008")
    assert report.identity.flagged and report.identity.released_to == "s002"
    nb = nbformat.read(theirs, as_version=4)
    nb.metadata["autograde"]["student_id"] = "s008"  # the header changed by hand
    path = tmp_path / "a1.ipynb"
    nbformat.write(nb, path)
    assert validate(path, course=course).identity.message() == "this notebook was released to s002, not to s008"
    assert validate(theirs).identity is None  # without the course (and its secret) there is nothing to check

    result = CliRunner().invoke(app, ["validate", str(theirs), "--student", "s008", "--course", str(course.root)])
    assert "warning: this notebook was released to s002, not to s008" in result.output


def test_submit_refuses_another_students_notebook_unless_forced(course):
    theirs = release_path(course, "a1", "s002", worked=True)
    with pytest.raises(SubmissionError, match="released to s002, not to s008.*--force"):
        submit(course, "a1", theirs, "s008", run=False)
    assert not (course.folder("submitted") / "s008").exists()  # nothing filed
    result = CliRunner().invoke(app, ["submit", "a1", str(theirs), "--student", "s008", "--no-validate",
                                      "--course", str(course.root)])
    assert result.exit_code == 2 and "released to s002, not to s008" in result.output
    forced = submit(course, "a1", theirs, "s008", run=False, force=True)
    assert forced.path.parts[-4] == "s008" and forced.identity.released_to == "s002"
    assert submit(course, "a1", release_path(course, "a1", "s008", worked=True), "s008", run=False).identity.status \
        is IdentityStatus.MATCH


def test_grade_flags_it_in_the_summary_the_gradebook_and_the_report_and_grades_the_submitters_variant(course):
    submit(course, "a1", release_path(course, "a1", "s002", worked=True), "s008", run=False, force=True)
    submit(course, "a1", release_path(course, "a1", "s001", worked=True), "s001", run=False)
    result = CliRunner().invoke(app, ["grade", "a1", "--workers", "1", "--course", str(course.root)])
    assert "released to another student (see below)" in result.output
    assert "not their notebook: s008: this notebook was released to s002, not to s008" in result.output

    book = Gradebook(course.config.gradebook, course.root)
    try:
        rows = {s.student_id: s for s in book.submissions("a1")}
        params = book.variant_params("a1")
    finally:
        book.close()
    assert (rows["s008"].identity, rows["s008"].released_to) == ("other_student", "s002")
    assert (rows["s001"].identity, rows["s001"].released_to) == ("match", "")
    # s002's worked answers, graded against s008's own numbers (the folder decides), not s002's
    from grader.assignment import load_assignment
    from grader.variants import variants

    own = variants(b"test-secret", "test-course", load_assignment(course, "a1"), "s008")
    assert params[("s008", "q1")] == own["q1"].params.model_dump(mode="json")
    assert rows["s008"].score < rows["s001"].score

    html = write_report(course, "a1").path.read_text()
    assert "Notebooks released to another student" in html and "released to s002, not to s008" in html
    assert "not their notebook" in html


def test_the_csv_and_json_exports_say_whose_notebook_it_was_and_the_canvas_file_does_not(course):
    submit(course, "a1", release_path(course, "a1", "s002", worked=True), "s008", run=False, force=True)
    submit(course, "a1", release_path(course, "a1", "s001", worked=True), "s001", run=False)
    grade(course, "a1", workers=1)
    rows = {r["student_id"]: r for r in csv.DictReader(io.StringIO(
        export(course, "a1", "csv").path.read_text(encoding="utf-8-sig")))}
    assert [(rows[s]["identity"], rows[s]["released_to"]) for s in STUDENTS] == [
        ("match", ""), ("", ""), ("other_student", "s002")]  # s002 handed in nothing
    students = {s["student_id"]: s for s in json.loads(export(course, "a1", "json").path.read_text())["students"]}
    assert [(students[s]["identity"], students[s]["released_to"]) for s in STUDENTS] == [
        ("match", None), (None, None), ("other_student", "s002")]
    header = export(course, "a1", "canvas").path.read_text().splitlines()[0]
    assert "identity" not in header and "released_to" not in header  # Canvas would make it an assignment


def test_a_gradebook_from_before_stamps_opens_with_the_new_columns(tmp_path):
    old_gradebook.load(tmp_path / "gradebook.db", without=("identity", "released_to"))  # today's, less the stamp's columns
    book = Gradebook("gradebook.db", tmp_path)
    try:
        old = book.submissions("a1")
        assert len(old) == 5 and {(s.identity, s.released_to) for s in old} == {(None, "")}
        book.record(assignment="a1", student_id="s009", path="y.ipynb", sha256="1", submitted_at="t",
                    status=SubmissionStatus.GRADED, identity=IdentityStatus.OTHER_STUDENT, released_to="s001")
        new = next(s for s in book.submissions("a1") if s.student_id == "s009")
        assert (new.identity, new.released_to) == (IdentityStatus.OTHER_STUDENT, "s001")
    finally:
        book.close()


def test_the_feedback_page_says_the_notebook_was_someone_elses(course):
    from grader.report.feedback import write_feedback

    submit(course, "a1", release_path(course, "a1", "s002", worked=True), "s008", run=False, force=True)
    grade(course, "a1", workers=1)
    page = (write_feedback(course, "a1").pages[0]).read_text()
    assert "Note: this notebook was released to s002, not to s008. It was graded with your own numbers." in page


def test_the_stamp_comes_back_with_the_run_and_from_the_bytes_when_the_run_never_read_them(course):
    """The run reads the stamp where it parses the notebook; a run that could not (a worker that
    died, a file it found unreadable) brings none, and then the grading process reads the bytes."""
    from dataclasses import replace

    from grader.grading.batch import Batch
    from grader.grading.execute import execute_submission
    from grader.grading.jobs import ExecutionOutcome
    from grader.outcomes import RunStatus

    submit(course, "a1", release_path(course, "a1", "s002", worked=True), "s008", run=False, force=True)
    batch = Batch.open(course, "a1", executor="fork").plan()
    (planned,) = batch.planned
    outcome = execute_submission(planned.job)
    assert outcome.stamp == stamp(b"test-secret", "test-course", "a1", "s002")
    batch.identify(planned, outcome)
    assert (planned.identity.status, planned.identity.released_to) == (IdentityStatus.OTHER_STUDENT, "s002")

    for status in (RunStatus.FAILED, RunStatus.INVALID):  # no reading from the run: the bytes decide
        batch.identify(planned, ExecutionOutcome(key=planned.job.key, status=status))
        assert planned.identity.released_to == "s002", status
    batch.identify(planned, replace(outcome, stamp=None))  # the run read the notebook and found no stamp
    assert planned.identity.status is IdentityStatus.UNSTAMPED
