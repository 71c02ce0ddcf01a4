"""Commands of the submission service: serve, tokens (students' sign-in links), staff."""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path

import typer

from grader.cli.common import App, CourseOption, app, course_at, err, fail, out
from grader.config import Course
from grader.private import write_private

# an App, as the top level is: its commands report an AutogradeError as one line, with no try/except of their own
staff_app = App(help="Staff of the submission service (instructors and TAs).", no_args_is_help=True)
app.add_typer(staff_app, name="staff")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (behind a TLS reverse proxy for anything but this machine)."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    forwarded_allow_ips: str = typer.Option(None, "--forwarded-allow-ips", help="Reverse proxies whose X-Forwarded-Proto/-For "
                                            "headers are believed (default: $FORWARDED_ALLOW_IPS, else 127.0.0.1)."),
    demo: bool = typer.Option(False, "--demo", help="Build the demo course afresh in demo-run/ (what make demo does) and serve "
                              "it, printing sign-in links for two demo students and the instructor."),
    course: Path = CourseOption,
) -> None:
    """Serve the submission service for one course: students sign in with their link, download, upload."""
    import uvicorn

    from grader.web import create_app
    from grader.web.server import server_options

    application = create_app(_demo_course(host, port) if demo else course_at(course))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    uvicorn.run(application, **server_options(host, port, forwarded_allow_ips))


def _demo_course(host: str, port: int) -> Course:
    """The demo course, built afresh, with the sign-in links of two students and the instructor printed."""
    from grader import demo
    from grader.config import load_course
    from grader.web.links import demo_links

    folder = demo.ROOT / "demo-run"
    demo.main(folder)
    c = load_course(folder)
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # a link to "any address" opens nowhere
    base = c.config.base_url or f"http://{shown_host}:{port}"
    out.print("\nServing the demo course. Open a link to sign in as that person (each signs in on its own browser):", highlight=False)
    for found in demo_links(c, base):
        out.print(f"  {found.role:<10} {found.who:<24} {found.url}", highlight=False, soft_wrap=True)
    return c


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
    from grader.web.links import link, open_signer

    c = course_at(course)
    roster = c.roster()
    with open_signer(c) as (book, signer):
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
            writer.writerow([s.student_id, s.name, s.email, link(signer, base, PrincipalKind.STUDENT, s.student_id)])
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
    from grader.service_tables import PrincipalKind, Role
    from grader.web.links import add_staff, link, open_signer

    if role not in {r.value for r in Role}:
        fail(f"--role must be instructor or ta, not {role!r}")
    if "@" not in email or len(email) > 200:
        fail(f"{email!r} is not an email address")
    c = course_at(course)
    base = _base(c, base_url)
    with open_signer(c) as (book, signer):
        add_staff(book, email, Role(role))
        typer.echo(link(signer, base, PrincipalKind.STAFF, email))
