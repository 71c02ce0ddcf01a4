"""The ``autograde`` command: parse, call, print. Logic lives in the modules each command calls."""

from __future__ import annotations

from grader.cli import collect, course, data, grading, lti, problems, report, results, web  # noqa: F401  - registers the commands
from grader.cli.common import app

__all__ = ["app"]
