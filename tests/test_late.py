"""The late rule: durations, late days rounded up after the grace, the cutoff, the penalties, and
the extensions file with its one-line errors; what submit says of a late file."""

from __future__ import annotations

import datetime as dt

import pytest
from typer.testing import CliRunner

from grader.assignment import load_assignment
from grader.cli import app
from grader.config import load_course
from grader.errors import ConfigError
from grader.generate import generate, release_path
from grader.gradebook import Gradebook, LateMark
from grader.late import Deadline, LateConfig, deadlines, load_extensions, parse_duration, parse_moment, submission_time
from grader.outcomes import Verdict
from grader.submit import submit
from tests.conftest import LATE_ASSIGNMENT, SMALL_ASSIGNMENT
from tests.fixtures import old_gradebook

UTC = dt.UTC
DUE = dt.datetime(2030, 1, 31, 23, 59, tzinfo=UTC)


def test_durations_are_written_like_15m_and_typos_are_refused():
    minutes = dt.timedelta(minutes=1)
    assert [parse_duration(t) for t in ("15m", "2h", "1d", "1h30m", "90s", " 1H 30M ")] == [
        15 * minutes, 120 * minutes, 1440 * minutes, 90 * minutes, 1.5 * minutes, 90 * minutes]
    for bad in ("15 minutes", "", "m", "15", 15, "-5m", "8d"):
        with pytest.raises(ValueError, match="duration|longer than 7 days"):
            parse_duration(bad)


def test_dates_in_a_csv_or_toml_are_instants_in_utc_a_bare_date_is_the_end_of_its_day():
    assert parse_moment("2030-02-03") == dt.datetime(2030, 2, 3, 23, 59, 59, tzinfo=UTC)
    assert parse_moment("2030-02-03T12:00Z") == parse_moment("2030-02-03 12:00") == dt.datetime(2030, 2, 3, 12, tzinfo=UTC)
    assert parse_moment("2030-02-03T14:00+02:00") == dt.datetime(2030, 2, 3, 12, tzinfo=UTC)
    with pytest.raises(ValueError, match="'03/02/2030' is not a date: write it like 2030-02-03"):
        parse_moment("03/02/2030")


def test_the_time_judged_is_the_stamp_submit_wrote():
    assert submission_time("2030-02-02T10-00-00.000001Z") == dt.datetime(2030, 2, 2, 10, 0, 0, 1, tzinfo=UTC)
    assert submission_time("2030-02-02 10:00:00.500000 UTC") == dt.datetime(2030, 2, 2, 10, 0, 0, 500000, tzinfo=UTC)
    assert submission_time("2030-02-02T10-00-00Z-1") == dt.datetime(2030, 2, 2, 10, tzinfo=UTC)  # a same-second twin
    assert submission_time("yesterday") is None and submission_time("2030-02-31T10-00-00Z") is None


def test_late_days_count_from_the_due_date_rounded_up_once_past_the_grace():
    d = Deadline(DUE, DUE + dt.timedelta(days=3), dt.timedelta(minutes=15), LateConfig())
    at = lambda **kw: d.judge(DUE + dt.timedelta(**kw)).late_days  # noqa: E731
    assert at(hours=-1) == 0 and at(minutes=15) == 0  # within the grace: on time
    assert at(minutes=16) == 1 and at(days=1) == 1 and at(days=1, seconds=1) == 2 and at(days=2, hours=23) == 3
    assert not d.judge(DUE + dt.timedelta(days=3, minutes=15)).after_cutoff  # the grace covers the cutoff too
    assert d.judge(DUE + dt.timedelta(days=3, minutes=16)).after_cutoff
    assert Deadline(None, None).judge(DUE).late_days is None  # no due date: never late
    assert d.judge(None).late_days is None  # no recorded time: not judged


