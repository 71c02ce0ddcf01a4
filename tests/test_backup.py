"""autograde backup: a copy taken while the gradebook is being written restores to a gradebook that
opens and has the rows; on SQLite (online backup API) and on PostgreSQL (pg_dump, pg_restore)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import threading
import uuid

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from grader.backup import libpq_url
from grader.cli import app as cli
from grader.gradebook import Gradebook, PartRecord
from grader.outcomes import SubmissionStatus, Verdict

runner = CliRunner()


def _write(course, student: str, n: int) -> None:
    book = Gradebook(course.config.gradebook, course.root)
    try:
        book.record(assignment="a1", student_id=student, path=f"submitted/{student}/a1/{n:05d}/a1.ipynb", sha256="0" * 64,
                    submitted_at=f"2030-01-01T00-00-{n % 60:02d}Z", status=SubmissionStatus.GRADED,
                    rows=[PartRecord(problem_id="q1", part="p", given=n, expected=n, score=1.0, max_score=1.0,
                                     verdict=Verdict.CORRECT, feedback="")])
    finally:
        book.close()


def _count(book: Gradebook) -> tuple[int, int]:
    with book.engine.connect() as conn:
        return (conn.execute(sa.text("SELECT count(*) FROM submissions")).scalar_one(),
                conn.execute(sa.text("SELECT count(*) FROM results")).scalar_one())


@pytest.mark.usefixtures("database")
def test_a_backup_taken_while_grades_are_written_restores_to_a_gradebook_with_the_rows(make_course, tmp_path):
    course = make_course()
    for n in range(20):
        _write(course, "s001", n)
    stop, written = threading.Event(), []

    def writer():  # the service, meanwhile, keeps recording grades
        n = 100
        while not stop.is_set():
            _write(course, "s002", n)
            written.append(n)
            n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 3:
            stop.wait(0.05)
        out = tmp_path / "backups" / "gradebook.bak"
        done = runner.invoke(cli, ["backup", str(out), "--course", str(course.root)])
        during = len(written)
    finally:
        stop.set()
        thread.join()
    assert done.exit_code == 0, done.output
    assert oct(out.stat().st_mode & 0o777) == "0o600" and not list(out.parent.glob(".*partial"))
    restored = _restore(course, out, tmp_path)
    try:
        submissions, results = _count(restored)
        assert 20 + 3 <= submissions <= 20 + len(written) and results == submissions  # a consistent snapshot
        assert {s.student_id for s in restored.submissions("a1")} == {"s001", "s002"}
        assert during >= 3
    finally:
        restored.close()


def _restore(course, out, tmp_path) -> Gradebook:
    """Restore as docs/deploy.md says, into a fresh place, and open it as a gradebook."""
    source = Gradebook(course.config.gradebook, course.root)
    url = sa.engine.make_url(source.url)
    source.close()
    if url.get_backend_name() == "sqlite":
        assert sqlite3.connect(out).execute("PRAGMA integrity_check").fetchone() == ("ok",)
        target = tmp_path / "restored" / "gradebook.db"
        target.parent.mkdir()
        shutil.copyfile(out, target)  # the service stopped, the copy put in place of the gradebook file
        return Gradebook(str(target), target.parent)
    fresh = f"restored_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{fresh}"'))
    admin.dispose()
    address, env = libpq_url(url.set(database=fresh))
    subprocess.run(["pg_restore", "--no-owner", "--dbname", address, str(out)], check=True, env={**os.environ, **env})
    return Gradebook(url.set(database=fresh).render_as_string(hide_password=False), tmp_path)


def test_a_backup_of_no_gradebook_says_so_and_writes_nothing(make_course, tmp_path):
    course = make_course()
    done = runner.invoke(cli, ["backup", str(tmp_path / "b.db"), "--course", str(course.root)])
    assert done.exit_code == 2 and "there is no gradebook at" in done.output and not (tmp_path / "b.db").exists()
