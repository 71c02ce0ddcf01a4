"""The grading harness: a pytest plugin (``pytest -p grader.harness --grader-assignment NAME DIR``).

It does nothing unless ``--grader-assignment`` is given. Then every latest submission under the
given folder becomes a collected node with one item per graded part (so ``-k q3`` and any order
work, and ``--junitxml`` gives JUnit XML); points travel on each item's ``user_properties``, and
a failing item's text is the student's feedback. Submissions run in parallel, once each; a
submission's items run, and with ``--grader-record`` its results are committed to the gradebook,
as soon as it finishes. The logic lives in :mod:`grader.grading`, callable without pytest.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.config import load_course
from grader.errors import AutogradeError
from grader.gradebook import Gradebook
from grader.grading.batch import Batch
from grader.grading.pool import default_workers, run_jobs
from grader.harness import hooks
from grader.sandbox.executors import EXECUTORS, ExecutorName
from grader.harness.nodes import ASSIGNMENT_KEY, PartItem, SubmissionNode

BATCH_KEY = pytest.StashKey[Batch]()


def pytest_addhooks(pluginmanager) -> None:
    pluginmanager.add_hookspecs(hooks)


def pytest_addoption(parser) -> None:
    group = parser.getgroup("grader", "autograde grading harness")
    group.addoption("--grader-assignment", help="Grade this assignment (turns the harness on).")
    group.addoption("--grader-course", type=Path, help="Course folder (default: the nearest one with autograde.toml).")
    group.addoption("--grader-workers", type=int, default=0, help="Parallel runs (default: the machine's cores).")
    group.addoption("--grader-executor", choices=[name.value for name in EXECUTORS], default=ExecutorName.FORK.value,
                    help="; ".join(f"{name.value}: {entry.help}" for name, entry in EXECUTORS.items()))
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
        batch = Batch.open(course, name, executor=config.getoption("grader_executor"),
                           regrade=config.getoption("grader_regrade"), gradebook=gradebook,
                           include_after_cutoff=config.getoption("grader_include_after_cutoff"),
                           accept_changes=config.getoption("grader_accept_changes"))
    except AutogradeError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[BATCH_KEY] = batch
    config.stash[ASSIGNMENT_KEY] = batch.assignment


def _batch(config) -> Batch | None:
    return config.stash.get(BATCH_KEY, None)


def pytest_collection(session) -> None:
    batch = _batch(session.config)
    if batch is None:
        return
    roots = [Path(a.split("::")[0]) for a in session.config.args] or [batch.course.folder("submitted")]
    batch.submitted = roots[0].resolve()
    try:
        batch.plan()
    except AutogradeError as exc:
        raise pytest.UsageError(str(exc)) from None
    batch.record_plan()
    session.config.stash[PLANNED_KEY] = {str(p.found.path.resolve()): p for p in batch.planned}


PLANNED_KEY = pytest.StashKey[dict]()


def pytest_collect_file(file_path: Path, parent):
    batch = _batch(parent.config)
    if batch is None or file_path.suffix != ".ipynb":
        return None
    planned = parent.config.stash.get(PLANNED_KEY, {}).get(str(file_path.resolve()))
    if planned is None:
        return None
    node = SubmissionNode.from_parent(parent, path=file_path)
    node.setup_planned(planned, batch.policy)
    return node


def pytest_runtestloop(session):
    batch = _batch(session.config)
    if batch is None:
        return None
    if session.testsfailed and not session.config.option.continue_on_collection_errors:
        raise session.Interrupted(f"{session.testsfailed} error(s) during collection")
    if session.config.option.collectonly:
        return True
    nodes = list(dict.fromkeys(item.parent for item in session.items if isinstance(item, PartItem)))
    items = {node: [i for i in session.items if i.parent is node] for node in nodes}
    hook = session.config.hook
    hook.pytest_grader_batch_started(batch=batch, total=len(nodes))
    jobs = [n.planned.job for n in nodes]
    cluster = session.config.getoption("grader_cluster") or batch.course.config.cluster
    if cluster:
        from grader.grading.cluster import run_jobs_on_cluster

        outcomes = _stop_on_error(run_jobs_on_cluster(jobs, cluster), session)
    else:
        workers = session.config.getoption("grader_workers") or batch.course.config.workers or default_workers()
        outcomes = run_jobs(jobs, workers)
    done = 0
    for index, outcome in outcomes:
        node = nodes[index]
        node.outcome = outcome
        group = items[node]
        for item, following in zip(group, group[1:] + [None]):
            # the next item of the same submission keeps its parents set up between items
            item.ihook.pytest_runtest_protocol(item=item, nextitem=following)
        rows = [item.row for item in items[node] if item.row is not None]
        batch.record(node.planned, outcome, rows)
        done += 1
        hook.pytest_grader_submission_done(batch=batch, planned=node.planned, outcome=outcome, rows=rows,
                                           done=done, total=len(nodes))
    return True


def _stop_on_error(outcomes, session):
    """A lost cluster ends the batch as an interruption: what was recorded stays, a rerun grades the rest."""
    try:
        yield from outcomes
    except AutogradeError as exc:
        raise session.Interrupted(str(exc)) from None


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Submissions left out because a family's own code raised: the one place a pytest run says so."""
    batch = _batch(config)
    for _, reason in batch.broken if batch is not None else ():
        terminalreporter.write_line(f"not graded (fix the family, then run again): {reason}", red=True)


def pytest_unconfigure(config) -> None:
    batch = _batch(config)
    if batch is not None and batch.gradebook is not None:
        batch.gradebook.close()
