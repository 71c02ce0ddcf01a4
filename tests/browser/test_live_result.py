"""A student in Chromium: sign-in link, upload from the assignment's page, and the result appears on the
upload's page without a reload once the server's worker has graded it (the page's one script)."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

import pytest
import uvicorn

from grader.service_tables import PrincipalKind, staff
from grader.web import create_app
from tests.browser.conftest import blocking, screenshot
from tests.web.conftest import FakeGrading, Served


@contextlib.contextmanager
def _serving(app) -> Iterator[str]:
    """The app on a real HTTP server on 127.0.0.1, in a thread (uvicorn leaves signals alone off the main thread)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if server.started:
                break
            threading.Event().wait(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def served_score(released):
    course = released(config_extra='[feedback]\non_submit = "score"\n')
    grading = FakeGrading()
    return Served(course, grading, create_app(course, executor="fork", grade=grading, worker=False))


def test_the_result_appears_on_the_upload_page_without_a_reload(served_score, page, axe, tmp_path):
    served = served_score
    notebook = tmp_path / "a1.ipynb"
    notebook.write_bytes(served.notebook("s001"))
    with _serving(served.app) as base:
        page.goto(f"{base}/signin/{served.link(PrincipalKind.STUDENT, 's001')}")
        page.goto(f"{base}/me/a1")
        page.set_input_files("input#notebook", str(notebook))
        page.click("form.ag-upload button[type=submit]")
        page.wait_for_url(f"{base}/me/submissions/*")
        assert page.inner_text("[data-status]") == "queued"
        page.evaluate("() => { window.sameDocument = true; }")  # gone if the page reloads
        assert not blocking(axe(page)), blocking(axe(page))

        served.service.worker.drain()  # the worker grades it (the fake grading: 1.5 of 2 points)
        page.wait_for_selector("text=Score: 1.5 / 2", timeout=20_000)
        shot = screenshot(page, "web-submission-graded")
        assert page.inner_text("[data-status]") == "graded"
        assert page.evaluate("() => window.sameDocument === true"), "the page reloaded instead of updating"
        assert "987654321" not in page.content()  # the score policy: no expected value
        assert not blocking(axe(page)), (shot, blocking(axe(page)))


def test_the_dashboard_shows_a_new_result_without_a_reload_and_pauses(served_score, page, axe):
    served = served_score
    with _serving(served.app) as base:
        with served.service.book.engine.begin() as conn:
            conn.execute(staff.insert().values(email="prof@example.edu", role="instructor"))
        page.goto(f"{base}/signin/{served.link(PrincipalKind.STAFF, 'prof@example.edu')}")
        page.goto(f"{base}/staff/a1")
        live = page.get_by_role("button", name="Pause live updates")
        assert live.is_visible() and live.get_attribute("aria-pressed") == "false"
        assert page.locator("[data-board] td.ag-status").all_inner_texts() == ["not submitted"] * 3
        page.evaluate("() => { window.sameDocument = true; }")  # gone if the page reloads
        assert not blocking(axe(page)), blocking(axe(page))

        served.service.desk.accept("s001", "a1", "a1.ipynb", served.notebook("s001"))
        served.service.worker.drain()
        page.wait_for_selector("[data-board] >> text=1.5 / 2", timeout=15_000)  # the next turn of the script
        assert page.evaluate("() => window.sameDocument === true"), "the page reloaded instead of updating"
        shot = screenshot(page, "web-dashboard-live")
        page.get_by_role("button", name="Pause live updates").click()
        assert page.get_by_role("button", name="Resume live updates").get_attribute("aria-pressed") == "true"
        assert not blocking(axe(page)), (shot, blocking(axe(page)))
