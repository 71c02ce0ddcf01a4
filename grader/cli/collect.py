"""``autograde collect``: import an LMS's bulk download of submissions."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from grader.cli.common import CourseOption, app, course_at, err, out, rel
from grader.collect import ArchiveLimits, CollectedFile, CollectResult, Layout, Outcome
from grader.collect import collect as collect_files
from grader.late import shown

_STYLE = {Outcome.IMPORTED: "green", Outcome.ALREADY_THERE: "dim", Outcome.UNMATCHED: "yellow", Outcome.REFUSED: "red"}


@app.command()
def collect(
    assignment: str = typer.Argument(..., help="Assignment name."),
    source: Path = typer.Argument(..., help="The LMS's download: a zip archive, or the folder it was unzipped to."),
    layout: Layout = typer.Option(None, "--from", help="Whose download it is (default: told by the files' names)."),
    worksheet: Path = typer.Option(None, "--worksheet", help="Moodle: the assignment's grading worksheet (CSV), "
                                                              "which maps participants to emails."),
    timezone: str = typer.Option(None, "--timezone", help="The zone of times the LMS writes without one "
                                                          "(Blackboard, Moodle, a zip's dates), e.g. Europe/London."),
    untimed: bool = typer.Option(False, "--untimed", help="File without submission times (never counted late)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print what would be filed; write nothing."),
    force: bool = typer.Option(False, "--force", help="File a notebook released to another student all the same "
                                                      "(grading flags it)."),
    max_total_mb: int = typer.Option(2000, "--max-total-mb", min=1, help="Most the whole download may unpack to."),
    max_entries: int = typer.Option(20_000, "--max-entries", min=1, help="Most files the download may hold."),
    course: Path = CourseOption,
) -> None:
    """File each submission of an LMS's bulk download (Canvas, Moodle, Blackboard or a folder) as submit does."""
    c = course_at(course)
    limits = ArchiveLimits(c.config.limits.submission_mb * 1_000_000, max_total_mb * 1_000_000, max_entries)
    result = collect_files(c, assignment, source, layout=layout, worksheet=worksheet, timezone=timezone,
                           untimed=untimed, dry_run=dry_run, force=force, limits=limits)
    _print(result, c)
    problems = result.count(Outcome.UNMATCHED) + result.count(Outcome.REFUSED)
    raise typer.Exit(1 if problems else 0)


def _print(result: CollectResult, course) -> None:
    what = f"{result.layout.value} download" if result.layout else "download"
    title = f"{result.assignment}: {what} {result.source.name}" + (" (dry run: nothing written)" if result.dry_run else "")
    table = Table(title=title, title_justify="left")
    for column in ("file", "student", "submitted", "late", "outcome"):
        table.add_column(column, overflow="fold")
    for f in result.files:
        outcome = "would import" if result.dry_run and f.outcome is Outcome.IMPORTED else f.outcome.value
        detail = f.reason if f.outcome is not Outcome.IMPORTED else (rel(course, f.path) if f.path else "")
        table.add_row(f.name, f.student_id or "", shown(f.when) or _untimed(f), _late(f, result.layout),
                      f"[{_STYLE[f.outcome]}]{outcome}[/]" + (f": {detail}" if detail else ""))
    out.print(table)
    sources = sorted({f.time_source for f in result.files if f.time_source and f.outcome is Outcome.IMPORTED})
    if sources:
        out.print("Submission times: " + "; ".join(sources) + ".", highlight=False, soft_wrap=True)
    err.print(f"{'Dry run: ' if result.dry_run else ''}{result.summary()}.", highlight=False)


def _untimed(f: CollectedFile) -> str:
    return "no time" if f.student_id and f.outcome in (Outcome.IMPORTED, Outcome.ALREADY_THERE) else ""


def _late(f: CollectedFile, layout: Layout | None) -> str:
    """What the late-work rule says, or the LMS's own mark when the download has no times."""
    if f.lateness is not None and f.lateness.after_cutoff:
        return f"after the cutoff ({f.lateness.late_days} d)"
    if f.lateness is not None and f.lateness.late:
        penalty = f", -{f.lateness.penalty_percent:g}%" if f.lateness.penalty_percent else ""
        return f"{f.lateness.late_days} d late{penalty}"
    if f.lateness is not None and f.lateness.late_days == 0:
        return "on time"
    if f.lms_late is not None:  # the LMS's own mark, where its download has no times
        lms = layout.value.capitalize() if layout else "LMS"
        return f"{lms}: late" if f.lms_late else f"{lms}: on time"
    return ""