@pytest.mark.parametrize(("policy", "percents"), [
    ({}, [0, 0, 0, 0]),
    ({"penalty": "zero"}, [0, 100, 100, 100]),
    ({"penalty": "percent_per_day", "percent": 10}, [0, 10, 30, 100]),
    ({"penalty": "percent_per_day", "percent": 10, "floor": 50}, [0, 10, 30, 50]),
    ({"penalty": "percent_per_day", "percent": 12.5}, [0, 12.5, 37.5, 100]),
])
def test_each_penalty_takes_its_share_of_the_total(policy, percents):
    late = LateConfig(**policy)
    assert [late.percent_for(days) for days in (0, 1, 3, 11)] == percents


def test_the_sentence_says_when_how_late_and_what_it_costs():
    d = Deadline(DUE, DUE, policy=LateConfig(penalty="percent_per_day", percent=10), extended=True)
    late = d.judge(dt.datetime(2030, 2, 2, 10, tzinfo=UTC))
    assert late.describe() == ("Submitted 2030-02-02 10:00 UTC, 2 days after the extended due date (2030-01-31 23:59 UTC) "
                               "and after the cutoff (2030-01-31 23:59 UTC): a late penalty of 20% of the total.")
    assert d.judge(DUE - dt.timedelta(hours=1)).describe() == "Submitted on time for the extended due date (2030-01-31 23:59 UTC)."
    assert Deadline(DUE, DUE).judge(DUE).describe() == ""


@pytest.mark.parametrize(("edit", "says"), [
    (('cutoff = 2030-02-03T23:59:00Z', 'cutoff = 2030-01-30T23:59:00Z'), "cutoff: 2030-01-30 23:59 UTC is before the due date"),
    (('cutoff = 2030-02-03T23:59:00Z', 'cutoff = "soon"'), "cutoff: 'soon' is not a date"),
    (('grace = "15m"', 'grace = "15 min"'), "grace: '15 min' is not a duration"),
    (('percent = 10\n', ''), 'late: percent is required with penalty = "percent_per_day"'),
    (('penalty = "percent_per_day"', 'penalty = "half"'), "late.penalty: Input should be 'none', 'percent_per_day' or 'zero'"),
    (('floor = 50', 'floor = 100'), "late.floor: Input should be less than 100"),
    (('title = "Small"', 'title = "Small"\ncanvas_column = "Small (hw1)"'), "the part in parentheses must be Canvas's numeric assignment id"),
])
def test_a_bad_late_setting_is_one_line_naming_the_file_and_key(make_course, edit, says):
    course = make_course(assignment=LATE_ASSIGNMENT.replace(*edit))
    with pytest.raises(ConfigError) as err:
        load_assignment(course, "a1")
    assert says in str(err.value) and "assignment.toml" in str(err.value) and "\n" not in str(err.value)


def _with_extensions(make_course, text, assignment=LATE_ASSIGNMENT):
    course = make_course(students=("s01", "s02", "s03"), assignment=assignment)
    course.config_path.write_text('extensions = "extensions.csv"\n' + course.config_path.read_text())
    (course.root / "extensions.csv").write_text(text, encoding="utf-8")
    return load_course(course.root)


def test_an_extension_moves_a_students_due_date_and_cutoff(make_course):
    course = _with_extensions(make_course, "\ufeffstudent_id,assignment,due,cutoff\n"
                                           "s01,a1,2030-02-05,\n"          # cutoff: the later of the assignment's and the new due
                                           "s02,a1,,2030-02-10T12:00Z\n"  # a longer window for late work only
                                           "\n")
    found = deadlines(course, load_assignment(course, "a1"))
    s01, s02, s03 = (found.for_student(s) for s in ("s01", "s02", "s03"))
    assert (s01.due, s01.cutoff, s01.extended) == (parse_moment("2030-02-05"), parse_moment("2030-02-05"), True)
    assert (s02.due, s02.cutoff, s02.extended) == (DUE, parse_moment("2030-02-10T12:00Z"), False)
    assert (s03.due, s03.cutoff) == (DUE, parse_moment("2030-02-03T23:59Z"))
    assert s01.judge(parse_moment("2030-02-04T12:00Z")).late_days == 0
    assert s03.judge(parse_moment("2030-02-04T12:00Z")).late_days == 4


