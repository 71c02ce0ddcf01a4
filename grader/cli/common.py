"""What every command shares: the Typer app, one-line errors, JSON output, course lookup."""

from __future__ import annotations

import functools
import gc
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from grader.errors import AutogradeError

if TYPE_CHECKING:
    from grader.config import Course

Command = TypeVar("Command", bound=Callable[..., Any])


class App(typer.Typer):
    """Typer whose every command reports an :class:`AutogradeError` as one line, exit code 2."""

    def command(self, *args: Any, **kwargs: Any) -> Callable[[Command], Command]:
        register = super().command(*args, **kwargs)
        return lambda function: register(one_line_errors(function))


def one_line_errors(function: Command) -> Command:
    """``function`` with what it raises on purpose (an :class:`AutogradeError`) printed by :func:`fail`."""
    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except AutogradeError as exc:
            fail(str(exc))
        finally:
            if not gc.isenabled():  # a command that paused the collector (grade) and stopped early
                gc.enable()
    return run  # type: ignore[return-value]


app = App(
    name="autograde",
    help="Randomised, auto-graded exercises for deep-learning courses.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def _commands() -> None:
    """Always a group of commands, even when the console script registered only the one it runs
    (grader.cli.main): a lone command would otherwise take the command's name for its first argument."""


err = Console(stderr=True)
out = Console()

CourseOption = typer.Option(None, "--course", help="Course folder (default: the nearest folder with autograde.toml).")


def fail(message: str, code: int = 2) -> NoReturn:
    """Print a one-line error and exit."""
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)  # a message naming [a.table] stays whole
    raise typer.Exit(code)


def read_json(text: str) -> Any:
    """Parse JSON text; ``AutogradeError`` with a one-line reason when it cannot be read.

    Beyond bad syntax, valid JSON can still be unreadable here: an integer of more than Python's
    4,300 digits, or lists nested past the parser's recursion limit.
    """
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise AutogradeError(f"not valid JSON: {exc}") from None
    except RecursionError:
        raise AutogradeError("the JSON is nested too deeply to be read") from None
    except ValueError as exc:  # the limit on digits in an integer
        raise AutogradeError(f"the JSON cannot be read: {str(exc).split(';')[0]}") from None


def parse_json(text: str, what: str) -> Any:
    try:
        return read_json(text)
    except AutogradeError as exc:
        fail(f"{what} is {exc}" if str(exc).startswith("not valid JSON") else f"{what}: {exc}")


def emit(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def course_at(path: Path | None) -> Course:
    from grader.config import load_course  # pydantic, numpy: not for a command that needs no course

    return load_course(path)


def optional_course(path: Path | None) -> Course | None:
    """The course at ``path``, else the one around the current folder if there is one: the commands
    that take it (validate, the family commands) also work without a course."""
    try:
        return course_at(path)
    except AutogradeError:
        if path is not None:
            raise
        return None


def score_text(value: float) -> str:
    """Points for people: at most 2 decimals, no trailing zeros (13.33, 5, 0.5)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def rel(course: Course, path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(course.root))
    except ValueError:
        return str(path)
