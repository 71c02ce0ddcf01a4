"""What students were released stays what they are graded on: generate keeps a fingerprint of each
released problem and does not overwrite a changed release notebook; grade refuses numbers that
changed since release unless told to accept them."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from grader.cli import app
from grader.config import load_course
from grader.errors import ConfigError, ReleaseChangedError
from grader.generate import generate, release_path
from grader.gradebook import Gradebook
from grader.grading.runner import grade
from grader.releases import ReleaseRecord
from grader.submit import submit

STUDENTS = ("s001", "s002", "s003")


@pytest.fixture
def course(released):
    return released(students=STUDENTS)


def _edit(course, old: str, new: str):
    toml = course.root / "assignments" / "a1" / "assignment.toml"
    assert old in toml.read_text()
    toml.write_text(toml.read_text().replace(old, new))
    return load_course(course.root)


def _files(course) -> dict[str, bytes]:
    return {f"{sid}/{worked}": release_path(course, "a1", sid, worked=worked).read_bytes()
            for sid in STUDENTS for worked in (False, True)}


def test_generate_keeps_a_fingerprint_per_student_and_problem_and_rewrites_identical_files(course):
    record = ReleaseRecord.load(course, "a1")
    assert sorted(record.students) == list(STUDENTS) and all(sorted(v) == ["q1", "q2"] for v in record.students.values())
    before = _files(course)
    generate(course, "a1", solutions=True)  # the same inputs: the same bytes, nothing refused
    assert _files(course) == before and ReleaseRecord.load(course, "a1").students == record.students


def test_generate_leaves_changed_release_notebooks_and_names_the_problems_whose_numbers_change(course):
    before, record = _files(course), ReleaseRecord.load(course, "a1").students
    changed = _edit(course, "stride = [1, 2]", "stride = [3]")
    with pytest.raises(ReleaseChangedError, match=r"the parameters would change: q2 for 3 students \(s001, s002, s003\).*--force"):
        generate(changed, "a1", solutions=True)
    assert _files(changed) == before  # nothing overwritten, worked solutions included
    assert ReleaseRecord.load(changed, "a1").students == record

    generate(changed, "a1", solutions=True, force=True)
    assert all(_files(changed)[k] != before[k] for k in before if k.endswith("False"))
    assert all(ReleaseRecord.load(changed, "a1").students[s]["q2"] != record[s]["q2"] for s in STUDENTS)
    assert ReleaseRecord.load(changed, "a1").students[STUDENTS[0]]["q1"] == record[STUDENTS[0]]["q1"]


def test_a_text_change_is_refused_too_but_says_no_numbers_change(course):
    changed = _edit(course, 'title = "Another shape"', 'title = "Another output shape"')
    with pytest.raises(ReleaseChangedError, match="no student's numbers change"):
        generate(changed, "a1")


def test_a_student_added_later_gets_a_notebook_while_changed_ones_are_left(course):
    (course.root / "roster.csv").write_text((course.root / "roster.csv").read_text() + "s004,Student s004\n")
    changed = _edit(course, 'title = "Another shape"', 'title = "Renamed"')
    with pytest.raises(ReleaseChangedError, match="3 release notebook"):
        generate(changed, "a1")
    assert release_path(changed, "a1", "s004").is_file()
    assert "s004" in ReleaseRecord.load(changed, "a1").students


def test_the_cli_refuses_and_forces(course):
    _edit(course, "stride = [1, 2]", "stride = [3]")
    result = CliRunner().invoke(app, ["generate", "a1", "--course", str(course.root)])
    assert result.exit_code == 2 and "q2 for 3 students" in result.output
    assert CliRunner().invoke(app, ["generate", "a1", "--force", "--course", str(course.root)]).exit_code == 0


def _submissions(course) -> int:
    book = Gradebook(course.config.gradebook, course.root)
    try:
        return len(book.submissions("a1", latest_only=False))
    finally:
        book.close()


def test_grade_refuses_numbers_that_changed_since_release_naming_them_unless_accepted(course):
    for sid in ("s001", "s002"):
        submit(course, "a1", release_path(course, "a1", sid, worked=True), sid, run=False)
    changed = _edit(course, "stride = [1, 2]", "stride = [3]")
    result = CliRunner().invoke(app, ["grade", "a1", "--workers", "1", "--course", str(course.root)])
    assert result.exit_code == 2
    assert "q2 for 2 students (s001, s002)" in result.output and "--accept-changes" in result.output
    assert _submissions(changed) == 0  # nothing graded, nothing recorded

    grade(changed, "a1", workers=1, accept_changes=True)
    assert _submissions(changed) == 2


def test_a_problem_added_after_release_is_not_a_change(course):
    submit(course, "a1", release_path(course, "a1", "s001", worked=True), "s001", run=False)
    added = _edit(course, '[[problems]]\nid = "q3"', '[[problems]]\nid = "q4"\nfamily = "kl_gaussian"\n\n[[problems]]\nid = "q3"')
    grade(added, "a1", workers=1)
    assert _submissions(added) == 1


def test_a_damaged_record_is_a_one_line_error(course):
    (course.root / ".autograde" / "releases" / "a1.json").write_text("{not json")
    with pytest.raises(ConfigError, match="a1.json: not a release record"):
        generate(course, "a1")
