"""The grading queue: claimed once, survives a restart, grades nothing twice, statuses as the gradebook says."""

from __future__ import annotations

import threading

import pytest

from grader.web import create_app
from grader.web import queue as q
from grader.web.tables import QueueStatus
from grader.web.worker import Worker
from tests.web.conftest import upload

pytestmark = pytest.mark.anyio


async def _upload_all(served, students=("s001", "s002", "s003")) -> list[int]:
    ids = []
    for student in students:
        async with served.client(student) as client:
            response = await upload(client, served.notebook(student))
            assert response.status_code == 202, response.text
            ids.append(response.json()["id"])
    return ids


async def test_queued_uploads_are_graded_once_and_their_status_follows(served):
    ids = await _upload_all(served)
    async with served.client("s001") as client:
        assert (await client.get(f"/api/submissions/{ids[0]}")).json()["status"] == "queued"
        assert served.service.worker.drain() == 3
        assert served.service.worker.drain() == 0
        assert (await client.get(f"/api/submissions/{ids[0]}")).json()["status"] == "graded"
        page = await client.get(f"/me/submissions/{ids[0]}")
        assert "graded" in page.text and 'http-equiv="refresh"' not in page.text
    assert sorted(served.grading.graded.values()) == [1, 1, 1]


async def test_a_restart_mid_queue_loses_nothing_and_grades_nothing_twice(served):
    ids = await _upload_all(served)
    engine = served.service.book.engine
    # the first server: graded the first upload into the gradebook, then died before marking it done;
    # it had also claimed the second and died before grading it
    first = q.claim(engine)
    served.grading(served.course, "a1")  # the batch grades every latest ungraded file, so all three are recorded ...
    served.grading.graded.clear()
    second = q.claim(engine)
    assert {first.id, second.id} == set(ids[:2])
    assert {i.status for i in (q.get(engine, n) for n in ids)} == {QueueStatus.RUNNING, QueueStatus.QUEUED}
    # ... and a new server starts on the same database
    fresh = create_app(served.course, executor="fork", grade=served.grading, worker=False)
    async with fresh.router.lifespan_context(fresh):
        assert fresh.state.service.worker.drain() == 3
    assert {q.get(engine, n).status for n in ids} == {QueueStatus.GRADED}
    assert not served.grading.graded  # every file was already in the gradebook: none graded again


async def test_an_upload_claimed_by_a_dead_server_before_grading_is_graded_once_after_restart(served):
    ids = await _upload_all(served, ("s001",))
    assert q.claim(served.service.book.engine).id == ids[0]
    fresh = create_app(served.course, executor="fork", grade=served.grading, worker=False)
    async with fresh.router.lifespan_context(fresh):
        fresh.state.service.worker.drain()
    item = q.get(served.service.book.engine, ids[0])
    assert item.status is QueueStatus.GRADED and item.attempts == 2
    assert list(served.grading.graded.values()) == [1]


async def test_concurrent_workers_never_claim_the_same_upload(served):
    engine = served.service.book.engine
    for n in range(40):
        q.enqueue(engine, assignment="a1", student_id="s001", path=f"submitted/x/{n}", submitted_at=q.utcnow(),
                  validation={}, late=False)
    taken: list[int] = []
    lock = threading.Lock()

    def work():
        while (item := q.claim(engine)) is not None:
            with lock:
                taken.append(item.id)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(taken) == 40 and len(set(taken)) == 40


async def test_an_upload_the_grading_never_recorded_is_marked_failed_with_the_reason(served):
    ids = await _upload_all(served, ("s001",))
    worker = Worker(served.course, served.service.book, lambda course, assignment: "the sandbox could not start")
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
