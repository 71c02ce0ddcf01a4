"""The ``autograde`` command: parse, call, print. Logic lives in the modules each command calls.

The console script (:func:`main`) imports only the module of the command it runs: every command's
dependencies together took about 0.6 s, before ``grade`` could even start its workers. ``app``,
imported from here, has every command registered (the tests' ``CliRunner`` and ``--help``).
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
from typing import TYPE_CHECKING, Any

from grader.sandbox import ONE_THREAD

if TYPE_CHECKING:
    from grader.cli.common import App

__all__ = ["COMMANDS", "app", "main"]

# command (or group) -> the module of grader.cli that registers it (a test checks this against the app)
COMMANDS = {
    "collect": "collect", "generate": "course", "variants": "course", "validate": "course", "submit": "course",
    "grade": "grading", "families": "problems", "solve": "problems", "check": "problems", "sample": "problems",
    "report": "report", "integrity": "report", "feedback": "results", "export": "results", "manual": "results",
    "changes": "results", "serve": "web", "tokens": "web", "staff": "web", "lti": "lti", "backup": "data",
    "student": "data",
}


def _registered(modules: set[str]) -> App:
    for module in sorted(modules):
        importlib.import_module(f"grader.cli.{module}")
    from grader.cli.common import app

    return app


def main() -> Any:
    """``autograde``: the command's own module, or every one for help and for what is not a command."""
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    for name, value in ONE_THREAD.items():  # before numpy is imported; the grader's arrays are small
        os.environ.setdefault(name, value)
    try:
        return _registered({COMMANDS[command]} if command in COMMANDS else set(COMMANDS.values()))()
    finally:
        # The interpreter's last full collection at exit walks every object the imports made
        # (SQLAlchemy, pydantic, numpy): 0.1 s of a 1.3 s grading batch. Frozen, they are left to
        # the operating system; files and databases are closed by then, and atexit still runs.
        gc.freeze()


def __getattr__(name: str) -> Any:
    if name == "app":
        return _registered(set(COMMANDS.values()))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
