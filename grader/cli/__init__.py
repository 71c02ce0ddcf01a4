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

__all__ = ["COMMANDS", "app", "main", "pause_collection", "resume_collection"]

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


_OWN_PROCESS: list[bool] = []  # set by main(): the process is this command's own, not a host's (tests, a notebook)


def pause_collection() -> None:
    """Turn Python's cyclic collector off while the command's process makes objects that live until
    it exits (its imports, a batch's plan): collecting as they were made, only to find them alive,
    was 0.06-0.1 s of a 40-notebook batch and 0.8 s of a 1,000-notebook one. Only in the command's
    own process (see :func:`main`): a host's objects are left to its own collector."""
    if _OWN_PROCESS:
        gc.disable()


def resume_collection() -> None:
    """Turn the collector back on, with every object alive now frozen: no later collection walks them
    again (only what the command goes on to make is collected)."""
    if _OWN_PROCESS:
        gc.freeze()
        gc.enable()


def main() -> Any:
    """``autograde``: the command's own module, or every one for help and for what is not a command."""
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    for name, value in ONE_THREAD.items():  # before numpy is imported; the grader's arrays are small
        os.environ.setdefault(name, value)
    _OWN_PROCESS.append(True)
    pause_collection()
    try:
        app = _registered({COMMANDS[command]} if command in COMMANDS else set(COMMANDS.values()))
    finally:
        resume_collection()
    try:
        return app()
    finally:
        # The interpreter's last full collection at exit walks every object the imports made
        # (SQLAlchemy, pydantic, numpy): 0.1 s of a 1.3 s grading batch. Frozen, they are left to
        # the operating system; files and databases are closed by then, and atexit still runs.
        gc.freeze()


def __getattr__(name: str) -> Any:
    if name == "app":
        return _registered(set(COMMANDS.values()))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
