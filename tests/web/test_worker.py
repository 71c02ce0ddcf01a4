"""The server's grading worker: `autograde grade`'s batch run in a warm process of its own, restarted if it dies."""

from __future__ import annotations

import os
import signal
import time

import anyio
import pytest

from grader.gradebook import Gradebook
from grader.grading.runner import grade
from grader.service_tables import QueueStatus
from grader.web import create_app
from grader.web import queue as q
from grader.web.grading import BatchGrading
from grader.web.worker import MAX_ATTEMPTS, Worker
from tests.web.conftest import Served, upload

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("database")]  # on SQLite and on PostgreSQL


async def test_typed_uploads_are_graded_in_this_process_by_the_batchs_own_code(released):
    """The real grading, in-process (``workers=0``): literal notebooks need no kernel, so no `slow` mark."""
    course = released(config_extra='[feedback]\non_submit = "score"\n')
    app = create_app(course, executor="fork", worker=False)
    served = Served(course, None, app)
    async with app.router.lifespan_context(app):
        ids = []
        for student, notebook in (("s001", served.typed("s001")), ("s002", served.notebook("s002"))):
            async with served.client(student) as client:
                accepted = await upload(client, notebook)
                assert accepted.status_code == 202, accepted.text
                ids.append(accepted.json()["id"])
        handed_in = course.folder("submitted") / "s003" / "a1" / "2026-01-01T10-00-00Z" / "a1.ipynb"
        handed_in.parent.mkdir(parents=True)  # by `autograde submit`, not through the service: not queued
        handed_in.write_bytes(served.typed("s003"))
        worker = app.state.service.worker
        assert isinstance(worker.grade, BatchGrading)
        assert worker.drain() == 2 and worker.drain() == 0
        async with served.client("s001") as client:
            shown = (await client.get(f"/api/submissions/{ids[0]}")).json()
    assert shown["status"] == "graded" and shown["score"] == 4.0 and shown["max_score"] == 6.0  # q3 is written: blank
    book = Gradebook(course.config.gradebook, course.root)
    try:
        rows = {r.student_id: r for r in book.submissions("a1", latest_only=False)}
        assert {sid: (r.status, r.score, r.executor) for sid, r in rows.items()} == {
            "s001": ("graded", 4.0, "literal"), "s002": ("graded", 0.0, "literal")}  # s003's is not the server's to plan
        assert [q.get(book.engine, n).gradebook_id for n in ids] == [rows["s001"].id, rows["s002"].id]
    finally:
        book.close()
    assert [r.student_id for r in grade(course, "a1", workers=0)] == ["s003"]  # the CLI's batch: the rest of the class


async def test_an_assignment_that_cannot_be_graded_fails_its_uploads_saying_why(served):
    ids = [(await _upload(served, "s001"))]
    (served.course.root / "assignments" / "a1" / "assignment.toml").write_text("title = \n")  # broken since the upload
    worker = Worker(served.course, served.service.book, BatchGrading())
    assert worker.drain() == 1
    item = q.get(served.service.book.engine, ids[0])
    assert item.status is QueueStatus.FAILED and "assignment.toml" in item.reason


async def test_an_upload_a_worker_died_on_too_often_is_failed_not_graded(served):
    engine = served.service.book.engine
    sid = await _upload(served, "s001")
    for _ in range(MAX_ATTEMPTS):  # each claim was a worker that died grading it; each restart put it back
        assert [i.id for i in q.claim(engine)] == [sid]
        q.requeue_running(engine)
    assert served.service.worker.drain() == 1
    item = q.get(engine, sid)
    assert item.status is QueueStatus.FAILED and f"{MAX_ATTEMPTS} times" in item.reason
    assert served.grading.batches == 0


async def test_the_worker_process_is_started_again_when_it_dies_and_grades_what_it_held_once(served):
    app = create_app(served.course, executor="fork", grade=served.grading, worker=True)
    engine = served.service.book.engine
    async with app.router.lifespan_context(app):
        worker = app.state.service.worker
        first = await _until(lambda: worker._process is not None and worker._process.pid and worker._process)
        os.kill(first.pid, signal.SIGSTOP)  # frozen, so that the test claims the upload as this worker would have
        held = await _upload(served, "s001")
        assert [i.id for i in q.claim(engine)] == [held]
        os.kill(first.pid, signal.SIGKILL)  # it dies mid-batch, the upload claimed
        second = await _until(lambda: worker._process is not first and worker._process.is_alive() and worker._process)
        later = await _upload(Served(served.course, served.grading, app), "s002")
        await _until(lambda: q.get(engine, held).status.done and q.get(engine, later).status.done)
        assert second.is_alive()
    assert not second.is_alive()  # the server's stop ends it
    item = q.get(engine, held)
    assert (item.status, item.attempts) == (QueueStatus.GRADED, 2) and q.get(engine, later).status is QueueStatus.GRADED
    rows = served.service.book.submissions("a1", latest_only=False)
    assert sorted(r.student_id for r in rows) == ["s001", "s002"]  # each graded once


async def _upload(served, student: str) -> int:
    async with served.client(student) as client:
        response = await upload(client, served.notebook(student))
        assert response.status_code == 202, response.text
        return response.json()["id"]


async def _until(condition, seconds: float = 60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        await anyio.sleep(0.05)
    raise AssertionError("timed out waiting")


@pytest.mark.timeout(90)  # without the worker's handler the server's stop waits on a restarted worker: fail, not hang
async def test_a_sigterm_to_the_whole_group_leaves_the_worker_to_the_servers_stop(served, caplog):
    """systemd's stop signals every process of the service: the worker is not taken for crashed and restarted."""
    app = create_app(served.course, executor="fork", grade=served.grading, worker=True)
    async with app.router.lifespan_context(app):
        worker = app.state.service.worker
        first = await _until(lambda: worker._process is not None and worker._process.pid and worker._process)
        ready = await _upload(served, "s002")  # graded: the worker is in its loop, its handler installed before it
        await _until(lambda: q.get(served.service.book.engine, ready).status.done)
        os.kill(first.pid, signal.SIGTERM)
        await anyio.sleep(0.5)
        assert first.is_alive() and worker._process is first  # still the same worker, not a restarted one
        held = await _upload(served, "s001")
        await _until(lambda: q.get(served.service.book.engine, held).status.done)  # and it still grades
    assert not first.is_alive() and first.exitcode == 0  # the server's stop ended it
    assert "stopped unexpectedly" not in caplog.text
