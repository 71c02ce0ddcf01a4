"""The service walked in Chromium as its people use it, with axe-core on every page and a screenshot
of each in .ci/artifacts/: a student from their sign-in link to their feedback page, an instructor
from the dashboard to the report and an export. The server is uvicorn on a socket of this machine;
the upload is graded for real (``autograde grade``, the fork executor), by draining the queue."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from grader.generate import release_path
from grader.service_tables import PrincipalKind, Role
from grader.web import create_app
from grader.web.links import add_staff, link
from tests.browser.conftest import blocking, screenshot

ON_TIME = dt.datetime(2030, 1, 20, tzinfo=dt.UTC)   # SMALL_ASSIGNMENT is due 2030-01-31T23:59Z
AFTER = dt.datetime(2030, 3, 1, tzinfo=dt.UTC)


@pytest.fixture
def server(released) -> Iterator[tuple[str, object]]:
    """The service of a small course on 127.0.0.1 (a free port), its grading left to the test."""
    course = released()
    app = create_app(course, worker=False)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(200):
        if running.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}", app.state.service
    finally:
        running.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _checked(page, axe, name: str) -> None:
    """A screenshot of the page as it is, and no serious or critical axe violation on it."""
    shot = screenshot(page, f"walk-{name}")
    assert not blocking(axe(page)), (shot, blocking(axe(page)))


def test_a_student_signs_in_downloads_uploads_sees_the_result_then_the_feedback(server, page, axe):
    base, service = server
    service.desk.clock = lambda: ON_TIME
    page.goto(link(service.signer, base, PrincipalKind.STUDENT, "s001"))
    assert page.url == f"{base}/me"
    _checked(page, axe, "01-student-home")
    page.get_by_role("link", name="Small").click()
    assert page.url == f"{base}/me/a1"
    _checked(page, axe, "02-student-assignment")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download your notebook").click()
    mine = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert mine["metadata"]["autograde"]["assignment"] == "a1"

    worked = release_path(service.course, "a1", "s001", worked=True)
    page.get_by_label("Hand in your notebook (.ipynb)").set_input_files(str(worked))
    page.get_by_role("button", name="Upload").click()
    assert "/me/submissions/" in page.url and "queued" in page.inner_text("main")
    _checked(page, axe, "03-upload-received")
    assert service.worker.drain() == 1
    page.reload()
    text = page.inner_text("main")
    assert "graded" in text and "answered" in text and "987" not in text  # validity: arrived and complete, no score
    _checked(page, axe, "04-upload-graded")

    service.desk.clock = lambda: AFTER  # submissions have closed for s001
    page.goto(f"{base}/me/a1")
    assert "graded" in page.inner_text("main")
    _checked(page, axe, "05-assignment-after-cutoff")
    page.get_by_role("link", name="Your feedback page").click()
    assert page.url == f"{base}/me/a1/feedback"
    body = page.inner_text("body")
    assert "q1" in body and "Worked solution" in body
    _checked(page, axe, "06-feedback-page")
    page.get_by_role("link", name="Back to your assignment").click()
    assert page.url == f"{base}/me/a1"


def test_an_instructor_goes_from_the_dashboard_to_the_report_and_an_export(server, page, axe):
    base, service = server
    for sid in ("s001", "s002"):  # two students have handed in and been graded
        worked = release_path(service.course, "a1", sid, worked=True)
        service.desk.accept(sid, "a1", "a1.ipynb", worked.read_bytes(), now=ON_TIME)
    assert service.worker.drain() == 2
    add_staff(service.book, "prof@example.edu", Role.INSTRUCTOR)
    page.goto(link(service.signer, base, PrincipalKind.STAFF, "prof@example.edu"))
    assert page.url == f"{base}/staff"
    _checked(page, axe, "10-staff-home")
    page.get_by_role("link", name="a1").click()
    assert page.url == f"{base}/staff/a1"
    assert "not submitted" in page.inner_text("main") and "graded" in page.inner_text("main")
    _checked(page, axe, "11-dashboard")
    page.get_by_role("link", name="The report").click()
    assert page.url == f"{base}/staff/a1/report" and page.locator("img").count() > 0
    _checked(page, axe, "12-report")
    page.go_back()
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV", exact=True).click()
    assert download.value.suggested_filename == "a1.csv"
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert [r["student_id"] for r in rows] == ["s001", "s002", "s003"]
