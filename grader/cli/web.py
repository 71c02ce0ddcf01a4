"""Commands of the submission service: serve, tokens (students' sign-in links), staff."""

from __future__ import annotations

import contextlib
import csv
import io
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from grader.cli.common import App, CourseOption, app, course_at, err, fail, out
from grader.config import Course
from grader.private import write_private

if TYPE_CHECKING:
    from grader.gradebook import Gradebook
    from grader.web.auth import Signer

# an App, as the top level is: its commands report an AutogradeError as one line, with no try/except of their own
staff_app = App(help="Staff of the submission service (instructors and TAs).", no_args_is_help=True)
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

    application = create_app(course_at(course))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # uvicorn's own access log would print each sign-in link's token; the app logs requests without it
    uvicorn.run(application, host=host, port=port, access_log=False, proxy_headers=True, log_level="info")


@contextlib.contextmanager
def _signer(c: Course) -> Iterator[tuple[Gradebook, Signer]]:
    from grader.gradebook import Gradebook
    from grader.web.auth import Signer

    book = Gradebook(c.config.gradebook, c.root)
    try:
        yield book, Signer(c, book.engine)
    finally:
        book.close()


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

    c = course_at(course)
    roster = c.roster()
    with _signer(c) as (book, signer):
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
    c = course_at(course)
    base = _base(c, base_url)
    with _signer(c) as (book, signer), book.engine.begin() as conn:
        if conn.execute(staff.update().where(staff.c.email == email).values(role=role)).rowcount == 0:
            conn.execute(staff.insert().values(email=email, role=role))
    typer.echo(f"{base}/signin/{signer.link_token(PrincipalKind.STAFF, email)}")
