"""The one place the service calls grading: an adapter over today's public entry point.

Today that entry point is the ``autograde grade`` command itself, run as a child process, so an
upload is graded by exactly the code path of a batch (same plan, sandbox, harness and gradebook
writes, the batch skipping what the gradebook already holds) and the server's own process never
forks kernels from a thread. Once grading is an iterator of results, this module calls it instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

from grader.config import Course

__all__ = ["GradeAssignment", "grade_assignment"]

GradeAssignment = Callable[[Course, str], str]
"""Grade an assignment's ungraded latest submissions; returns what went wrong ("" when nothing did)."""


def grade_assignment(course: Course, assignment: str) -> str:
    secret, _ = course.secret()  # it may have come from the environment, which load_secret emptied
    env = {**os.environ, "AUTOGRADE_SECRET": secret.decode()}
    done = subprocess.run([sys.executable, "-m", "grader", "grade", assignment, "--course", str(course.root)],
                          env=env, capture_output=True, text=True, check=False)
    if done.returncode in (0, 1):  # 1: some submission's family raised; its row says so
        return ""
    lines = [line for line in (done.stderr or done.stdout).splitlines() if line.strip()]
    return lines[-1][:300] if lines else f"grading stopped (exit code {done.returncode})"
