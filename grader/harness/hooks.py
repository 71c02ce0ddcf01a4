"""Hooks the harness calls, for a progress display or anything else that follows a batch."""

from __future__ import annotations


def pytest_grader_batch_started(batch, total: int) -> None:
    """The batch is planned: ``total`` submissions will be run."""


def pytest_grader_submission_done(batch, planned, outcome, rows, done: int, total: int) -> None:
    """One submission was run, scored and recorded."""
