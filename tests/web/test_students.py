"""autograde student export / delete: every row and file of one student, and nobody else's."""

from __future__ import annotations

import datetime as dt
import json
import zipfile

import httpx
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from grader.cli import app as cli
from grader.report.feedback import write_feedback
from grader.service_tables import PrincipalKind
from tests.web.conftest import upload

pytestmark = pytest.mark.anyio

runner = CliRunner()


async def _course_with_two_students_data(served):
    """s001 and s002 each upload twice; graded; feedback pages written."""
    for sid in ("s001", "s002"):
        async with served.client(sid) as client:
            for _ in range(2):
                assert (await upload(client, served.notebook(sid))).status_code == 202
    served.service.worker.drain()
    pages = write_feedback(served.course, "a1", now=dt.datetime(2030, 3, 1, tzinfo=dt.UTC)).pages
    assert {p.stem for p in pages} == {"s001", "s002"}


def _counts(served, sid: str) -> dict[str, int]:
    with served.service.book.engine.connect() as conn:
        subs = [r.id for r in conn.execute(sa.text("SELECT id FROM submissions WHERE student_id = :s"), {"s": sid})]
        return {
            "students": conn.execute(sa.text("SELECT count(*) FROM students WHERE student_id = :s"), {"s": sid}).scalar_one(),
            "submissions": len(subs),
            "results": conn.execute(sa.text(f"SELECT count(*) FROM results WHERE submission_id IN ({','.join(map(str, subs)) or 0})")).scalar_one(),
            "web_queue": conn.execute(sa.text("SELECT count(*) FROM web_queue WHERE student_id = :s"), {"s": sid}).scalar_one(),
        }


def _files(course, sid: str) -> list[str]:
    return sorted(p.relative_to(course.root).as_posix() for p in course.root.rglob("*")
                  if p.is_file() and (f"/{sid}/" in f"/{p.relative_to(course.root).as_posix()}" or p.name == f"{sid}.html"))


async def test_export_holds_every_row_and_file_of_the_student_and_nothing_of_another(served, tmp_path):
    await _course_with_two_students_data(served)
    out = tmp_path / "s001.zip"
    done = runner.invoke(cli, ["student", "export", "s001", "--out", str(out), "--course", str(served.course.root)])
    assert done.exit_code == 0, done.output
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
        rows = json.loads(archive.read("rows.json"))["tables"]
        assert archive.read("files/feedback/a1/s001.html").startswith(b"<!DOCTYPE html>")
    assert {t: len(r) for t, r in rows.items() if t in ("students", "submissions", "results", "web_queue")} == _counts(served, "s001")
    assert _counts(served, "s001") == {"students": 1, "submissions": 1, "results": 1, "web_queue": 2}
    assert names == {"rows.json", *(f"files/{f}" for f in _files(served.course, "s001"))}
    kinds = {n.split("/")[1] for n in names if n.startswith("files/")}
    assert kinds == {"submitted", "release", "solutions-release", "feedback"}
    assert "s002" not in json.dumps(rows) and not any("s002" in n for n in names)
    again = tmp_path / "again.zip"
    runner.invoke(cli, ["student", "export", "s001", "--out", str(again), "--course", str(served.course.root)])
    assert again.read_bytes() == out.read_bytes()  # same data, same bytes
    assert oct(out.stat().st_mode & 0o777) == "0o600"


async def test_delete_removes_every_row_and_file_of_one_student_and_revokes_their_links(served):
    await _course_with_two_students_data(served)
    old_link = served.link(PrincipalKind.STUDENT, "s001")
    theirs, others = _counts(served, "s002"), _files(served.course, "s002")
    root = str(served.course.root)
    dry = runner.invoke(cli, ["student", "delete", "s001", "--course", root])
    assert dry.exit_code == 2 and "would delete" in dry.output and _counts(served, "s001")["web_queue"] == 2
    done = runner.invoke(cli, ["student", "delete", "s001", "--yes", "--course", root])
    assert done.exit_code == 0, done.output
    assert "still on the roster" in done.output
    assert _counts(served, "s001") == {"students": 0, "submissions": 0, "results": 0, "web_queue": 0}
    assert _files(served.course, "s001") == [] and not (served.course.folder("submitted") / "s001").exists()
    assert _counts(served, "s002") == theirs and _files(served.course, "s002") == others
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=served.app), base_url="http://testserver") as client:
        assert (await client.get(f"/signin/{old_link}")).status_code == 401  # even though still on the roster
    export = runner.invoke(cli, ["student", "export", "s001", "--course", root])
    assert export.exit_code == 0 and "0 file(s)" in export.output


def test_a_bad_student_id_is_refused_in_one_line(make_course):
    course = make_course()
    done = runner.invoke(cli, ["student", "export", "../s001", "--course", str(course.root)])
    assert done.exit_code == 2 and "is not a student id" in done.output


async def test_a_table_added_later_with_a_student_id_column_is_exported_and_deleted_too(served, tmp_path):
    """Hand grades, regrade requests, an audit log: tables other work adds are found by their student_id column."""
    await _course_with_two_students_data(served)
    with served.service.book.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE later_notes (id INTEGER PRIMARY KEY, student_id TEXT, message TEXT)"))
        conn.execute(sa.text("INSERT INTO later_notes (student_id, message) VALUES ('s001', 'q1 please'), ('s002', 'q2')"))
    root = str(served.course.root)
    out = tmp_path / "s001.zip"
    assert runner.invoke(cli, ["student", "export", "s001", "--out", str(out), "--course", root]).exit_code == 0
    with zipfile.ZipFile(out) as archive:
        assert json.loads(archive.read("rows.json"))["tables"]["later_notes"] == [
            {"id": 1, "student_id": "s001", "message": "q1 please"}]
    assert runner.invoke(cli, ["student", "delete", "s001", "--yes", "--course", root]).exit_code == 0
    with served.service.book.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT student_id FROM later_notes")).scalars().all() == ["s002"]
