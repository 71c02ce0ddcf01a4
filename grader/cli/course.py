"""Commands for instructors and students: generate, variants, validate, submit."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from grader.assignment import load_assignment
from grader.cli.common import CourseOption, app, course_at, err, fail, optional_course, out, rel
from grader.generate import generate as generate_notebooks
from grader.identity import IdentityCheck
from grader.outcomes import RunStatus
from grader.outcomes import ValidationStatus as V
from grader.submit import ValidationReport
from grader.submit import submit as submit_notebook
from grader.submit import validate as validate_notebook
from grader.variants import hand_work, variant_stats


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
    c = course_at(course)
    with _progress() as bar:
        task = bar.add_task(f"generating {assignment}", total=None)
        result = generate_notebooks(c, assignment, solutions=solutions, force=force,
                                    progress=lambda done, total: bar.update(task, completed=done, total=total, refresh=True))
    for notice in result.notices:
        err.print(f"[yellow]note:[/] {notice}", highlight=False)
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/] {warning}", highlight=False, soft_wrap=True)
    for line in result.errors:
        err.print(f"[bold red]error:[/] {escape(line)}", highlight=False, soft_wrap=True)
    where = rel(c, c.folder("release") / assignment)
    extra = f" and worked solutions in {rel(c, c.folder('solutions_release') / assignment)}/" if solutions else ""
    out.print(f"Wrote {len(result.notebooks)} notebooks for {result.students - len(result.errors)} students to {where}/{extra} "
              f"in {result.seconds:.2f} s.", highlight=False)
    if result.errors:
        fail(f"{len(result.errors)} student(s) got no notebook: fix the family, then run the same command again", code=1)


@app.command()
def variants(
    assignment: str = typer.Argument(..., help="Assignment name."),
    stats: bool = typer.Option(True, "--stats/--no-stats", help="Show how varied each problem is across the roster."),
    course: Path = CourseOption,
) -> None:
    """Per problem: distinct parameter sets and answers over the roster, and the chance two students share an answer."""
    c = course_at(course)
    a = load_assignment(c, assignment)
    secret, _ = c.secret()
    roster = c.roster()
    rows = variant_stats(secret, c.config.course, a, [s.student_id for s in roster]) if stats else []
    big = hand_work(secret, c.config.course, a, [s.student_id for s in roster])
    table = Table(title=f"{assignment}: variants over {len(roster)} students", title_justify="left")
    small = sum(r.too_small for r in rows)
    pooled = any(r.alternative is not None for r in rows)  # a pool's alternatives each go to some of the students
    degenerate = sum(r.degenerate is not None for r in rows)
    columns = ("problem", "family") + (("students",) if pooled else ()) + (
        "distinct params", "distinct answers", "P(two share an answer)") + (("note",) if small or degenerate else ())
    longest = max((len(r.family) for r in rows), default=0)
    for col in columns:
        # family names stay whole (the headers of the number columns wrap instead), terminal or not
        whole = dict(no_wrap=True, min_width=longest) if col == "family" else {}
        table.add_column(col, justify="right" if col.startswith(("distinct", "P(", "students")) else "left", **whole)
    for r in rows:
        cells = [r.label, r.family, *([str(r.students)] if pooled else []), str(r.distinct_params),
                 str(r.distinct_answers), f"{r.share_probability:.2%}"]
        if small or degenerate:
            notes = ["space too small for the roster"] * r.too_small + [f"degenerate: {r.degenerate}"] * (r.degenerate is not None)
            cells.append(f"[yellow]{escape('; '.join(notes))}[/]")
        table.add_row(*cells)
    out.print(table)
    if small:
        err.print(f"[yellow]warning:[/] {small} problem(s) give too few distinct answers for this roster: widen their space in assignment.toml")
    if degenerate:
        err.print(f"[yellow]warning:[/] {degenerate} problem(s) have fixed parameters that make no exercise: change their params in assignment.toml")
    for h in big:
        err.print(f"[yellow]warning:[/] {h.problem_id} ({h.family}): {h.too_big} of {h.students} variants are too big to do by hand, "
                  f"e.g. {h.example}: narrow its space in assignment.toml", highlight=False)


def _print_report(report: ValidationReport) -> None:
    styles = {V.ANSWERED: "green", V.PENDING: "green", V.MISSING: "yellow", V.WRONG_FORM: "red", V.ERROR: "red", V.UNKNOWN: "dim"}
    table = Table(title=f"{report.assignment} ({report.student_id}): {Path(report.notebook).name}", title_justify="left")
    table.add_column("problem")
    table.add_column("status")
    table.add_column("details", overflow="fold")
    for p in report.problems:
        label = {V.PENDING: "answered (graded by hand)", V.WRONG_FORM: "wrong type or shape",
                 V.ERROR: "raised an error"}.get(p.status, p.status)
        table.add_row(p.problem_id, f"[{styles[p.status]}]{label}[/]", escape(" ".join(p.messages)))
    out.print(table)
    for line in report.errors:
        err.print(f"[red]error:[/] {escape(line)}", highlight=False, soft_wrap=True)
    if report.run_status != RunStatus.OK:
        err.print(f"[red]the notebook did not run to the end:[/] {report.run_reason}", highlight=False)
    _print_identity(report.identity)
    out.print("Every answer is there and has the right form (this does not say whether it is right)."
              if report.complete else "Some answers are missing, have the wrong form or raised an error: see above.")


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
    found = optional_course(course)
    report = validate_notebook(notebook, found.config.limits if found else None, course=found, student_id=student)
    _print_report(report)
    raise typer.Exit(0 if report.complete else 1)


@app.command()
def submit(
    assignment: str = typer.Argument(..., help="Assignment name."),
    notebook: Path = typer.Argument(..., help="Your notebook."),
    student: str = typer.Option(None, "--student", help="Your student id (in the course folder; not with --server)."),
    run: bool = typer.Option(True, "--validate/--no-validate", help="Run the notebook first to report missing answers."),
    force: bool = typer.Option(False, "--force", help="File a notebook released to another student anyway (grading flags it)."),
    server: str = typer.Option(None, "--server", help="Hand in to `autograde serve` at this URL instead (from anywhere)."),
    token: str = typer.Option(None, "--token", envvar="AUTOGRADE_TOKEN", help="With --server: your sign-in token, the end of your link (or $AUTOGRADE_TOKEN, kept out of your shell history)."),
    course: Path = CourseOption,
) -> None:
    """Validate, then copy your notebook into submitted/<student>/<assignment>/ with a timestamp (or hand it in to a server)."""
    if server is not None:
        _submit_remote(server, token, assignment, notebook)
        return
    if student is None:
        fail("--student is needed to submit inside the course folder (or hand in with --server URL --token TOKEN)")
    c = course_at(course)
    result = submit_notebook(c, assignment, notebook, student, run=run, force=force)
    if run:
        _print_report(result.report)
    else:
        _print_identity(result.identity)
    out.print(f"Submitted: {rel(c, result.path)}", highlight=False)
    late = result.lateness
    if late is not None and late.after_cutoff:
        err.print(f"[bold yellow]after the cutoff:[/] {late.describe()} It is kept, but only a submission made "
                  "before the cutoff is graded, unless the instructor decides otherwise.", highlight=False, soft_wrap=True)
    elif late is not None and late.late:
        err.print(f"[yellow]late:[/] {late.describe()}", highlight=False, soft_wrap=True)
    elif late is not None and late.describe():
        out.print(late.describe(), highlight=False, soft_wrap=True)  # on time under an extension


def _submit_remote(server: str, token: str | None, assignment: str, notebook: Path) -> None:
    from grader.web.client import submit_remote

    if not token:
        fail("--server needs your sign-in token: --token TOKEN (the part of your link after /signin/) or $AUTOGRADE_TOKEN")
    receipt = submit_remote(server, token.rsplit("/signin/", 1)[-1], assignment, notebook)  # errors: the CLI's hook
    if receipt.report is not None:
        _print_report(receipt.report)
    if receipt.note:
        err.print(f"[yellow]{escape(receipt.note)}[/]", highlight=False, soft_wrap=True)
    out.print(f"Handed in: submission {receipt.id}, {receipt.status}. See {receipt.url}", highlight=False, soft_wrap=True)
