"""Commands for instructors and students: generate, variants, validate, submit."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from grader.assignment import load_assignment
from grader.cli.common import CourseOption, app, course_at, err, fail, out, rel
from grader.config import Course
from grader.errors import AutogradeError
from grader.generate import generate as generate_notebooks
from grader.identity import IdentityCheck
from grader.submit import ValidationReport
from grader.submit import submit as submit_notebook
from grader.submit import validate as validate_notebook
from grader.variants import variant_stats


def _progress() -> Progress:
    # refreshed by our progress callback, not by a thread of its own (generation forks workers)
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=err, disable=not err.is_terminal, transient=True, auto_refresh=False)


@app.command()
def generate(
    assignment: str = typer.Argument(..., help="Assignment name (a folder under assignments/)."),
    solutions: bool = typer.Option(False, "--solutions", help="Also write each student's worked-solution notebook."),
    force: bool = typer.Option(False, "--force", help="Overwrite release notebooks that differ from what would be written now."),
    course: Path = CourseOption,
) -> None:
    """Write one personal notebook per roster student to release/<assignment>/<student>/."""
    try:
        c = course_at(course)
        with _progress() as bar:
            task = bar.add_task(f"generating {assignment}", total=None)
            result = generate_notebooks(c, assignment, solutions=solutions, force=force,
                                        progress=lambda done, total: bar.update(task, completed=done, total=total, refresh=True))
    except AutogradeError as exc:
        fail(str(exc))
    for notice in result.notices:
        err.print(f"[yellow]note:[/] {notice}", highlight=False)
    where = rel(c, c.folder("release") / assignment)
    extra = f" and worked solutions in {rel(c, c.folder('solutions_release') / assignment)}/" if solutions else ""
    out.print(f"Wrote {len(result.notebooks)} notebooks for {result.students} students to {where}/{extra} "
              f"in {result.seconds:.2f} s.", highlight=False)


@app.command()
def variants(
    assignment: str = typer.Argument(..., help="Assignment name."),
    stats: bool = typer.Option(True, "--stats/--no-stats", help="Show how varied each problem is across the roster."),
    course: Path = CourseOption,
) -> None:
    """Per problem: distinct parameter sets and answers over the roster, and the chance two students share an answer."""
    try:
        c = course_at(course)
        a = load_assignment(c, assignment)
        secret, _ = c.secret()
        roster = c.roster()
        rows = variant_stats(secret, c.config.course, a, [s.student_id for s in roster]) if stats else []
    except AutogradeError as exc:
        fail(str(exc))
    table = Table(title=f"{assignment}: variants over {len(roster)} students", title_justify="left")
    small = sum(r.too_small for r in rows)
    columns = ("problem", "family", "distinct params", "distinct answers", "P(two share an answer)") + (("note",) if small else ())
    for col in columns:
        table.add_column(col, justify="right" if col.startswith(("distinct", "P(")) else "left")
    for r in rows:
        cells = [r.problem_id, r.family, str(r.distinct_params), str(r.distinct_answers), f"{r.share_probability:.2%}"]
        if small:
            cells.append("[yellow]space too small for the roster[/]" if r.too_small else "")
        table.add_row(*cells)
    out.print(table)
    if small:
        err.print(f"[yellow]warning:[/] {small} problem(s) give too few distinct answers for this roster: widen their space in assignment.toml")


def _print_report(report: ValidationReport) -> None:
    styles = {"answered": "green", "pending": "green", "missing": "yellow", "wrong_form": "red", "unknown": "dim"}
    table = Table(title=f"{report.assignment} ({report.student_id}): {Path(report.notebook).name}", title_justify="left")
    table.add_column("problem")
    table.add_column("status")
    table.add_column("details", overflow="fold")
    for p in report.problems:
        label = {"pending": "answered (graded by hand)", "wrong_form": "wrong type or shape"}.get(p.status, p.status)
        table.add_row(p.problem_id, f"[{styles[p.status]}]{label}[/]", " ".join(p.messages))
    out.print(table)
    if report.run_status != "ok":
        err.print(f"[red]the notebook did not run to the end:[/] {report.run_reason}", highlight=False)
    _print_identity(report.identity)
    out.print("Every answer is there and has the right form (this does not say whether it is right)."
              if report.complete else "Some answers are missing or have the wrong form: see above.")


def _print_identity(identity: IdentityCheck | None) -> None:
    if identity is not None and identity.message():
        colour = "bold red" if identity.flagged else "yellow"
        err.print(f"[{colour}]warning:[/] {identity.message()}", highlight=False, soft_wrap=True)


@app.command()
def validate(
    notebook: Path = typer.Argument(..., help="Your notebook."),
    student: str = typer.Option(None, "--student", help="Your student id, to check the notebook was released to you (default: the id in its header)."),
    course: Path = CourseOption,
) -> None:
    """Run your notebook as the grader would and list missing or malformed answers (never whether they are right)."""
    try:
        found = _find_course(course)
        report = validate_notebook(notebook, found.config.limits if found else None, course=found, student_id=student)
    except AutogradeError as exc:
        fail(str(exc))
    _print_report(report)
    raise typer.Exit(0 if report.complete else 1)


def _find_course(path: Path | None) -> Course | None:
    """The course around the student's folder, if there is one: validation works without it."""
    try:
        return course_at(path)
    except AutogradeError:
        if path is not None:
            raise
        return None


@app.command()
def submit(
    assignment: str = typer.Argument(..., help="Assignment name."),
    notebook: Path = typer.Argument(..., help="Your notebook."),
    student: str = typer.Option(..., "--student", help="Your student id."),
    run: bool = typer.Option(True, "--validate/--no-validate", help="Run the notebook first to report missing answers."),
    force: bool = typer.Option(False, "--force", help="File a notebook released to another student anyway (grading flags it)."),
    course: Path = CourseOption,
) -> None:
    """Validate, then copy your notebook into submitted/<student>/<assignment>/ with a timestamp."""
    try:
        c = course_at(course)
        result = submit_notebook(c, assignment, notebook, student, run=run, force=force)
    except AutogradeError as exc:
        fail(str(exc))
    if run:
        _print_report(result.report)
    else:
        _print_identity(result.identity)
    out.print(f"Submitted: {rel(c, result.path)}", highlight=False)
