"""Exports: the per-problem CSV, Canvas's gradebook import and the per-part JSON; every roster
student listed, the same gradebook giving the same bytes."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest
from typer.testing import CliRunner

from grader.cli import app
from grader.config import load_course
from grader.report.export import export
from grader.report.records import points

runner = CliRunner()


def exported(course, fmt) -> str:
    return export(course, "a1", fmt).path.read_text(encoding="utf-8")


def test_the_csv_has_a_column_per_problem_and_lists_everyone(graded):
    result = export(graded, "a1", "csv")
    assert result.path == graded.folder("exports") / "a1.csv"
    assert result.students == 6 and result.missing == 1
    assert result.path.read_text() == (
        "student_id,name,q1,q2,q3,total,max,status\n"
        "s01,Student 1,2,2,0,4,6,graded\n"
        "s02,Student 2,1,2,0,3,6,graded\n"
        "s03,Student 3,0,0,0,0,6,graded\n"
        "s04,Student 4,2,0,0,2,6,graded\n"
        "s05,Student 5,,,,,,missing\n"
        "zz99,,,,,,,not_on_roster\n"
    )


def test_the_canvas_csv_has_identity_columns_a_points_row_and_roster_students_only(graded):
    rows = list(csv.reader(io.StringIO(exported(graded, "canvas"))))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Small (a1)"]
    assert rows[1] == ["    Points Possible", "", "", "", "", "6"]
    assert rows[2] == ["Student 1", "", "s01", "s01@example.edu", "", "4"]
    by_sis = {r[2]: r for r in rows[2:]}
    assert sorted(by_sis) == ["s01", "s02", "s03", "s04", "s05"]  # zz99 cannot be matched in Canvas
    assert by_sis["s05"][5] == ""  # a blank score leaves Canvas's grade as it is
    assert export(graded, "a1", "canvas").path.name == "a1.canvas.csv"


def test_the_json_has_students_problems_and_parts(graded):
    doc = json.loads(exported(graded, "json"))
    assert doc["assignment"] == "a1" and doc["max"] == 6 and doc["due"] == "2030-01-31T23:59:00+00:00"
    assert [p["id"] for p in doc["problems"]] == ["q1", "q2", "q3"]
    assert [p["kind"] for p in doc["problems"]] == ["computed", "computed", "free_text"]
    students = {s["student_id"]: s for s in doc["students"]}
    assert list(students) == ["s01", "s02", "s03", "s04", "s05", "zz99"]
    s02 = students["s02"]
    assert s02["score"] == 3 and s02["max"] == 6 and s02["status"] == "graded"
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
