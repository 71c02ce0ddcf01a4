"""An instructor in Chromium: sign-in link → dashboard → hand grading → grade a group of equal answers at once
→ the audit log; every page passes axe-core with no serious or critical violation."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from grader.changes import history
from grader.outcomes import ChangeKind
from grader.service_tables import PrincipalKind, staff
from tests.browser.conftest import blocking, screenshot
from tests.web.conftest import served  # noqa: F401 - fixture
from tests.web.test_marking import marked  # noqa: F401 - fixture

PROF = "prof@example.edu"


@pytest.fixture
def live(served) -> Iterator[str]:  # noqa: F811
    """The served app on a free port of 127.0.0.1 (uvicorn in a thread); its base URL."""
    uvicorn = pytest.importorskip("uvicorn")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(served.app, host="127.0.0.1", port=port, access_log=False, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def checked(page, axe, name: str) -> None:
    shot = screenshot(page, name)
    assert not blocking(axe(page)), (shot, blocking(axe(page)))


def test_an_instructor_grades_a_group_of_equal_answers_at_once(served, marked, live, page, axe):  # noqa: F811
    with served.service.book.engine.begin() as conn:
        conn.execute(sa.delete(staff).where(staff.c.email == PROF))
        conn.execute(staff.insert().values(email=PROF, role="instructor"))
    page.goto(f"{live}/signin/{served.link(PrincipalKind.STAFF, PROF)}")
    assert page.url == f"{live}/staff"
    page.get_by_role("link", name="a1").click()
    checked(page, axe, "staff-dashboard")
    page.get_by_role("link", name="Hand grading").click()
    checked(page, axe, "hand-grading-questions")
    page.get_by_role("link", name="q3: Why?").click()
    checked(page, axe, "hand-grading-q3")
    group = page.get_by_role("region", name="Group 1: 2 answers, to grade")
    group.get_by_label("Score (0 to 2)").fill("1.5")
    group.get_by_label("Comment for the students").fill("Equivariance, yes; say why it saves parameters.")
    group.get_by_role("button", name="Grade these 2 answers").click()
    assert page.get_by_role("status").inner_text() == "Graded 2 answers."
    assert page.get_by_role("region", name="Group 2: 2 answers, graded").is_visible()
    checked(page, axe, "hand-grading-q3-graded")
    assert sorted((c.student_id, c.kind, c.by, c.new) for c in history(served.service.book.engine)) == [
        ("s001", ChangeKind.HAND, PROF, 1.5), ("s002", ChangeKind.HAND, PROF, 1.5)]
    page.goto(f"{live}/staff/a1")
    page.get_by_role("link", name="Grade changes").click()
    assert page.locator("tbody tr").count() == 2
    checked(page, axe, "grade-changes")
    page.goto(f"{live}/staff/a1/submissions/{marked['s002']}")
    checked(page, axe, "graded-submission")
    page.goto(f"{live}/staff/requests")
    checked(page, axe, "regrade-queue")
