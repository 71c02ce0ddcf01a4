"""An instructor's regrade from the dashboard: queued as regrades (not uploads), graded again by the
batch's own code with ``regrade``, a moved score in the audit log; only an instructor may ask."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

from grader import changes
from grader.gradebook import results, submissions
from grader.outcomes import ChangeKind
from grader.web import create_app
from grader.web import queue as q
from tests.web.conftest import Served, upload

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("database")]  # on SQLite and on PostgreSQL

PROF, TA = "prof@example.edu", "ta@example.edu"


@pytest.fixture
async def graded(released) -> AsyncIterator[Served]:
    """s001's typed notebook graded for real, in this process (literals: no kernel)."""
    course = released()
    app = create_app(course, executor="fork", worker=False)
    served = Served(course, None, app)
    async with app.router.lifespan_context(app):  # which closes the gradebook at the end
        async with served.client("s001") as client:
            assert (await upload(client, served.typed("s001"))).status_code == 202
        assert served.service.worker.drain() == 1
        yield served


async def test_regrading_one_student_grades_their_file_again_and_logs_the_moved_score(graded):
    served = graded
    book = served.service.book
    row = book.submissions("a1")[0]
    assert row.score == 4.0
    with book.engine.begin() as conn:  # as a grading bug fixed since would have left it
        conn.execute(results.update().where(results.c.submission_id == row.id).values(score=0.0))
        conn.execute(submissions.update().where(submissions.c.id == row.id).values(score=0.0))
    assert book.submissions("a1")[0].score == 0.0
    async with served.client(PROF, staff_role="instructor") as client:
        asked = await client.post("/staff/a1/regrade", data={"csrf": client.csrf, "student": "s001"})
        assert asked.status_code == 303 and asked.headers["location"] == "/staff/a1"
        assert "<td class=\"ag-status\">queued</td>" in (await client.get("/staff/a1")).text
    assert served.service.worker.drain() == 1
    again = book.submissions("a1")[0]
    assert again.id == row.id and again.score == 4.0  # the same row, graded again
    logged = [c for c in changes.history(book.engine, "a1", "s001") if c.kind is ChangeKind.REGRADE]
    assert logged and all(c.old == 0.0 and c.new > 0 for c in logged)
    # a regrade is not an upload: not in the student's history, not counted against their upload limit
    assert [i.regrade for i in q.history(book.engine, "s001", "a1")] == [False]
    assert q.recent_uploads(book.engine, "s001", dt.datetime(2000, 1, 1, tzinfo=dt.UTC)) == 1


async def test_regrading_everyone_queues_each_graded_students_latest_file(graded):
    served = graded
    async with served.client(PROF, staff_role="instructor") as client:
        page = (await client.get("/staff/a1")).text
        assert "Regrade every graded submission" in page and 'aria-label="Regrade s001"' in page
        assert (await client.post("/staff/a1/regrade", data={"csrf": client.csrf})).status_code == 303
    queued = [i for i in q.latest_by_student(served.service.book.engine, "a1").values() if i.regrade]
    assert [(i.student_id, i.status.value) for i in queued] == [("s001", "queued")]  # s002 and s003 have nothing graded
    assert served.service.worker.drain() == 1
    assert q.get(served.service.book.engine, queued[0].id).status.value == "graded"


@pytest.mark.parametrize(("who", "role", "fields", "status"), [
    (None, None, {"student": "s001"}, 401),
    ("s001", None, {"student": "s001"}, 403),
    (TA, "ta", {"student": "s001"}, 403),  # a TA hand-grades; regrading is an instructor's (docs/security.md)
    (PROF, "instructor", {"student": "s001", "csrf": ""}, 403),  # no CSRF token
    (PROF, "instructor", {"student": "s009"}, 404),  # not on the roster
    (PROF, "instructor", {"student": "s002"}, 409),  # nothing graded to regrade
])
async def test_only_an_instructor_regrades_and_a_bad_ask_changes_nothing(graded, who, role, fields, status):
    served = graded
    before = q.latest_by_student(served.service.book.engine, "a1")
    async with served.client(who, staff_role=role) as client:
        data = {"csrf": getattr(client, "csrf", ""), **fields}
        answer = await client.post("/staff/a1/regrade", data=data)
    assert answer.status_code == status, answer.text
    assert q.latest_by_student(served.service.book.engine, "a1") == before
    with served.service.book.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(q.queue).where(q.queue.c.regrade)).scalar() == 0
