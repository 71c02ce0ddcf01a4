"""The ``autograde`` command: parse, call, print. Logic lives in the modules it calls."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from grader.answers import Tolerance
from grader.checking import check as check_answer
from grader.errors import AutogradeError
from grader.problems import families as all_families
from grader.problems import get_family

app = typer.Typer(
    name="autograde",
    help="Randomised, auto-graded exercises for deep-learning courses.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
err = Console(stderr=True)


def fail(message: str, code: int = 2) -> None:
    """Print a one-line error and exit."""
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"{what} is not valid JSON: {exc}")


def _emit(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _lines(stream: Iterable[str], handle: Callable[[Any], Any]) -> None:
    """One JSON answer line per input line, in order; a bad line yields ``{"error": ...}`` and the run goes on."""
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            _emit(handle(json.loads(line)))
        except json.JSONDecodeError as exc:
            _emit({"error": f"line {number}: not valid JSON: {exc}"})
        except AutogradeError as exc:
            _emit({"error": f"line {number}: {exc}"})


@app.command()
def families() -> None:
    """List the problem families, one line each."""
    try:
        found = all_families()
    except AutogradeError as exc:
        fail(str(exc))
    table = Table(box=None, show_header=False, pad_edge=False)
    for name, family in found.items():
        table.add_row(f"[bold]{name}[/]", family.summary)
    Console().print(table)


@app.command()
def solve(
    family: str = typer.Argument(..., help="Family name (see `autograde families`)."),
    params: str = typer.Option(..., "--params", help="Parameters as JSON, or '-' for JSON lines on stdin."),
) -> None:
    """Print the reference answer as JSON."""
    try:
        fam = get_family(family)
        if params == "-":
            _lines(sys.stdin, lambda p: fam.answer(fam.params(p)))
        else:
            _emit(fam.answer(fam.params(_json(params, "--params"))))
    except AutogradeError as exc:
        fail(str(exc))


@app.command()
def check(
    family: str = typer.Argument(..., help="Family name."),
    params: str = typer.Option(None, "--params", help="Parameters as JSON."),
    answer: str = typer.Option(None, "--answer", help="The answer to check, as JSON."),
    batch: str = typer.Option(None, "--batch", help="'-' to read JSON lines {\"params\": .., \"answer\": ..} from stdin."),
    sig_figs: int = typer.Option(None, "--sig-figs", min=1, max=15, help="Significant figures a real answer needs (default 3)."),
) -> None:
    """Check an answer and print the verdict as JSON (only the parts given are graded)."""
    try:
        fam = get_family(family)
        tol = Tolerance(sig_figs=sig_figs) if sig_figs else None

        def verdict(item: Any) -> dict[str, Any]:
            if not isinstance(item, dict) or "params" not in item or "answer" not in item:
                raise AutogradeError('expected an object {"params": ..., "answer": ...}')
            return check_answer(fam, item["params"], item["answer"], tolerance=tol).verdict()

        if batch is not None:
            if batch != "-":
                fail("--batch takes '-' (JSON lines on stdin)")
            _lines(sys.stdin, verdict)
            return
        if params is None or answer is None:
            fail("give --params and --answer, or --batch -")
        _emit(verdict({"params": _json(params, "--params"), "answer": _json(answer, "--answer")}))
    except AutogradeError as exc:
        fail(str(exc))


@app.command()
def sample(
    family: str = typer.Argument(..., help="Family name."),
    seed: int = typer.Option(0, "--seed", help="Seed for the random generator."),
) -> None:
    """Print parameters drawn from the family's default space, as JSON."""
    try:
        fam = get_family(family)
        _emit(fam.sample(np.random.default_rng(seed)).model_dump(mode="json"))
    except AutogradeError as exc:
        fail(str(exc))


def main() -> None:  # pragma: no cover - console-script entry
    app()
