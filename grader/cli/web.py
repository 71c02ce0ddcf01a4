"""Commands of the submission service: serve, tokens (students' sign-in links), staff."""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path

import typer

from grader.cli.common import CourseOption, app, course_at, err, fail, out
from grader.config import Course
from grader.errors import AutogradeError
from grader.private import write_private

staff_app = typer.Typer(help="Staff of the submission service (instructors and TAs).", no_args_is_help=True)
app.add_typer(staff_app, name="staff")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (behind a TLS reverse proxy for anything but this machine)."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    course: Path = CourseOption,
) -> None:
    """Serve the submission service for one course: students sign in with their link, download, upload."""
    import uvicorn

    from grader.web import create_app

    try:
        c = course_at(course)
        application = create_app(c)
    except AutogradeError as exc:
        fail(str(exc))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # uvicorn's own access log would print each sign-in link's token; the app logs requests without it
    uvicorn.run(application, host=host, port=port, access_log=False, proxy_headers=True, log_level="info")


def _signer(c: Course):
    from grader.gradebook import Gradebook
    from grader.web.auth import Signer

    book = Gradebook(c.config.gradebook, c.root)
    return book, Signer(c, book.engine)


def _base(c: Course, base_url: str | None) -> str:
    base = base_url or c.config.base_url
    if not base:
        fail("no base URL: pass --base-url https://... or set base_url in autograde.toml")
    return base.rstrip("/")


@app.command()
def tokens(
    out_file: Path = typer.Option(None, "--out", help="Write the CSV here (private to you) instead of printing it."),
    base_url: str = typer.Option(None, "--base-url", help="Where students reach the service (default: base_url in autograde.toml)."),
    revoke: str = typer.Option(None, "--revoke", help="Invalidate every sign-in link (and session) of this student instead."),
    course: Path = CourseOption,
) -> None:
    """Write student_id,name,email,url: each student's sign-in link, for a mail merge."""
    from grader.service_tables import PrincipalKind
    from grader.web.auth import revoke as revoke_links

    try:
        c = course_at(course)
        roster = c.roster()
        book, signer = _signer(c)
        if revoke is not None:
            if revoke not in {s.student_id for s in roster}:
                fail(f"student {revoke!r} is not on the roster of {c.config.course}")
            revoke_links(book.engine, PrincipalKind.STUDENT, revoke)
            out.print(f"Revoked every sign-in link of {revoke}; `autograde tokens` makes them a new one.", highlight=False)
            return
        base = _base(c, base_url)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["student_id", "name", "email", "url"])
        for s in roster:
            writer.writerow([s.student_id, s.name, s.email, f"{base}/signin/{signer.link_token(PrincipalKind.STUDENT, s.student_id)}"])
    except AutogradeError as exc:
        fail(str(exc))
    if out_file is None:
        typer.echo(buffer.getvalue(), nl=False)
    else:
        write_private(out_file, buffer.getvalue().encode())
        err.print(f"Wrote {len(roster)} sign-in link(s) to {out_file}: each signs its student in, so send each to its student alone.",
                  highlight=False)


@staff_app.command("add")
def staff_add(
    email: str = typer.Argument(..., help="The staff member's email (their name in the service)."),
    role: str = typer.Option(..., "--role", help="instructor or ta."),
    base_url: str = typer.Option(None, "--base-url", help="Where staff reach the service (default: base_url in autograde.toml)."),
    course: Path = CourseOption,
) -> None:
    """Add (or change the role of) a staff member and print their sign-in link."""

    from grader.service_tables import PrincipalKind, Role, staff

    if role not in {r.value for r in Role}:
        fail(f"--role must be instructor or ta, not {role!r}")
    if "@" not in email or len(email) > 200:
        fail(f"{email!r} is not an email address")
    try:
        c = course_at(course)
        base = _base(c, base_url)
        book, signer = _signer(c)
        with book.engine.begin() as conn:
            if conn.execute(staff.update().where(staff.c.email == email).values(role=role)).rowcount == 0:
                conn.execute(staff.insert().values(email=email, role=role))
        typer.echo(f"{base}/signin/{signer.link_token(PrincipalKind.STAFF, email)}")
    except AutogradeError as exc:
        fail(str(exc))
