"""An upload graded for real: the server's worker runs the same `autograde grade` as the CLI (kernels: slow)."""

from __future__ import annotations

import pytest

from grader.generate import release_path
from grader.gradebook import Gradebook
from grader.web import create_app
from tests.web.conftest import Served, upload

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def test_a_worked_solution_uploaded_is_graded_once_by_the_batch_and_shown_within_the_policy(released):
    course = released(config_extra='[feedback]\non_submit = "score"\n')
    app = create_app(course, executor="fork")  # the real grading adapter
    served = Served(course, None, app)
    worked = release_path(course, "a1", "s001", worked=True).read_bytes()
    async with app.router.lifespan_context(app), served.client("s001") as client:
        accepted = await upload(client, worked)
        assert accepted.status_code == 202, accepted.text
        assert {p["status"] for p in accepted.json()["validation"]["problems"]} == {"answered", "missing"}  # q3 is a written answer
        sid = accepted.json()["id"]
        for _ in range(600):  # the worker thread grades it (a kernel per notebook: seconds)
            shown = (await client.get(f"/api/submissions/{sid}")).json()
            if shown["status"] not in ("queued", "running"):
                break
            await _sleep(0.2)
    assert shown["status"] == "graded", shown
    assert shown["score"] == 4.0 and shown["max_score"] == 6.0  # q1 and q2 (2 points each) right; q3, written, blank
    assert "parts" not in shown
    book = Gradebook(course.config.gradebook, course.root)
    rows = book.submissions("a1", latest_only=False)
    assert [(r.student_id, r.status) for r in rows] == [("s001", "graded")]  # graded once, by the batch's own code
    book.close()


async def _sleep(seconds: float) -> None:
    import anyio

    await anyio.sleep(seconds)
