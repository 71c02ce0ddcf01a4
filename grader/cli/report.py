"""The instructor report and the integrity check."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from grader.cli.common import CourseOption, app, course_at, err, out, rel


@app.command()
def report(
    assignment: str = typer.Argument(..., help="Assignment name."),
    out_dir: Path = typer.Option(None, "--out", help="Folder for index.html (default: reports/<assignment>/)."),
    course: Path = CourseOption,
) -> None:
    """Write the instructor report: scores, difficulty per part, frequent mistakes, parameter effects."""
    from grader.report.report import write_report  # matplotlib is slow to import: only this command needs it

    c = course_at(course)
    result = write_report(c, assignment, out_dir)
    h = result.stats.headline
    mean = f", mean {100 * h.mean:.2f}%" if h.mean is not None else ""
    out.print(f"Report for {h.graded} graded submission(s){mean}: {rel(c, result.path)}", highlight=False)


class IntegrityFormat(str, Enum):
    table = "table"
    json = "json"


@app.command()
def integrity(
    assignment: str = typer.Argument(..., help="Assignment name."),
    fmt: IntegrityFormat = typer.Option(IntegrityFormat.table, "--format", help="table (for a person) or json (every detail)."),
    threshold: float = typer.Option(None, "--threshold", min=0.0,
                                    help="List pairs scoring at least this (default: chosen so that about 0.05 pairs are expected by chance)."),
    course: Path = CourseOption,
) -> None:
    """Pairs whose answers look copied across variants, with the evidence and how many such pairs chance alone gives.

    Evidence for a person to judge: nothing is accused or penalised, and nothing reaches a student's feedback."""
    from grader.report.integrity import check_integrity

    c = course_at(course)
    result = check_integrity(c, assignment, threshold=threshold)
    if fmt is IntegrityFormat.json:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
        return
    _print_integrity(result)


def _print_integrity(r) -> None:
    chosen = " (chosen from the shuffles)" if r.threshold_chosen else ""
    out.print(f"{r.assignment}: {r.graded} graded of {r.roster} on the roster; {r.wrong_answers} wrong answers compared "
              "with every classmate's right and wrong answers.", highlight=False, soft_wrap=True)
    out.print(f"{len(r.pairs)} pair(s) score at least {r.threshold:g}{chosen}; expected by chance at this threshold: "
              f"{r.expected_by_chance:g} pair(s) ({r.permutations} shuffles of the roster).", highlight=False, soft_wrap=True)
    if r.pairs:
        table = Table()
        for col in ("pair", "problem", "shared answer", "wrong for", "and is", "chance"):
            table.add_column(col, overflow="fold", justify="right" if col == "chance" else "left")
        for p in r.pairs:
            left = [" & ".join(p.students), f"score {p.score:g}", f"{p.chance_pairs_this_high:g} this high by chance",
                    *(f"{s} {_when(t)}" for s, t in zip(p.students, p.submitted_at)), *_notebooks(p)]
            rows = [(m.problem_id + (f" ({m.wrong_alternative}/{m.source_alternative})" if m.wrong_alternative else ""),
                     "; ".join(f"{k} = {v}" for k, v in m.shown_values().items()),
                     m.wrong + (f" ({m.named_mistake})" if m.named_mistake else ""),
                     f"{m.source}'s " + ("right answer" if m.kind.value == "their_right_answer" else "own wrong answer"),
                     f"1 in {max(1, round(1 / m.chance)):,}") for m in p.matches]
            for i in range(max(len(left), len(rows))):
                row = rows[i] if i < len(rows) else ("",) * 5
                table.add_row(escape(left[i]) if i < len(left) else "", *(escape(c) for c in row),
                              end_section=i == max(len(left), len(rows)) - 1)
        out.print(table)
    if r.shared_notebooks:
        out.print("Below the threshold, notebooks that share what no other notebook has:", highlight=False)
        for p in r.shared_notebooks:
            out.print(f"  {' & '.join(p.students)}: {escape('; '.join(_notebooks(p)))}", highlight=False, soft_wrap=True)
    for released in r.released:
        out.print(f"{released.handed_in_by} handed in the notebook released to {released.released_to} ({released.how}).",
                  highlight=False, soft_wrap=True)
    for note in r.notes:
        err.print(f"[yellow]note:[/] {escape(note)}", highlight=False, soft_wrap=True)
    out.print("Evidence for a person to judge: a high score says these answers rarely meet by chance, not who copied "
              "or whether anyone did. Nothing here is recorded or shown to students.", highlight=False, soft_wrap=True)


def _when(iso: str | None) -> str:
    return iso[:16].replace("T", " ") + " UTC" if iso else "(no submission)"


def _notebooks(p) -> list[str]:
    lines = [f"identical cell: {first}" for first in p.identical_cells[:3]]
    if len(p.identical_cells) > 3:
        lines.append(f"... {len(p.identical_cells) - 3} more identical cell(s)")
    if p.identical_formatting:
        lines.append(f"answers to {', '.join(p.identical_formatting)} formatted alike, unlike anyone else's")
    lines += [f"{r.handed_in_by} handed in {r.released_to}'s notebook" for r in p.released]
    return lines
