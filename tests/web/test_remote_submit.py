"""autograde submit --server: a student hands in over HTTP to a real server (uvicorn on 127.0.0.1)."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import uvicorn
from typer.testing import CliRunner

from grader.cli import app as cli
from grader.service_tables import PrincipalKind
from grader.web import create_app
from grader.web import queue as q
from tests.web.conftest import FakeGrading, Served

runner = CliRunner()


@pytest.fixture
def server(released, tmp_path):
    course = released()
    app = create_app(course, executor="fork", grade=FakeGrading(), worker=False)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    running = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="none",
                                            access_log=False))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    for _ in range(200):
        if running.started:
            break
        time.sleep(0.02)
    yield Served(course, app.state.service.worker.grade, app), f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=10)


def test_a_student_hands_in_with_their_token_and_sees_the_validation(server, tmp_path):
    served, url = server
    notebook = tmp_path / "a1.ipynb"
    notebook.write_bytes(served.notebook("s001"))
    token = served.link(PrincipalKind.STUDENT, "s001")
    done = runner.invoke(cli, ["submit", "a1", str(notebook), "--server", url], env={"AUTOGRADE_TOKEN": token})
    assert done.exit_code == 0, done.output
    assert "q1" in done.stdout and "missing" in done.stdout and f"{url}/me/submissions/1" in done.stdout.replace("\n", "")
    item = q.get(served.service.book.engine, 1)
    assert item.student_id == "s001" and item.status.value == "queued"
    link = f"{url}/signin/{token}"  # the whole link works as the token too
    assert runner.invoke(cli, ["submit", "a1", str(notebook), "--server", url, "--token", link]).exit_code == 0


def test_a_refusal_is_the_servers_reason_in_one_line(server, tmp_path):
    served, url = server
    notebook = tmp_path / "a1.ipynb"
    notebook.write_bytes(served.notebook("s002"))  # not s001's own
    done = runner.invoke(cli, ["submit", "a1", str(notebook), "--server", url, "--token", served.link(PrincipalKind.STUDENT, "s001")])
    assert done.exit_code == 2 and "refused (HTTP 403)" in done.output and "released to s002" in done.output
    bad = runner.invoke(cli, ["submit", "a1", str(notebook), "--server", url, "--token", "forged"])
    assert bad.exit_code == 2 and "HTTP 401" in bad.output
    none = runner.invoke(cli, ["submit", "a1", str(notebook), "--server", url], env={"AUTOGRADE_TOKEN": ""})
    assert none.exit_code == 2 and "needs your sign-in token" in none.output