@pytest.mark.parametrize(("rows", "says"), [
    ("s09,a1,2030-02-05,", "extensions.csv:2: student 's09' is not on the roster"),
    ("s01,a9,2030-02-05,", "extensions.csv:2: there is no assignment 'a9'"),
    ("s01,a1,05/02/2030,", "extensions.csv:2: due: '05/02/2030' is not a date: write it like 2030-02-03"),
    ("s01,a1,2030-02-05,\ns01,a1,2030-02-06,", "extensions.csv:3: s01 already has an extension for a1 on line 2"),
    ("s01,a1,,", "extensions.csv:2: give a due date, a cutoff or both"),
    ("s01,a1,2030-02-05,2030-02-04", "extensions.csv:2: cutoff 2030-02-04 23:59 UTC is before due 2030-02-05 23:59 UTC"),
    ("s01,a1,2030-01-20,", "extensions.csv:2: due 2030-01-20 23:59 UTC is before the assignment's own"),
    ("s01,a1,,2030-01-20", "extensions.csv:2: cutoff 2030-01-20 23:59 UTC is before the student's due date"),
])
def test_a_bad_extension_row_is_one_line_naming_the_file_and_line(make_course, rows, says):
    course = _with_extensions(make_course, "student_id,assignment,due,cutoff\n" + rows + "\n")
    with pytest.raises(ConfigError) as err:
        deadlines(course, load_assignment(course, "a1"))
    assert says in str(err.value) and "\n" not in str(err.value)


def test_the_extensions_file_must_exist_and_name_its_columns(make_course):
    course = _with_extensions(make_course, "student,due\ns01,2030-02-05\n")
    with pytest.raises(ConfigError, match="extensions.csv:1: the first line must name the columns student_id, assignment, due, cutoff"):
        load_extensions(course)
    (course.root / "extensions.csv").unlink()
    with pytest.raises(ConfigError, match=r"autograde.toml: extensions file .*extensions.csv does not exist"):
        load_extensions(course)


def test_an_assignment_without_a_due_date_cannot_be_extended(make_course):
    course = _with_extensions(make_course, "student_id,assignment,due\ns01,a1,2030-02-05\n",
                              assignment=SMALL_ASSIGNMENT.replace("due = 2030-01-31T23:59:00Z", ""))
    with pytest.raises(ConfigError, match="extensions.csv:2: assignment 'a1' has no due date to extend"):
        deadlines(course, load_assignment(course, "a1"))


@pytest.mark.parametrize(("roster", "says"), [
    ("s01,A,x1,,,\n", "roster.csv:2: canvas_id 'x1' must be Canvas's numeric user id"),
    ("s01,A,,S1,,\ns02,B,,S1,,\n", "roster.csv:3: sis_id 'S1' is also on line 2"),
    ("s01,A,,,,sub\ns02,B,,,,sub\n", "roster.csv:3: lti_sub 'sub' is also on line 2"),
])
def test_lms_ids_on_the_roster_are_checked(tmp_path, roster, says):
    (tmp_path / "autograde.toml").write_text('course = "c"\n')
    (tmp_path / "roster.csv").write_text("student_id,name,canvas_id,sis_id,login,lti_sub\n" + roster)
    with pytest.raises(ConfigError, match=says):
        load_course(tmp_path).roster()


def test_lms_ids_are_read_from_the_roster(tmp_path):
    (tmp_path / "autograde.toml").write_text('course = "c"\n')
    (tmp_path / "roster.csv").write_text("student_id,name,canvas_id,sis_id,login,lti_sub\ns01,A,17,SIS1,a@x,abc\ns02,B,,,,\n")
    s01, s02 = load_course(tmp_path).roster()
    assert (s01.canvas_id, s01.sis_id, s01.login, s01.lti_sub) == ("17", "SIS1", "a@x", "abc")
    assert (s02.canvas_id, s02.sis_id, s02.login, s02.lti_sub) == ("", "", "", "")


