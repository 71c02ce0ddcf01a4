"""Commands on problem families: families, solve, check, sample."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from grader.answers import Tolerance
from grader.checking import check as check_answer
from grader.cli.common import CourseOption, app, emit, fail, optional_course, parse_json, read_json, rel
from grader.course_families import course_families, find_family
from grader.errors import AutogradeError


def _lines(stream: Iterable[str], handle: Callable[[Any], Any]) -> None:
    """One JSON answer line per input line, in order; a bad line yields ``{"error": ...}`` and the run goes on."""
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            item = read_json(line)
            emit(handle(item))
        except AutogradeError as exc:
            emit({"error": f"line {number}: {exc}"})
        except Exception as exc:  # noqa: BLE001 - one line's trouble must not cost the lines after it
            emit({"error": f"line {number}: could not be checked ({type(exc).__name__}: {str(exc)[:200]})"})


@app.command()
def families(course: Path = CourseOption) -> None:
    """List the problem families, one line each (with the course's own, and the file each lives in)."""
    c = optional_course(course)
    found = course_families(c)
    table = Table(box=None, show_header=False, pad_edge=False)
    for name, family in found.items():
        file = getattr(family.module, "__file__", None)
        where = f" [dim]({rel(c, Path(file))})[/]" if c and file and Path(file).resolve().is_relative_to(c.root) else ""
        table.add_row(f"[bold]{name}[/]", family.summary + where)
    Console().print(table)


@app.command()
def solve(
    family: str = typer.Argument(..., help="Family name (see `autograde families`)."),
    params: str = typer.Option(..., "--params", help="Parameters as JSON, or '-' for JSON lines on stdin."),
    course: Path = CourseOption,
) -> None:
    """Print the reference answer as JSON."""
    fam = find_family(optional_course(course), family)
    if params == "-":
        _lines(sys.stdin, lambda p: fam.answer(fam.params(p)))
    else:
        emit(fam.answer(fam.params(parse_json(params, "--params"))))


@app.command()
def check(
    family: str = typer.Argument(..., help="Family name."),
    params: str = typer.Option(None, "--params", help="Parameters as JSON."),
    answer: str = typer.Option(None, "--answer", help="The answer to check, as JSON."),
    batch: str = typer.Option(None, "--batch", help="'-' to read JSON lines {\"params\": .., \"answer\": ..} from stdin."),
    sig_figs: int = typer.Option(None, "--sig-figs", min=1, max=15, help="Significant figures a real answer needs (default 3)."),
    course: Path = CourseOption,
) -> None:
    """Check an answer and print the verdict as JSON (only the parts given are graded)."""
    fam = find_family(optional_course(course), family)
    tol = Tolerance(sig_figs=sig_figs) if sig_figs else None

    def verdict(item: Any) -> dict[str, Any]:
        if not isinstance(item, dict) or "params" not in item or "answer" not in item:
            raise AutogradeError('expected an object {"params": ..., "answer": ...}')
        try:
            return check_answer(fam, item["params"], item["answer"], tolerance=tol).verdict()
        except AutogradeError:
            raise
        except Exception as exc:  # noqa: BLE001 - a bug shows as one line, never a traceback
            raise AutogradeError(f"could not be checked ({type(exc).__name__}: {str(exc)[:200]})") from None

    if batch is not None:
        if batch != "-":
            fail("--batch takes '-' (JSON lines on stdin)")
        _lines(sys.stdin, verdict)
        return
    if params is None or answer is None:
        fail("give --params and --answer, or --batch -")
    emit(verdict({"params": parse_json(params, "--params"), "answer": parse_json(answer, "--answer")}))


@app.command()
def sample(
    family: str = typer.Argument(..., help="Family name."),
    seed: int = typer.Option(0, "--seed", help="Seed for the random generator (a whole number, 0 or more)."),
    course: Path = CourseOption,
) -> None:
    """Print parameters drawn from the family's default space, as JSON."""
    if seed < 0:
        fail(f"--seed must be 0 or more, got {seed}")
    fam = find_family(optional_course(course), family)
    emit(fam.sample(np.random.default_rng(seed)).model_dump(mode="json"))
