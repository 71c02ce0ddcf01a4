"""The grading harness: a pytest plugin (``pytest -p grader.harness --grader-assignment NAME DIR``).

It does nothing unless ``--grader-assignment`` is given. Then every latest submission under the
given folder becomes a collected node with one item per graded part (so ``-k q3`` and any order
work, and ``--junitxml`` gives JUnit XML); points travel on each item's ``user_properties``, and
a failing item's text is the student's feedback.

A thin plugin over :func:`grader.grading.runner.grade_batch`: collection only plans (nothing is
written); pytest's own loop runs the items, so ``-x``, ``--maxfail`` and ``-k`` work as anywhere.
The selected submissions run in parallel, once each, as the loop starts; an item waits for its
submission's result, and with ``--grader-record`` each result is committed as it finishes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.config import load_course
from grader.errors import AutogradeError
from grader.gradebook import Gradebook
from grader.grading.batch import Batch
from grader.grading.runner import grade_batch
from grader.harness import hooks
from grader.harness.nodes import ASSIGNMENT_KEY, RESULTS_KEY, PartItem, Results, SubmissionNode
from grader.sandbox.executors import EXECUTORS, ExecutorName, describe

BATCH_KEY = pytest.StashKey[Batch]()
PLANNED_KEY = pytest.StashKey[dict]()


def pytest_addhooks(pluginmanager) -> None:
    pluginmanager.add_hookspecs(hooks)


def pytest_addoption(parser) -> None:
    group = parser.getgroup("grader", "autograde grading harness")
    group.addoption("--grader-assignment", help="Grade this assignment (turns the harness on).")
    group.addoption("--grader-course", type=Path, help="Course folder (default: the nearest one with autograde.toml).")
    group.addoption("--grader-workers", type=int, default=0, help="Parallel runs (default: the machine's cores).")
    group.addoption("--grader-executor", choices=[name.value for name in EXECUTORS], default=ExecutorName.FORK.value,
                    help=describe())
    group.addoption("--grader-record", action="store_true", help="Commit results to the course gradebook.")
    group.addoption("--grader-cluster", help="Run submissions on this Dask scheduler (tcp://host:8786).")
    group.addoption("--grader-regrade", action="store_true", help="Grade again submissions already in the gradebook.")
    group.addoption("--grader-include-after-cutoff", action="store_true",
                    help="Grade a student's latest submission even when it came after their cutoff.")
    group.addoption("--grader-accept-changes", action="store_true",
                    help="Grade even where a problem's parameters changed since the students' notebooks were released.")


def pytest_configure(config) -> None:
    name = config.getoption("grader_assignment")
    if not name:
        return
    try:
        course = load_course(config.getoption("grader_course"))
        gradebook = Gradebook(course.config.gradebook, course.root) if config.getoption("grader_record") else None
        batch = Batch.open(course, name, executor=ExecutorName(config.getoption("grader_executor")),
                           regrade=config.getoption("grader_regrade"), gradebook=gradebook,
                           include_after_cutoff=config.getoption("grader_include_after_cutoff"),
                           accept_changes=config.getoption("grader_accept_changes"),
                           workers=config.getoption("grader_workers") or None, cluster=config.getoption("grader_cluster"))
    except AutogradeError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[BATCH_KEY] = batch
    config.stash[ASSIGNMENT_KEY] = batch.assignment


def _batch(config) -> Batch | None:
    return config.stash.get(BATCH_KEY, None)


def pytest_collection(session) -> None:
    """Plan the batch (read only: what to grade, and what is already graded)."""
    batch = _batch(session.config)
    if batch is None:
        return
    roots = [Path(a.split("::")[0]) for a in session.config.args] or [batch.course.folder("submitted")]
    batch.submitted = roots[0].resolve()
    try:
        batch.plan()
    except AutogradeError as exc:
        raise pytest.UsageError(str(exc)) from None
    session.config.stash[PLANNED_KEY] = {str(p.found.path.resolve()): p for p in batch.planned}


def pytest_collect_file(file_path: Path, parent):
    batch = _batch(parent.config)
    if batch is None or file_path.suffix != ".ipynb":
        return None
    planned = parent.config.stash.get(PLANNED_KEY, {}).get(str(file_path.resolve()))
    if planned is None:
        return None
    node = SubmissionNode.from_parent(parent, path=file_path)
    node.setup_planned(planned)
    return node


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session):
    """Start the selected submissions' runs, then let pytest's own loop run their items."""
    batch = _batch(session.config)
    collection_failed = session.testsfailed and not session.config.option.continue_on_collection_errors
    if batch is None or session.config.option.collectonly or collection_failed:
        return (yield)
    nodes = list(dict.fromkeys(item.parent for item in session.items if isinstance(item, PartItem)))
    results = Results(grade_batch(batch, [node.planned for node in nodes]), session, batch, len(nodes))
    session.config.stash[RESULTS_KEY] = results
    session.config.hook.pytest_grader_batch_started(batch=batch, total=len(nodes))
    try:
        return (yield)
    finally:
        results.close()  # after -x or --maxfail: runs not finished are stopped, and stay unrecorded


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Submissions left out because a family's own code raised: the one place a pytest run says so."""
    batch = _batch(config)
    for _, reason in batch.broken if batch is not None else ():
        terminalreporter.write_line(f"not graded (fix the family, then run again): {reason}", red=True)


def pytest_unconfigure(config) -> None:
    batch = _batch(config)
    if batch is not None and batch.gradebook is not None:
        batch.gradebook.close()
