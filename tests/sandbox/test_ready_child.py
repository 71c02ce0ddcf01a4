"""A pool worker's warm-up gets a child ready for the batch's runs: its first notebook starts in it."""

from __future__ import annotations

import nbformat

from grader.grading.execute import run_sandbox
from grader.notebook.slots import collector_source, parse_collected
from grader.sandbox.forked import ForkExecutor
from grader.sandbox.job import COLLECTOR_CELL_PREFIX, Limits, RunJob, Sandbox

MARKER = "@@autograde:ready@@"


class Counting(ForkExecutor):
    """Counts the children forked and set up (one per run, plus the one kept ready for the next)."""

    prepared = 0

    def _prepare(self, limits, sandbox):
        self.prepared += 1
        return super()._prepare(limits, sandbox)


def _job(limits: Limits, sandbox: Sandbox) -> RunJob:
    cells = [nbformat.v4.new_code_cell("x = 6 * 7", id="a"),
             nbformat.v4.new_code_cell(collector_source(["x"], MARKER), id=f"{COLLECTOR_CELL_PREFIX}-final")]
    return RunJob(nbformat.v4.new_notebook(cells=cells), MARKER, limits, "ready", sandbox)


def test_the_first_run_after_prepare_starts_in_the_child_prepared_for_it():
    limits, sandbox = Limits(cell_seconds=20, notebook_seconds=60), run_sandbox(Sandbox())
    executor = Counting()
    try:
        executor.warm_up()
        executor.prepare(limits, sandbox)
        assert executor.prepared == 1
        result = executor.run(_job(limits, sandbox))
        assert result.status == "ok", result.reason
        assert parse_collected(result.collected[-1], MARKER) == {"x": 42}
        assert executor.prepared == 2  # the run took the ready child; only the next one was prepared

        other = Limits(cell_seconds=20, notebook_seconds=30)  # a child set up for other limits is not used
        assert executor.run(_job(other, sandbox)).status == "ok"
        assert executor.prepared == 4
    finally:
        executor.close()
