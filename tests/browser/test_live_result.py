"""A student in Chromium: sign-in link, upload from the assignment's page, and the result appears on the
upload's page without a reload once the server's worker has graded it (the page's one script)."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

import pytest
import uvicorn

from grader.service_tables import PrincipalKind
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
