"""``autograde lti``: the tool's registration values, grade passback and roster sync with the LMS (LTI 1.3)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer

from grader.cli.common import CourseOption, app, course_at, err, fail, out
from grader.config import Course
from grader.errors import AutogradeError

lti_app = typer.Typer(help="The LMS link (LTI 1.3): registration values, grade passback, roster sync.", no_args_is_help=True)
app.add_typer(lti_app, name="lti")


def http_client():
    """The HTTP client that talks to the platforms (tests give theirs a simulated platform's transport)."""
    import httpx

    return httpx.Client(timeout=20, follow_redirects=False)


def _linked_course(path: Path | None) -> Course:
    c = course_at(path)
    if not c.config.lti.platforms:
        fail(f"{c.config_path}: no [lti.platforms.NAME] yet (docs/lti.md says what to put there)")
    try:
        import joserfc  # noqa: F401
    except ImportError:
        fail("the LMS link needs the lti extra: pip install 'autograde[lti]'")
    return c


@lti_app.command("config")
def config(
    base_url: str = typer.Option(None, "--base-url", help="Where the LMS reaches `autograde serve` (default: base_url in autograde.toml)."),
    course: Path = CourseOption,
) -> None:
    """Print the values to register the tool in an LMS: Canvas's configuration URL, and Moodle's form fields."""
    try:
        c = _linked_course(course)
        base = (base_url or c.config.base_url or "").rstrip("/")
        if not base:
            fail("no base URL: pass --base-url https://... or set base_url in autograde.toml")
        from grader.lti.keys import tool_key
        from grader.lti.linking import ToolUrls

        key = tool_key(c.root)
    except AutogradeError as exc:
        fail(str(exc))
    urls = ToolUrls(base)
    # plain lines, never wrapped: an administrator copies these values
    typer.echo(f"Canvas (Developer Keys > + LTI Key > Method: Enter URL):\n  {'JSON URL':<40}{urls.config}\n")
    typer.echo("Moodle (Site administration > Plugins > Activity modules > External tool > Manage tools > "
               "configure a tool manually):")
    for label, value in (("Tool name", c.config.lti.title), ("Tool URL", urls.launch), ("LTI version", "LTI 1.3"),
                         ("Public key type", "Keyset URL"), ("Public keyset", urls.jwks), ("Initiate login URL", urls.login),
                         ("Redirection URI(s)", urls.launch), ("Supports Deep Linking", "yes"),
                         ("Content Selection URL", urls.launch),
                         ("IMS LTI Assignment and Grade Services", "Use this service for grade sync and column management"),
                         ("IMS LTI Names and Role Provisioning", "Use this service to retrieve members' information as per privacy settings"),
                         ("Share launcher's name and email", "Always")):
        typer.echo(f"  {label:<40}{value}")
    typer.echo(f"\nThe tool's key id: {key.kid} (private key in {c.root / '.autograde' / 'lti-key.json'})")


@lti_app.command("push")
def push_grades(
    assignment: str = typer.Argument(..., help="The assignment whose grades go to the LMS."),
    include_pending: bool = typer.Option(False, "--include-pending", help="Also send totals still waiting for hand grades (marked Pending)."),
    course: Path = CourseOption,
) -> None:
    """Send an assignment's released grades to every linked LMS course (and retry what failed before)."""
    from grader.lti.sync import push

    try:
        c = _linked_course(course)
        result = push(c, assignment, http_client(), include_pending=include_pending)
    except AutogradeError as exc:
        fail(str(exc))
    plan, drained = result.plan, result.drained
    out.print(f"{assignment}: {drained.sent} score(s) sent; {len(plan.scores) - result.queued} the LMS has already.", highlight=False)
    for why, who in (("not released yet by the feedback policy", plan.not_released),
                     ("waiting for hand grades (--include-pending sends them)", plan.pending),
                     ("in no LMS course the tool knows (they never launched it; `autograde lti roster`)", plan.not_in_lms)):
        if who:
            err.print(f"[yellow]note:[/] {len(who)} {why}: {', '.join(who)}", highlight=False)
    for failure in drained.failed:
        err.print(f"[red]not sent, kept to try again:[/] {failure}", highlight=False)
    if drained.waiting:
        err.print(f"{drained.waiting} score(s) wait in the outbox for their next try.", highlight=False)
    if drained.failed:
        raise typer.Exit(1)


@lti_app.command("roster")
def roster(
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    course: Path = CourseOption,
) -> None:
    """Add the learners of every linked LMS course to the roster (Names and Role Provisioning); mark who left."""
    from grader.lti.sync import sync_roster

    try:
        c = _linked_course(course)
        result = sync_roster(c, http_client())
    except AutogradeError as exc:
        fail(str(exc))
    if as_json:
        typer.echo(json.dumps({"added": [s.student_id for s in result.added], "left": result.left,
                               "lms_courses": result.contexts, "failed": result.failed,
                               "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}))
    else:
        out.print(f"{result.contexts} LMS course(s) read; {len(result.added)} student(s) added to the roster"
                  + (f": {', '.join(s.student_id for s in result.added)}" if result.added else "")
                  + (" (run `autograde generate` to give them their notebooks)" if result.added else ""), highlight=False)
        if result.left:
            out.print(f"Left their LMS course (kept on the roster, marked): {', '.join(result.left)}", highlight=False)
        for failure in result.failed:
            err.print(f"[red]not read:[/] {failure}", highlight=False)
    if result.failed:
        raise typer.Exit(1)