def test_submit_keeps_a_late_file_and_says_how_late_even_after_the_cutoff(make_course):
    course = _with_extensions(make_course, "student_id,assignment,due\ns02,a1,2030-02-05\n")
    generate(course, "a1")
    notebook = release_path(course, "a1", "s01")
    late = submit(course, "a1", notebook, "s01", run=False, now=dt.datetime(2030, 2, 2, 10, tzinfo=UTC))
    assert late.path.is_file() and late.lateness.late_days == 2 and late.lateness.penalty_percent == 20
    assert not late.lateness.after_cutoff
    after = submit(course, "a1", notebook, "s01", run=False, now=dt.datetime(2030, 2, 9, tzinfo=UTC))
    assert after.path.is_file() and after.lateness.after_cutoff and after.lateness.penalty_percent == 50
    assert submission_time(after.path.parent.name) == dt.datetime(2030, 2, 9, tzinfo=UTC)
    extended = submit(course, "a1", release_path(course, "a1", "s02"), "s02", run=False, now=dt.datetime(2030, 2, 2, 10, tzinfo=UTC))
    assert not extended.lateness.late and extended.lateness.deadline.extended
    # a broken extensions file is the instructor's to fix: it never costs a student their submission
    (course.root / "extensions.csv").write_text("student_id,assignment,due\nnobody,a1,2030-02-05\n")
    kept = submit(course, "a1", notebook, "s01", run=False, now=dt.datetime(2030, 2, 2, 10, tzinfo=UTC))
    assert kept.path.is_file() and kept.lateness is None


@pytest.mark.parametrize(("dates", "says"), [
    (("due = 2020-01-01T00:00:00Z", "cutoff = 2099-01-01T00:00:00Z"), "late: Submitted"),
    (("due = 2020-01-01T00:00:00Z", "cutoff = 2020-01-02T00:00:00Z"), "after the cutoff: Submitted"),
])
def test_the_submit_command_says_a_file_is_late_and_keeps_it(make_course, dates, says):
    assignment = LATE_ASSIGNMENT.replace("due = 2030-01-31T23:59:00Z", dates[0]).replace("cutoff = 2030-02-03T23:59:00Z", dates[1])
    course = make_course(assignment=assignment)
    generate(course, "a1")
    result = CliRunner().invoke(app, ["submit", "a1", str(release_path(course, "a1", "s001")), "--student", "s001",
                                      "--no-validate", "--course", str(course.root)])
    assert result.exit_code == 0, result.output
    assert says in result.output and "Submitted: submitted/s001/a1/" in result.output


def test_a_gradebook_from_before_late_work_opens_with_its_rows_and_hand_grades_and_grade_marks_them(tmp_path):
    # today's gradebook without the columns late work added: opening it adds them, nothing typed in is lost
    old_gradebook.load(tmp_path / "old.db", without=("due_at", "late_days", "penalty_percent", "identity", "released_to"))
    book = Gradebook("old.db", tmp_path)
    try:
        (old,) = (s for s in book.submissions("a1") if s.student_id == "s001")
        assert (old.score, old.late_days, old.penalty_percent, old.due_at, old.identity) == (5.5, None, 0.0, None, None)
        hand = {r.part: (r.score, r.verdict, r.feedback) for r in book.part_rows(old.id)}["answer"]
        assert hand == (1.5, Verdict.MANUAL, "Equivariance, yes; say why it saves parameters.")
        # what grade does for a submission already graded: the late rule marks it, nothing is run again
        book.set_late("a1", [("s001", old.path, LateMark(DUE.isoformat(), 2, 20.0))])
        (marked,) = (s for s in book.submissions("a1") if s.student_id == "s001")
        assert (marked.late_days, marked.penalty_percent, marked.score) == (2, 20.0, pytest.approx(4.4))
    finally:
        book.close()
