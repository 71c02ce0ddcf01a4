"""A CLI `grade` and the server's grading worker draining one queue at once, on SQLite and PostgreSQL:
every upload is graded exactly once, by one of them, and every queue item ends graded."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import anyio
import nbformat
import pytest

from grader.config import Course
from grader.gradebook import Gradebook
from grader.service_tables import QueueStatus
from grader.web import create_app
from grader.web import queue as q
from grader.web.grading import BatchGrading
from tests.grading.conftest import insert_after
from tests.web.conftest import Served, upload

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("database")]

STUDENTS = tuple(f"s{i:02d}" for i in range(1, 7))
PROGRESS = re.compile(r"^\[\d+/\d+\] (s\d\d): ", re.MULTILINE)
"""A line of grade's progress: one per submission the CLI graded."""


@dataclass(frozen=True)
class LoggedGrading(BatchGrading):
    """The real grading, writing down (in the worker's process) each submission it graded."""

    log: Path = Path("graded.log")

    def results(self, course: Course, assignment: str, students: frozenset[str], *, regrade: bool = False):
        done = super().results(course, assignment, students, regrade=regrade)
        with self.log.open("a") as f:
            f.writelines(f"{r.student_id}\n" for r in done)
        return done


def _slow(served, student: str) -> bytes:
    """The student's right answers, typed, after a cell that sleeps: run in the sandbox (not literal), so runs overlap."""
    nb = nbformat.reads(served.typed(student).decode(), as_version=4)
    insert_after(nb, "q1", "import time\ntime.sleep(0.3)")
    return nbformat.writes(nb).encode()


async def test_a_cli_grade_and_the_servers_worker_at_once_grade_each_upload_once(released, tmp_path):
    course = released(students=STUDENTS)
    log = tmp_path / "worker.log"
    app = create_app(course, executor="fork", grade=LoggedGrading(log=log), worker=True)
    served = Served(course, None, app)
    engine = app.state.service.book.engine
    ids = []
    async with app.router.lifespan_context(app):
        for n, student in enumerate(STUDENTS):
            if n == len(STUDENTS) // 2:  # half queued (the worker may have started on them): the CLI starts too
                cli = subprocess.Popen([sys.executable, "-m", "grader", "grade", "a1", "--executor", "fork", "--workers", "1",
                                        "--course", str(course.root)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            async with served.client(student) as client:
                response = await upload(client, _slow(served, student))
                assert response.status_code == 202, response.text
                ids.append(response.json()["id"])
        deadline = time.monotonic() + 240
        while not all(q.get(engine, n).status.done for n in ids) and time.monotonic() < deadline:
            await anyio.sleep(0.1)
        _, cli_err = cli.communicate(timeout=240)
        assert cli.returncode == 0, cli_err[-2000:]
    graded = Counter(PROGRESS.findall(cli_err)) + Counter(log.read_text().split() if log.exists() else [])
    assert graded == Counter(STUDENTS), graded  # each by exactly one of the two
    book = Gradebook(course.config.gradebook, course.root)  # the server's closed with it
    engine = book.engine
    try:
        assert {q.get(engine, n).status for n in ids} == {QueueStatus.GRADED}
        rows = book.submissions("a1", latest_only=False)
        assert sorted(r.student_id for r in rows) == list(STUDENTS)  # one row each: none lost, none doubled
        assert {(r.status, r.score) for r in rows} == {("graded", 4.0)}
        assert sorted(q.get(engine, n).gradebook_id for n in ids) == sorted(r.id for r in rows)
    finally:
        book.close()
