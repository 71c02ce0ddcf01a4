"""Late work through a real batch: which file is graded, late days and penalty in the gradebook,
the exports, the feedback page and the report; an extension granted after grading re-marks a
submission without grading it again; --include-after-cutoff grades what came after the cutoff.

a1 is due 2030-01-31 23:59 UTC, cutoff 2030-02-03 23:59, grace 15 minutes, 10% a day, floor 50%.
Every graded notebook here scores 4 of 6 (the written answer is left blank) unless said otherwise.
s01 on time; s02 ten minutes late (within the grace); s03 has an extension to 2030-02-05 and hands
in on the 4th; s04 is two days late; s05 hands in a blank notebook on time and a good one after
the cutoff; s06 hands in only after the cutoff; s07's file has no submit stamp, only a late mtime.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re

import pytest
from typer.testing import CliRunner

from grader.cli import app
from grader.config import load_course
from grader.grading.runner import grade
from grader.report.export import export
from grader.report.feedback import write_feedback
from grader.report.records import opened
from grader.report.report import write_report
from tests.conftest import LATE_ASSIGNMENT
from tests.grading.conftest import LIMITS, Submissions, rows_by_student

pytestmark = pytest.mark.usefixtures("database")  # on SQLite and on PostgreSQL

STUDENTS = ("s01", "s02", "s03", "s04", "s05", "s06", "s07")


@pytest.fixture
def course(make_course):
    c = make_course(students=STUDENTS, assignment=LATE_ASSIGNMENT, limits=LIMITS)
    c.config_path.write_text('extensions = "extensions.csv"\n' + c.config_path.read_text())
    (c.root / "extensions.csv").write_text("student_id,assignment,due,cutoff\ns03,a1,2030-02-05T23:59:00Z,\n")
    c = load_course(c.root)
    subs = Submissions(c)
    worked = lambda sid, stamp: subs.write(sid, subs.notebook(sid, worked=True), stamp)  # noqa: E731
    worked("s01", "2030-01-30T10-00-00")
    worked("s02", "2030-02-01T00-10-00")
    worked("s03", "2030-02-04T12-00-00")
    worked("s04", "2030-02-02T10-00-00")
    subs.write("s05", subs.notebook("s05"), "2030-01-30T10-00-00")
    worked("s05", "2030-02-10T00-00-00")
    worked("s06", "2030-02-08T00-00-00")
    unstamped = c.folder("submitted") / "s07" / "a1" / "a1.ipynb"  # put there by hand: no submit stamp
    unstamped.parent.mkdir(parents=True)
    unstamped.write_bytes(subs.write("s07", subs.notebook("s07", worked=True)).read_bytes())
    for stray in (c.folder("submitted") / "s07" / "a1").glob("2030-*"):
        (stray / "a1.ipynb").unlink()
        stray.rmdir()
    late_mtime = dt.datetime(2030, 3, 1, tzinfo=dt.UTC).timestamp()
    os.utime(unstamped, (late_mtime, late_mtime))
    grade(c, "a1", workers=2, executor="fork")
    return c


def marks(course) -> dict[str, tuple]:
    return {sid: (sub.status, sub.late_days, sub.penalty_percent, sub.score)
            for sid, (sub, _) in rows_by_student(course).items()}


def exported(course) -> dict[str, dict[str, str]]:
    text = export(course, "a1", "csv").path.read_text(encoding="utf-8-sig")
    return {r["student_id"]: r for r in csv.DictReader(io.StringIO(text))}


def test_the_latest_file_before_the_cutoff_is_graded_and_its_lateness_recorded(course):
    assert marks(course) == {
        "s01": ("graded", 0, 0.0, 4.0),
        "s02": ("graded", 0, 0.0, 4.0),         # within the grace
        "s03": ("graded", 0, 0.0, 4.0),         # within the extension
        "s04": ("graded", 2, 20.0, 3.2),        # two days late: 20% of 4
        "s05": ("graded", 0, 0.0, 0.0),         # the blank one, on time; the later one is kept, not graded
        "s06": ("after_cutoff", 8, 0.0, None),  # nothing before the cutoff
        "s07": ("graded", None, 0.0, 4.0),      # a file's modification time is not a submission time
    }
    every = {(s.student_id, s.status) for s in _all(course)}
    assert ("s05", "after_cutoff") in every


def _all(course):
    with opened(course) as book:
        return book.submissions("a1", latest_only=False)


def test_the_exports_show_when_how_late_and_the_penalty(course):
    rows = exported(course)
    pick = lambda r: (r["total"], r["status"], r["submitted_at"], r["late_days"], r["penalty"])  # noqa: E731
    assert pick(rows["s04"]) == ("3.2", "graded", "2030-02-02T10:00:00Z", "2", "0.8")
    assert pick(rows["s03"]) == ("4", "graded", "2030-02-04T12:00:00Z", "0", "0")
    assert pick(rows["s06"]) == ("", "after_cutoff", "2030-02-08T00:00:00Z", "8", "")
    assert pick(rows["s07"])[3] == ""


def test_the_feedback_page_and_the_report_say_it(course):
    pages = {p.stem: p.read_text() for p in write_feedback(course, "a1", now=dt.datetime(2030, 3, 1, tzinfo=dt.UTC)).pages}
    assert ("Submitted 2030-02-02 10:00 UTC, 2 days after the due date (2030-01-31 23:59 UTC): "
            "a late penalty of 20% of the total. Before the penalty: 4 points.") in pages["s04"]
    assert "3.2 / 6" in pages["s04"]
    assert "Submitted on time for the extended due date (2030-02-05 23:59 UTC)." in pages["s03"]
    assert "late penalty" not in pages["s01"] and "s06" not in pages
    html = write_report(course, "a1").path.read_text()
    late = html[html.index('id="late"'):html.index('id="trouble"')]
    assert [sid for sid in STUDENTS if f"<td>{sid}</td>" in late] == ["s03", "s04", "s05", "s06"]
    assert "Kept, not graded: an earlier submission was." in late  # s05's second file
    trouble = html[html.index('id="trouble"'):]
    assert "<td>s06</td><td>after cutoff</td>" in trouble and "kept, not graded" in trouble


def test_an_extension_granted_later_re_marks_without_grading_again_and_the_cutoff_can_be_waived(course):
    before = {sid: sub.graded_at for sid, (sub, _) in rows_by_student(course).items()}
    (course.root / "extensions.csv").write_text("student_id,assignment,due,cutoff\n"
                                                "s03,a1,2030-02-05T23:59:00Z,\ns04,a1,2030-02-03,\n")
    assert grade(course, "a1", workers=2, executor="fork") == []  # nothing new to grade: only the marks change
    assert marks(course)["s04"] == ("graded", 0, 0.0, 4.0)
    assert rows_by_student(course)["s04"][0].graded_at == before["s04"]  # not run again
    assert exported(course)["s04"]["total"] == "4"

    cli = CliRunner().invoke(app, ["grade", "a1", "--include-after-cutoff", "--workers", "2", "--course", str(course.root)])
    assert cli.exit_code == 0, cli.output
    now = marks(course)
    assert now["s05"] == ("graded", 10, 50.0, 2.0)  # ten days late: 100%, but the floor keeps half
    assert now["s06"] == ("graded", 8, 50.0, 2.0)

    grade(course, "a1", workers=2, executor="fork")  # the cutoff holds again
    summary = CliRunner().invoke(app, ["grade", "a1", "--course", str(course.root)]).output
    assert re.search(r"after the cutoff \(kept, not graded;[^│]*│\s*2 │", summary)  # s05's and s06's late files
    assert marks(course)["s05"] == ("graded", 0, 0.0, 0.0) and marks(course)["s06"][0] == "after_cutoff"


def test_answers_wait_for_each_students_own_cutoff_and_grace(course):
    # a1 closes at its cutoff plus the grace, 2030-02-04 00:14 UTC; for s03, whose extension runs to
    # 2030-02-05 23:59, at 2030-02-06 00:14. Shown any sooner, expected values and worked solutions
    # could be copied into a submission that still counts (s03's, or anyone's within the cutoff)
    course.config_path.write_text(course.config_path.read_text() + '[feedback]\nshow_expected = "after_due"\n')
    course = load_course(course.root)

    def shows(now: dt.datetime) -> dict[str, bool]:
        pages = {p.stem: p.read_text() for p in write_feedback(course, "a1", now=now).pages}
        both = {sid: ("<th>Expected</th>" in page, 'class="ag-solution"' in page) for sid, page in pages.items()}
        assert all(a == b for a, b in both.values()), both  # the two follow one rule
        return {sid: a for sid, (a, _) in both.items()}

    at = lambda *when: dt.datetime(2030, *when, tzinfo=dt.UTC)  # noqa: E731
    assert not any(shows(at(2, 2, 12)).values())  # past the due date, before the cutoff: s01 could still hand in
    assert not any(shows(at(2, 4, 0, 10)).values())  # within the grace after the cutoff
    after_cutoff = shows(at(2, 4, 13))
    assert not after_cutoff["s03"] and all(after_cutoff[sid] for sid in ("s01", "s02", "s04", "s07"))
    assert all(shows(at(2, 6, 0, 15)).values())
    page = (course.folder("feedback") / "a1" / "s03.html").read_text()
    assert "Expected values are shown for every part, since submissions closed for you (2030-02-06 00:14 UTC)." in page
    write_feedback(course, "a1", now=at(2, 4, 13))
    page = (course.folder("feedback") / "a1" / "s03.html").read_text()
    assert "Expected values will be shown for every part once submissions close for you (2030-02-06 00:14 UTC)." in page
    assert "Worked solutions for every problem will be shown once submissions close for you (2030-02-06 00:14 UTC)." in page
