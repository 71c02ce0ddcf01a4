"""autograde lti config / push / roster, as an instructor runs them (the platform simulated)."""

from __future__ import annotations

import datetime as dt
import json

import httpx
from typer.testing import CliRunner

from grader.cli import app as cli
from grader.cli import lti as lti_cli
from grader.lti.tables import outbox
from tests.lti.platform import Member, platform_toml
from tests.lti.test_grades import ROSTER, Linked

runner = CliRunner()


def run(course, *args):
    return runner.invoke(cli, [*args, "--course", str(course.root)])


def test_lti_config_prints_the_canvas_url_and_moodles_form_values(make_course):
    c = make_course(config_extra=platform_toml())
    result = run(c, "lti", "config", "--base-url", "https://grader.example.edu/")
    assert result.exit_code == 0, result.output
    lines = {line.strip().split("  ")[0]: line.split()[-1] for line in result.output.splitlines() if "https://" in line}
    assert lines["JSON URL"] == "https://grader.example.edu/lti/config.json"
    assert (lines["Tool URL"], lines["Public keyset"], lines["Initiate login URL"], lines["Redirection URI(s)"]) == (
        "https://grader.example.edu/lti/launch", "https://grader.example.edu/lti/jwks.json",
        "https://grader.example.edu/lti/login", "https://grader.example.edu/lti/launch")
    assert (c.root / ".autograde" / "lti-key.json").is_file()
    assert "no base URL" in run(c, "lti", "config").output


def test_lti_commands_on_a_course_without_a_platform_say_what_to_add(make_course):
    result = run(make_course(), "lti", "push", "a1")
    assert result.exit_code == 2 and "no [lti.platforms.NAME] yet" in result.output


def test_a_typo_in_a_platform_is_one_line_naming_the_key(make_course):
    c = make_course(config_extra=platform_toml())
    c.config_path.write_text(c.config_path.read_text().replace("jwks_url", "jwk_url"))
    result = run(c, "lti", "config")
    assert result.exit_code == 2
    assert "lti.platforms.lms" in result.output and "jwk_url" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_lti_push_reports_what_went_and_what_waits_and_fails_while_the_platform_fails(make_course, monkeypatch):
    c = make_course(config_extra=platform_toml())
    (c.root / "roster.csv").write_text(ROSTER)
    lms = Linked(c)
    try:
        lms.link("course-1", ("sub-s001", "s001"))
        lms.grade("s001", 1.5)
        lms.grade("s002", 1.0)
        monkeypatch.setattr(lti_cli, "http_client", lambda: httpx.Client(transport=httpx.MockTransport(lms.platform.handle)))
        held = run(c, "lti", "push", "a1")  # a1 is due in 2030: nothing is released yet
        assert held.exit_code == 0 and "0 score(s) sent" in held.output and "not released yet" in held.output
        with c.config_path.open("a") as toml:  # the instructor makes it a practice assignment: scores released at once
            toml.write('[feedback]\non_submit = "score"\n')
        lms.platform.fail = [503]
        failed = run(c, "lti", "push", "a1")
        assert failed.exit_code == 1 and "not sent, kept to try again" in failed.output and "HTTP 503" in failed.output
        assert "1 in no LMS course the tool knows" in failed.output  # s002 never launched it
        assert lms.platform.scores == []
        lms.platform.fail = []
        with lms.book.engine.begin() as conn:  # due for its next try now
            conn.execute(outbox.update().values(next_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)))
        sent = run(c, "lti", "push", "a1")
        assert sent.exit_code == 0 and "1 score(s) sent" in sent.output and len(lms.platform.scores) == 1
    finally:
        lms.book.close()


def test_lti_roster_adds_and_prints_json(make_course, monkeypatch):
    c = make_course(config_extra=platform_toml())
    (c.root / "roster.csv").write_text(ROSTER)
    lms = Linked(c)
    try:
        lms.link("course-1")
        lms.platform.members["course-1"] = [Member("sub-s001"), Member("sub-77", "Sev", "sev@example.edu")]
        monkeypatch.setattr(lti_cli, "http_client", lambda: httpx.Client(transport=httpx.MockTransport(lms.platform.handle)))
        result = run(c, "lti", "roster", "--json")
        assert result.exit_code == 0, result.output
        body = json.loads(result.output)
        assert (body["added"], body["left"], body["lms_courses"], body["failed"]) == (["sev"], [], 1, [])
    finally:
        lms.book.close()
