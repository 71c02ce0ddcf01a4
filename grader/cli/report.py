"""The instructor report command."""

from __future__ import annotations

from pathlib import Path

import typer

from grader.cli.common import CourseOption, app, course_at, fail, out, rel
from grader.errors import AutogradeError


@app.command()
def report(
    assignment: str = typer.Argument(..., help="Assignment name."),
    out_dir: Path = typer.Option(None, "--out", help="Folder for index.html (default: reports/<assignment>/)."),
    course: Path = CourseOption,
) -> None:
    """Write the instructor report: scores, difficulty per part, frequent mistakes, parameter effects."""
    from grader.report.report import write_report  # matplotlib is slow to import: only this command needs it

    try:
        c = course_at(course)
        result = write_report(c, assignment, out_dir)
    except AutogradeError as exc:
        fail(str(exc))
    h = result.stats.headline
    mean = f", mean {100 * h.mean:.2f}%" if h.mean is not None else ""
    out.print(f"Report for {h.graded} graded submission(s){mean}: {rel(c, result.path)}", highlight=False)
