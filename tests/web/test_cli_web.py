"""autograde tokens (links for a mail merge, revocation) and autograde staff add, used against the app."""

from __future__ import annotations

import csv
import io
import os

import pytest
from typer.testing import CliRunner

from grader.cli import app as cli
from grader.web import create_app
from tests.web.conftest import FakeGrading

pytestmark = pytest.mark.anyio

runner = CliRunner()


def run(course, *args):
    return runner.invoke(cli, [*args, "--course", str(course.root)])


async def _signs_in(app, url: str) -> int:
    import httpx

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        return (await client.get(url.removeprefix("https://grader.example.edu"))).status_code


async def test_tokens_writes_one_working_link_per_student_and_revoke_kills_one_students(released, tmp_path):
    course = released()
    toml = course.root / "autograde.toml"  # base_url is a top-level key: before the fixture's [limits]
    toml.write_text('base_url = "https://grader.example.edu/"\n' + toml.read_text())
    out = tmp_path / "links.csv"
    done = run(course, "tokens", "--out", str(out))
    assert done.exit_code == 0, done.output
    assert oct(os.stat(out).st_mode & 0o777) == "0o600"
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [r["student_id"] for r in rows] == ["s001", "s002", "s003"] and rows[0]["name"] == "Student s001"
    assert all(r["url"].startswith("https://grader.example.edu/signin/") for r in rows)
    app = create_app(course, grade=FakeGrading(), worker=False)
    assert [await _signs_in(app, r["url"]) for r in rows] == [303, 303, 303]
    revoked = run(course, "tokens", "--revoke", "s002")
    assert revoked.exit_code == 0 and "Revoked" in revoked.output
    assert [await _signs_in(app, r["url"]) for r in rows] == [303, 401, 303]
    again = run(course, "tokens", "--base-url", "https://grader.example.edu")
    fresh = {r["student_id"]: r["url"] for r in csv.DictReader(io.StringIO(again.stdout))}
    assert await _signs_in(app, fresh["s002"]) == 303
    assert run(course, "tokens", "--revoke", "nobody").exit_code == 2


async def test_staff_add_prints_a_staff_link_and_needs_a_base_url_and_a_known_role(released):
    course = released()
    no_base = run(course, "staff", "add", "prof@example.edu", "--role", "instructor")
    assert no_base.exit_code == 2 and "base URL" in no_base.output
    assert run(course, "staff", "add", "prof@example.edu", "--role", "dean", "--base-url", "https://g.example").exit_code == 2
    done = run(course, "staff", "add", "prof@example.edu", "--role", "ta", "--base-url", "https://grader.example.edu")
    assert done.exit_code == 0, done.output
    url = done.stdout.strip()
    app = create_app(course, grade=FakeGrading(), worker=False)
    assert await _signs_in(app, url) == 303


@pytest.mark.parametrize("command", [["serve"], ["tokens", "--base-url", "https://g.example"],
                                     ["staff", "add", "ta@example.edu", "--role", "ta", "--base-url", "https://g.example"]])
def test_a_broken_course_is_one_line_of_error_from_every_service_command(released, command):
    course = released()
    (course.root / "autograde.toml").write_text((course.root / "autograde.toml").read_text() + "\ncolour = 1\n")
    done = run(course, *command)
    assert done.exit_code == 2, done.output
    assert done.output.startswith("error: ") and "colour" in done.output and "Traceback" not in done.output
