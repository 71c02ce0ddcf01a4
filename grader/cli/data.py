"""The course's data as a whole: ``autograde backup`` (grader/backup.py), and one student's, ``autograde student
export|delete ID`` (grader/web/students.py)."""

from __future__ import annotations

from pathlib import Path

import typer

from grader.cli.common import App, CourseOption, app, course_at, err, fail, out, rel
from grader.errors import AutogradeError

student_app = App(help="One student's data: export it all, or delete it all (docs/deploy.md).", no_args_is_help=True)
app.add_typer(student_app, name="student")


@app.command()
def backup(
    out_path: Path = typer.Argument(..., help="Where to write the copy (a SQLite file; for PostgreSQL a pg_dump archive)."),
    course: Path = CourseOption,
) -> None:
    """Copy the gradebook consistently while the service or a batch writes to it (docs/deploy.md says how to restore)."""
    from grader.backup import backup_gradebook

    c = course_at(course)
    try:
        written = backup_gradebook(c, out_path)
    except AutogradeError as exc:
        fail(str(exc))
    out.print(f"wrote {written} ({written.stat().st_size:,} bytes): a copy of the gradebook, private to you", highlight=False,
              soft_wrap=True)


@student_app.command("export")
def export(
    student_id: str = typer.Argument(..., help="The student's id."),
    out_path: Path = typer.Option(None, "--out", help="The zip to write (default: exports/students/<id>.zip)."),
    course: Path = CourseOption,
) -> None:
    """Write every gradebook row (rows.json) and every file (files/) the course holds of one student to a zip."""
    from grader.web.students import export_student

    c = course_at(course)
    target = out_path or c.folder("exports") / "students" / f"{student_id}.zip"
    try:
        data = export_student(c, student_id, target)
    except AutogradeError as exc:
        fail(str(exc))
    out.print(f"wrote {rel(c, target)}: {data.row_count} row(s) from {len(data.rows)} table(s), {len(data.files)} file(s)",
              highlight=False, soft_wrap=True)


@student_app.command("delete")
def delete(
    student_id: str = typer.Argument(..., help="The student's id."),
    yes: bool = typer.Option(False, "--yes", help="Delete for real (without it, only say what would be deleted)."),
    course: Path = CourseOption,
) -> None:
    """Delete every gradebook row and file the course holds of one student, and revoke their sign-in links."""
    from grader.web.students import delete_student, find_student_data

    c = course_at(course)
    try:
        data = delete_student(c, student_id) if yes else find_student_data(c, student_id)
    except AutogradeError as exc:
        fail(str(exc))
    what = f"{data.row_count} row(s) from {len(data.rows)} table(s) and {len(data.files)} file(s) of {student_id}"
    if not yes:
        out.print(f"would delete {what}", highlight=False, soft_wrap=True)
        fail("nothing deleted: pass --yes to delete (autograde student export first keeps a copy)")
    out.print(f"deleted {what}; their sign-in links are revoked", highlight=False, soft_wrap=True)
    if any(s.student_id == student_id for s in c.roster()):
        err.print(f"[yellow]note:[/] {student_id} is still on the roster: remove them from it, or generate gives them a "
                  "notebook again", highlight=False, soft_wrap=True)
    err.print("[yellow]note:[/] exports and reports written before still name them: write them again", highlight=False,
              soft_wrap=True)
