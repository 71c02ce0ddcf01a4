"""Commands on graded results: feedback, export, manual export/import."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.markup import escape

from grader.cli.common import App, CourseOption, app, course_at, err, fail, out, rel
from grader.late import parse_moment
from grader.report.export import ExportFormat
from grader.report.export import export as export_results

manual_app = App(help="Hand grading of free-text answers: export a sheet, fill in scores, import it.",
                         no_args_is_help=True)
app.add_typer(manual_app, name="manual")


def _moment(text: str | None) -> dt.datetime | None:
    """``--now`` read as every date of a course is (grader.late.parse_moment)."""
    if text is None:
        return None
    try:
        return parse_moment(text)
    except ValueError as exc:
        fail(f"--now: {exc}")


@app.command()
def feedback(
    assignment: str = typer.Argument(..., help="Assignment name."),
    now: str = typer.Option(None, "--now", help="Judge the expected-value policy at this ISO date-time (default: now; UTC if no offset)."),
    course: Path = CourseOption,
) -> None:
    """Write one HTML feedback page per graded student: feedback/<assignment>/<student>.html."""
    moment = _moment(now)
    c = course_at(course)
    from grader.report.feedback import write_feedback  # nbconvert is slow to import: only this command needs it

    result = write_feedback(c, assignment, now=moment)
    if not result.pages and not result.failed:
        err.print(f"[yellow]no graded submissions of {assignment}:[/] run autograde grade {assignment} first", highlight=False, soft_wrap=True)
    folder = c.folder("feedback") / result.assignment
    out.print(f"wrote {len(result.pages)} feedback page(s) to {rel(c, folder)}/", highlight=False, soft_wrap=True)
    for student, why in result.failed:
        err.print(f"[bold red]no page for {escape(student)}:[/] {escape(why)}", highlight=False, soft_wrap=True)
    if result.failed:
        fail(f"{len(result.failed)} feedback page(s) could not be written; the others were", code=1)


@app.command()
def export(
    assignment: str = typer.Argument(..., help="Assignment name."),
    fmt: ExportFormat = typer.Option(ExportFormat.csv, "--format", help="csv (per problem), canvas (Canvas gradebook import) or json (per part)."),
    out_path: Path = typer.Option(None, "--out", help="File to write (default: exports/<assignment>.csv, .canvas.csv or .json)."),
    include_pending: bool = typer.Option(False, "--include-pending", help="Canvas: publish provisional totals too (free-text answers still to be graded by hand)."),
    course: Path = CourseOption,
) -> None:
    """Export the assignment's gradebook, every roster student included."""
    c = course_at(course)
    result = export_results(c, assignment, fmt, out_path, include_pending=include_pending)
    out.print(f"wrote {rel(c, result.path)}: {result.students} student(s), {result.missing} without a submission",
              highlight=False, soft_wrap=True)
    if result.withheld:
        err.print(f"[yellow]note:[/] {len(result.withheld)} provisional total(s) left blank, so Canvas keeps its grade "
                  f"({', '.join(result.withheld)}): hand grades are still to come; --include-pending publishes them",
                  highlight=False, soft_wrap=True)
    elif result.pending:
        err.print(f"[yellow]note:[/] {result.pending} total(s) are provisional (status pending): free-text answers "
                  f"still to be graded by hand (autograde manual export {assignment})", highlight=False, soft_wrap=True)
    if result.unmatched:
        err.print(f"[yellow]note:[/] {len(result.unmatched)} student(s) have no canvas_id, sis_id or login in the roster: "
                  "sent with student_id as SIS User ID and email as SIS Login ID, which Canvas may not know",
                  highlight=False, soft_wrap=True)


@app.command("changes")
def changes_export(
    assignment: str = typer.Argument(None, help="Assignment name (default: every assignment)."),
    student: str = typer.Option(None, "--student", help="Only this student's changes."),
    out_path: Path = typer.Option(None, "--out", help="CSV to write (default: exports/<assignment>.changes.csv)."),
    course: Path = CourseOption,
) -> None:
    """Export the audit log of grade changes after grading (hand grades, overrides, regrade requests,
    regrades that moved a score, late re-marks): who, when, which part, old and new score, why."""
    c = course_at(course)
    from grader.report.export import export_changes

    path, count = export_changes(c, assignment, student, out_path)
    out.print(f"wrote {rel(c, path)}: {count} change(s)", highlight=False, soft_wrap=True)


@manual_app.command("export")
def manual_export(
    assignment: str = typer.Argument(..., help="Assignment name."),
    out_path: Path = typer.Option(None, "--out", help="CSV to write (default: exports/<assignment>.manual.csv)."),
    course: Path = CourseOption,
) -> None:
    """Write a CSV with one row per free-text answer waiting for a hand grade."""
    c = course_at(course)
    from grader.report.manual import export_manual

    result = export_manual(c, assignment, out_path)
    kept = f" (kept {result.kept} typed score(s) or comment(s) from the sheet already there)" if result.kept else ""
    out.print(f"wrote {rel(c, result.path)}: {result.rows} answer(s) to grade{kept}. Fill in score (and feedback), "
              f"then: autograde manual import {assignment} {rel(c, result.path)}", highlight=False, soft_wrap=True)


@manual_app.command("import")
def manual_import(
    assignment: str = typer.Argument(..., help="Assignment name."),
    sheet: Path = typer.Argument(..., help="The filled-in CSV from autograde manual export."),
    course: Path = CourseOption,
) -> None:
    """Record the hand grades of a filled-in sheet; nothing is recorded if any row is wrong."""
    c = course_at(course)
    from grader.report.manual import import_manual

    result = import_manual(c, assignment, sheet)
    if result.errors:
        for line in result.errors:
            err.print(f"[bold red]error:[/] {escape(line)}", highlight=False, soft_wrap=True)
        fail(f"{len(result.errors)} bad row(s): nothing was imported", code=1)
    left = f" ({result.skipped} left pending: blank score)" if result.skipped else ""
    out.print(f"imported {result.imported} hand grade(s){left}", highlight=False, soft_wrap=True)
