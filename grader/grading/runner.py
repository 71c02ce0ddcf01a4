"""``autograde grade``: run the pytest harness on a course's submissions, isolated from any
pytest configuration or conftest.py that happens to sit near the submissions."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from grader.assignment import load_assignment
from grader.config import Course
from grader.grading.lock import batch_lock
from grader.grading.pool import default_workers, start_workers, stop_workers
from grader.late import deadlines
from grader.private import private_folder

__all__ = ["grade"]


_UNUSED_PLUGINS = ("skipping", "unittest", "stepwise", "faulthandler", "debugging", "setuponly", "setupplan",
                   "legacypath", "tmpdir", "monkeypatch", "recwarn", "pastebin", "nose", "assertion",
                   "unraisableexception", "threadexception")


@contextlib.contextmanager
def _without_env(*names: str):
    saved = {n: os.environ.pop(n) for n in names if n in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


def grade(course: Course, assignment: str, *, submissions: Path | None = None, workers: int | None = None,
          regrade: bool = False, executor: str = "fork", cluster: str | None = None, plugins: Sequence[object] = (),
          extra_args: Sequence[str] = (), include_after_cutoff: bool = False, accept_changes: bool = False,
          on_wait: Callable[[], None] = lambda: None) -> int:
    """Grade every latest submission (before its student's cutoff, unless ``include_after_cutoff``) and
    record it in the gradebook; returns pytest's exit code. While another batch grades the same
    assignment this waits for it (calling ``on_wait`` first), then grades what is left."""
    deadlines(course, load_assignment(course, assignment))  # configuration errors surface here, as one line, not from pytest
    course.secret()
    with batch_lock(course.config.gradebook, course.root, assignment, on_wait):
        return _grade(course, assignment, submissions=submissions, workers=workers, regrade=regrade, executor=executor,
                      cluster=cluster, plugins=plugins, extra_args=extra_args,
                      include_after_cutoff=include_after_cutoff, accept_changes=accept_changes)


def _grade(course: Course, assignment: str, *, submissions: Path | None, workers: int | None, regrade: bool,
           executor: str, cluster: str | None, plugins: Sequence[object], extra_args: Sequence[str],
           include_after_cutoff: bool, accept_changes: bool) -> int:
    if cluster or course.config.cluster:
        from grader.grading.cluster import connect

        connect(cluster or course.config.cluster).close()  # an unreachable scheduler: one line, before we start
    else:
        # local workers and their zygotes start up while pytest plans the batch
        start_workers(executor, workers or course.config.workers or default_workers())
    folder = private_folder(Path(submissions or course.folder("submitted")).resolve())
    with tempfile.TemporaryDirectory(prefix="autograde-pytest-") as tmp:
        ini = Path(tmp) / "pytest.ini"
        ini.write_text("[pytest]\n")
        args = [
            "-c", str(ini), "--rootdir", str(course.root), "--noconftest",
            "-p", "grader.harness", "-p", "no:cacheprovider", "-p", "no:python", "-p", "no:doctest",
            "-p", "no:terminal", "-p", "no:warnings", "-p", "no:logging", "--capture=no",
            # plugins a grading session has no use for cost milliseconds per item over thousands of items
            *[arg for name in _UNUSED_PLUGINS for arg in ("-p", f"no:{name}")],
            "--grader-assignment", assignment, "--grader-course", str(course.root), "--grader-record",
            "--grader-executor", executor,
            *(["--grader-workers", str(workers)] if workers else []),
            *(["--grader-regrade"] if regrade else []),
            *(["--grader-include-after-cutoff"] if include_after_cutoff else []),
            *(["--grader-accept-changes"] if accept_changes else []),
            *(["--grader-cluster", cluster] if cluster else []),
            *extra_args, str(folder),
        ]
        # PYTEST_ADDOPTS of a surrounding run (CI's JUnit report, say) must not reach this session
        try:
            with _without_env("PYTEST_ADDOPTS", "PYTEST_PLUGINS"):
                return int(pytest.main(args, plugins=list(plugins)))
        finally:
            stop_workers()  # those of a batch with nothing to run
