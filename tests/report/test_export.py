"""Exports: the per-problem CSV, Canvas's gradebook import and the per-part JSON; every roster
student listed, the same gradebook giving the same bytes."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil

import pytest
from typer.testing import CliRunner

from grader.cli import app
from grader.config import load_course
from grader.gradebook import Gradebook
from grader.report.export import export
from grader.report.records import points

runner = CliRunner()


def exported(course, fmt, **kw) -> str:
    # utf-8-sig: the spreadsheet CSV starts with a byte-order mark
    return export(course, "a1", fmt, **kw).path.read_text(encoding="utf-8-sig")


def test_the_csv_has_a_column_per_problem_and_lists_everyone(graded):
    result = export(graded, "a1", "csv")
    assert result.path == graded.folder("exports") / "a1.csv"
    assert result.students == 6 and result.missing == 1
    # s01, s02 and s04 wrote a free-text answer that waits for a hand grade; s03 wrote none
    assert result.path.read_bytes().decode("utf-8-sig") == (
        "student_id,name,q1,q2,q3,total,max,status,pending_points,submitted_at,late_days,penalty,identity,released_to\n"
        "s01,Student 1,2,2,,4,6,pending,2,2030-01-01T10:00:00Z,0,0,match,\n"
        "s02,Student 2,1,2,,3,6,pending,2,2030-01-01T10:00:00Z,0,0,match,\n"
        "s03,Student 3,0,0,0,0,6,graded,0,2030-01-01T10:00:00Z,0,0,match,\n"
        "s04,Student 4,2,0,,2,6,pending,2,2030-01-01T10:00:00Z,0,0,match,\n"
        "s05,Student 5,,,,,,missing,,,,,,\n"
        "zz99,,,,,,,not_on_roster,,2030-01-01T10:00:00Z,,,,\n"
    )


def test_a_total_waiting_for_hand_grades_is_pending_in_every_export_and_not_published_to_canvas(graded, tmp_path):
    rows = {r["student_id"]: r for r in csv.DictReader(io.StringIO(exported(graded, "csv")))}
    assert {sid: (r["status"], r["pending_points"]) for sid, r in rows.items() if sid != "zz99"} == {
        "s01": ("pending", "2"), "s02": ("pending", "2"), "s03": ("graded", "0"), "s04": ("pending", "2"),
        "s05": ("missing", "")}
    students = {s["student_id"]: s for s in json.loads(exported(graded, "json"))["students"]}
    assert [(s["status"], s["pending"], s["pending_points"]) for s in (students["s01"], students["s03"])] == [
        ("pending", True, 2), ("graded", False, 0)]
    # the waiting question has no score yet, rather than a 0 that reads as final
    assert [(p["id"], p["score"]) for p in students["s01"]["problems"]] == [("q1", 2), ("q2", 2), ("q3", None)]
    assert (rows["s01"]["q3"], rows["s03"]["q3"]) == ("", "0")
    canvas = {r[2]: r[5] for r in csv.reader(io.StringIO(exported(graded, "canvas")))}
    assert (canvas["s01"], canvas["s02"], canvas["s03"], canvas["s04"]) == ("", "", "0", "")
    assert export(graded, "a1", "canvas").withheld == ("s01", "s02", "s04")
    published = {r[2]: r[5] for r in csv.reader(io.StringIO(exported(graded, "canvas", include_pending=True)))}
    assert (published["s01"], published["s02"], published["s04"]) == ("4", "3", "2")
    cli = runner.invoke(app, ["export", "a1", "--format", "canvas", "--course", str(graded.root)])
    assert cli.exit_code == 0 and "3 provisional total(s) left blank" in cli.output and "--include-pending" in cli.output
    # graded by hand: final, published
    book = Gradebook(graded.config.gradebook, graded.root)
    try:
        s01 = next(s for s in book.submissions("a1") if s.student_id == "s01")
        assert book.set_manual(s01.id, "q3", "answer", 1.5, "Good.")
    finally:
        book.close()
    canvas = {r[2]: r[5] for r in csv.reader(io.StringIO(exported(graded, "canvas")))}
    assert canvas["s01"] == "5.5"


# What Canvas's gradebook importer (canvas-lms app/models/gradebook_importer.rb, GradebookImporter)
# does with a CSV, as far as an import of one assignment depends on it.
CANVAS_READ_ONLY = ("Current Score", "Current Points", "Current Grade", "Final Score", "Final Points", "Final Grade",
                    "Override Score", "Override Grade", "Override Status")
CANVAS_TITLE_AND_ID = re.compile(r"\A(.*)\s\((\d+)\)\Z")  # Assignment.title_and_id


def canvas_import(text: str) -> dict:
    """The assignments a Canvas import of ``text`` would touch, the points possible and each student's
    cells; fails where the importer would refuse the file or create an assignment no one asked for."""
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    # row_has_student_headers?, update_column_count, header?: identity columns, SIS columns, Section last
    assert len(header) > 3 and "Student" in header[0] and "ID" in header[1]
    assert re.search(r"SIS\s+User\s+ID", header[2]) and re.search(r"SIS\s+Login\s+ID", header[3])
    assert "Section" in header[4]
    assignments = [h for h in header[5:] if not any(name in h for name in CANVAS_READ_ONLY)]
    assert rows[1][0].strip() == "Points Possible" and "Points Possible" in rows[1][0]  # check_for_non_student_row
    students = {}
    for row in rows[2:]:
        assert len(row) == len(header)
        assert any(row[1:4]), f"{row[0]} can only be matched by name"
        students[tuple(row[1:4])] = dict(zip(header[5:], row[5:]))
    return {"assignments": [CANVAS_TITLE_AND_ID.match(a) for a in assignments],
            "points_possible": dict(zip(header[5:], rows[1][5:])), "students": students}


def _with_roster(course, text: str):
    (course.root / "roster.csv").write_text(text, encoding="utf-8")
    return load_course(course.root)


def test_the_canvas_file_imports_into_the_configured_assignment_matching_students_by_their_lms_ids(graded):
    course = _with_roster(graded, "student_id,name,email,canvas_id,sis_id,login,lti_sub\n"
                                  "s01,Student 1,s01@example.edu,1001,SIS-01,st1,sub-1\n"
                                  "s02,Student 2,s02@example.edu,,SIS-02,,\n"
                                  "s03,Student 3,s03@example.edu,1003,,,\n"
                                  "s04,Student 4,s04@example.edu,,,st4,\n"
                                  "s05,Student 5,s05@example.edu,,,,\n")
    toml = course.folder("assignments") / "a1" / "assignment.toml"
    toml.write_text(toml.read_text().replace('title = "Small"', 'title = "Small"\ncanvas_column = "Small homework (48213)"'))
    result = export(course, "a1", "canvas", include_pending=True)
    found = canvas_import(result.path.read_text(encoding="utf-8"))
    assert len(found["assignments"]) == 1, "any other column would become a new Canvas assignment"
    assert found["assignments"][0].groups() == ("Small homework", "48213")
    assert found["points_possible"] == {"Small homework (48213)": "6"}
    assert found["students"] == {
        ("1001", "SIS-01", "st1"): {"Small homework (48213)": "4"},
        ("", "SIS-02", ""): {"Small homework (48213)": "3"},
        ("1003", "", ""): {"Small homework (48213)": "0"},
        ("", "", "st4"): {"Small homework (48213)": "2"},
        ("", "s05", "s05@example.edu"): {"Small homework (48213)": ""},  # no LMS id: the old way, and said so
    }
    assert result.unmatched == ("s05",)
    cli = runner.invoke(app, ["export", "a1", "--format", "canvas", "--course", str(course.root)])
    assert "1 student(s) have no canvas_id, sis_id or login in the roster" in cli.output
    assert not result.path.read_bytes().startswith(b"\xef\xbb\xbf")  # for Canvas, not a spreadsheet


def test_without_canvas_column_the_column_is_the_title_which_canvas_matches_by_title(graded):
    found = canvas_import(exported(graded, "canvas"))
    assert [m for m in found["assignments"]] == [None]  # no "(id)": Canvas looks the title up
    assert list(found["points_possible"]) == ["Small"]


def test_the_spreadsheet_csv_keeps_non_ascii_names_and_rounds_scores_to_two_decimals(graded):
    course = _with_roster(graded, "student_id,name\ns01,Zoë Ødegård\ns02,李雷\ns03,Ana-María Núñez\ns04,Søren\ns05,Ηλέκτρα\n")
    book = Gradebook(course.config.gradebook, course.root)
    try:
        s01 = next(s for s in book.submissions("a1") if s.student_id == "s01")
        assert book.set_manual(s01.id, "q3", "answer", 2 / 3, "")
    finally:
        book.close()
    data = export(course, "a1", "csv").path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # how Excel knows a CSV is UTF-8
    rows = {r["student_id"]: r for r in csv.DictReader(io.StringIO(data.decode("utf-8-sig")))}
    assert [rows[s]["name"] for s in ("s01", "s02", "s03", "s04", "s05")] == [
        "Zoë Ødegård", "李雷", "Ana-María Núñez", "Søren", "Ηλέκτρα"]
    assert (rows["s01"]["q3"], rows["s01"]["total"]) == ("0.67", "4.67")
    s01 = next(s for s in json.loads(exported(course, "json"))["students"] if s["student_id"] == "s01")
    assert s01["score"] == 4.6667  # JSON, for programs, keeps four
    canvas = {r[0]: r[5] for r in csv.reader(io.StringIO(exported(course, "canvas")))}
    assert canvas["Zoë Ødegård"] == "4.67"


def test_the_json_has_students_problems_and_parts(graded):
    doc = json.loads(exported(graded, "json"))
    assert doc["assignment"] == "a1" and doc["max"] == 6 and doc["due"] == "2030-01-31T23:59:00+00:00"
    assert [p["id"] for p in doc["problems"]] == ["q1", "q2", "q3"]
    assert [p["kind"] for p in doc["problems"]] == ["computed", "computed", "free_text"]
    students = {s["student_id"]: s for s in doc["students"]}
    assert list(students) == ["s01", "s02", "s03", "s04", "s05", "zz99"]
    s02 = students["s02"]
    assert s02["score"] == 3 and s02["max"] == 6 and s02["status"] == "pending"  # q3 waits for a hand grade
    assert (s02["submitted_at"], s02["late_days"], s02["penalty"], s02["due"]) == (
        "2030-01-01T10:00:00Z", 0, 0, "2030-01-31T23:59:00+00:00")
    q1 = s02["problems"][0]
    assert q1["id"] == "q1" and q1["score"] == 1 and [p["part"] for p in q1["parts"]] == ["out_channels", "out_size"]
    wrong = q1["parts"][1]
    assert wrong["verdict"] == "wrong" and wrong["mistake"] == "forgot_plus_one" and wrong["expected"] != wrong["given"]
    assert s02["problems"][2]["parts"][0]["verdict"] == "pending"
    assert students["s05"] == {**students["s05"], "status": "missing", "score": None, "problems": []}
    assert students["zz99"]["status"] == "not_on_roster" and "not on the roster" in students["zz99"]["reason"]


@pytest.mark.parametrize("fmt", ["csv", "canvas", "json"])
def test_the_same_gradebook_gives_the_same_bytes(graded, tmp_path, fmt):
    first = exported(graded, fmt)
    assert exported(graded, fmt) == first
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(graded.root, elsewhere)
    assert exported(load_course(elsewhere), fmt) == first


def test_points_are_written_one_way():
    assert [points(v) for v in (2.0, 0.5, 2 / 3, -0.0, 1e-9, 12.50, None)] == ["2", "0.5", "0.6667", "0", "0", "12.5", ""]
    assert [points(v, 2) for v in (2 / 3, 12.345, -0.001, 4.0)] == ["0.67", "12.35", "0", "4"]


def test_the_cli_exports_to_a_chosen_file_and_refuses_an_unknown_format(graded, tmp_path):
    target = tmp_path / "out" / "grades.json"
    result = runner.invoke(app, ["export", "a1", "--format", "json", "--out", str(target), "--course", str(graded.root)])
    assert result.exit_code == 0, result.output
    assert "6 student(s), 1 without a submission" in result.output
    assert json.loads(target.read_text())["assignment"] == "a1"
    bad = runner.invoke(app, ["export", "a1", "--format", "xlsx", "--course", str(graded.root)])
    assert bad.exit_code == 2
    unknown = runner.invoke(app, ["export", "nope", "--course", str(graded.root)])
    assert unknown.exit_code == 2 and "unknown assignment 'nope'" in unknown.output
