"""The grading queue, on SQLite and PostgreSQL: claimed once, survives a restart, grades nothing twice, statuses as the gradebook says."""

from __future__ import annotations

import threading

import pytest

from grader.service_tables import QueueStatus
from grader.web import create_app
from grader.web import queue as q
from grader.web.worker import Worker
from tests.web.conftest import upload

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("database")]  # on SQLite and on PostgreSQL


async def _upload_all(served, students=("s001", "s002", "s003")) -> list[int]:
    ids = []
    for student in students:
        async with served.client(student) as client:
            response = await upload(client, served.notebook(student))
            assert response.status_code == 202, response.text
            ids.append(response.json()["id"])
    return ids


async def test_queued_uploads_are_graded_once_in_one_batch_and_their_status_follows(served):
    ids = await _upload_all(served)
    async with served.client("s001") as client:
        assert (await client.get(f"/api/submissions/{ids[0]}")).json()["status"] == "queued"
        assert served.service.worker.drain() == 3
        assert served.service.worker.drain() == 0
        assert (await client.get(f"/api/submissions/{ids[0]}")).json()["status"] == "graded"
        page = await client.get(f"/me/submissions/{ids[0]}")
        assert "graded" in page.text and 'http-equiv="refresh"' not in page.text
    assert sorted(served.grading.graded.values()) == [1, 1, 1] and served.grading.batches == 1


async def test_a_restart_mid_queue_loses_nothing_and_grades_nothing_twice(served):
    engine = served.service.book.engine
    ids = await _upload_all(served, ("s001", "s002"))
    # the first server claimed both, its batch recorded them in the gradebook, and it died before marking them done
    assert sorted(i.id for i in q.claim(engine)) == ids
    served.grading(served.course, "a1")
    assert {q.get(engine, n).status for n in ids} == {QueueStatus.RUNNING}
    ids += await _upload_all(served, ("s003",))  # queued while it was down
    served.grading.graded.clear()
    fresh = create_app(served.course, grade=served.grading, worker=False)  # a new server on the same database
    async with fresh.router.lifespan_context(fresh):
        assert fresh.state.service.worker.drain() == 3
    assert {q.get(engine, n).status for n in ids} == {QueueStatus.GRADED}
    assert dict(served.grading.graded) == {q.get(engine, ids[2]).path: 1}  # s003's alone, once


async def test_an_upload_claimed_by_a_dead_server_before_grading_is_graded_once_after_restart(served):
    ids = await _upload_all(served, ("s001",))
    assert [i.id for i in q.claim(served.service.book.engine)] == ids
    fresh = create_app(served.course, grade=served.grading, worker=False)
    async with fresh.router.lifespan_context(fresh):
        fresh.state.service.worker.drain()
    item = q.get(served.service.book.engine, ids[0])
    assert item.status is QueueStatus.GRADED and item.attempts == 2
    assert list(served.grading.graded.values()) == [1]


async def test_concurrent_workers_never_claim_the_same_upload(served):
    engine = served.service.book.engine
    for n in range(40):
        q.enqueue(engine, assignment=f"a{n % 7}", student_id="s001", path=f"submitted/x/{n}", submitted_at=q.utcnow(),
                  validation={}, late=False)
    taken: list[int] = []
    lock = threading.Lock()

    def work():
        while items := q.claim(engine):
            assert len({i.assignment for i in items}) == 1
            with lock:
                taken.extend(i.id for i in items)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(taken) == 40 and len(set(taken)) == 40


async def test_an_upload_the_grading_never_recorded_is_marked_failed_with_the_reason(served):
    ids = await _upload_all(served, ("s001",))
    worker = Worker(served.course, served.service.book, lambda course, assignment, students: "the sandbox could not start")
    assert worker.drain() == 1
    item = q.get(served.service.book.engine, ids[0])
    assert item.status is QueueStatus.FAILED and item.reason == "the sandbox could not start"


async def test_the_worker_thread_grades_an_upload_without_being_asked(served):
    fresh = create_app(served.course, executor="fork", grade=served.grading, worker=True)
    async with fresh.router.lifespan_context(fresh):
        ids = await _upload_all(_served_by(served, fresh), ("s002",))
        for _ in range(200):
            if q.get(served.service.book.engine, ids[0]).status.done:
                break
            threading.Event().wait(0.05)
    assert q.get(served.service.book.engine, ids[0]).status is QueueStatus.GRADED


def _served_by(served, app):
    from tests.web.conftest import Served

    return Served(served.course, served.grading, app)
