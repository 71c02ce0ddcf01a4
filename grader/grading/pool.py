"""Run many submissions in parallel and hand back each outcome as soon as it is ready.

Local workers are processes (forkserver: the batch's own threads, such as a progress bar, are
never forked). A worker that dies takes only its own submission with it: that submission is
rerun alone in a fresh worker, then recorded as failed.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import forkserver
from typing import TYPE_CHECKING

from grader.outcomes import RunStatus
from grader.sandbox.executors import EXECUTORS, ExecutorName
from grader.sandbox.executors import executor as live_executor

if TYPE_CHECKING:  # imported by the workers' process server, and by run_jobs: not to start the server
    from grader.grading.execute import ExecutionOutcome, SubmissionJob

__all__ = ["default_workers", "run_jobs", "start_server", "start_workers", "stop_workers"]


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def _context(executor: ExecutorName):
    ctx = multiprocessing.get_context("forkserver")
    # what every worker imports, once, in the server they are forked from (the first batch of a
    # process decides: the server outlives it); the kernel route's imports (zmq, nbclient) are heavy
    ctx.set_forkserver_preload(["grader.grading.execute", EXECUTORS[executor].module])
    return ctx


def start_server(executor: ExecutorName) -> None:
    """Start the process server the workers are forked from, now, without waiting for its imports:
    the first thing a batch does, so they overlap the caller's own imports and planning."""
    _context(ExecutorName(executor))
    forkserver.ensure_running()


def _warm(executor: ExecutorName, parent: int) -> None:
    threading.Thread(target=_exit_with, args=(parent,), daemon=True, name="autograde-parent-watch").start()
    live_executor(executor)  # its zygote, say, starts now rather than with the first job


def _exit_with(parent: int) -> None:
    """A worker outlives a crashed batch otherwise (a kill -9 of autograde, say): leave with it."""
    while True:
        time.sleep(1.0)
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            os._exit(0)


def _new_pool(executor: ExecutorName, workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=_context(executor), initializer=_warm, initargs=(executor, os.getpid()))


_STARTED: dict[ExecutorName, tuple[ProcessPoolExecutor, threading.Thread]] = {}


def start_workers(executor: ExecutorName, workers: int) -> None:
    """Start a batch's workers (and their zygotes) now, in the background, while the caller plans
    the batch: the next :func:`run_jobs` for ``executor`` takes them over. The first worker waits
    for the process server to import the grader (about 0.8 s): the caller does not.
    :func:`stop_workers` ends unused ones."""
    stop_workers()
    pool = _new_pool(executor, workers)
    # each task still waiting when the next is submitted starts one more worker
    starting = threading.Thread(target=lambda: [pool.submit(int) for _ in range(workers)], daemon=True,
                                name="autograde-start-workers")
    starting.start()
    _STARTED[executor] = (pool, starting)


def _take_started(executor: ExecutorName) -> ProcessPoolExecutor | None:
    pool, starting = _STARTED.pop(executor, (None, None))
    if starting is not None:
        starting.join()
    return pool


def stop_workers() -> None:
    for pool, starting in _STARTED.values():
        starting.join()
        pool.shutdown(wait=False, cancel_futures=True)
    _STARTED.clear()


def run_jobs(jobs: Sequence[SubmissionJob], workers: int,
             task: Callable[[SubmissionJob], ExecutionOutcome] | None = None) -> Iterator[tuple[int, ExecutionOutcome]]:
    """Yield ``(index, outcome)`` for every job, in completion order.

    Twice as many jobs as workers are in flight, so a worker never waits for the batch to record
    the last outcome. When a worker dies, the jobs in flight are suspects: each reruns alone in a
    fresh worker once the others are done, and only one that kills that worker too is failed.
    """
    from grader.grading.execute import ExecutionOutcome, execute_submission

    task = task or execute_submission
    executor = ExecutorName(jobs[0].executor) if jobs else ExecutorName.KERNEL
    suspects: list[int] = []
    pending = list(range(len(jobs)))
    pool = _take_started(executor)
    try:
        while pending:
            pool = pool or _new_pool(executor, max(1, min(workers, len(pending))))
            with pool:
                pending = yield from _cancelling(pool, _run(pool, task, jobs, pending, 2 * workers, suspects))
            pool = None
        for i in suspects:
            again: list[int] = []
            with _new_pool(executor, 1) as alone:
                yield from _cancelling(alone, _run(alone, task, jobs, [i], 1, again))
                if again:
                    yield i, ExecutionOutcome(key=jobs[i].key, status=RunStatus.FAILED,
                                              reason="the grading worker died while running this submission, twice (once alone)")
    finally:
        stop_workers()


def _cancelling(pool: ProcessPoolExecutor, runs: Generator[tuple[int, ExecutionOutcome], None, list[int]]):
    """``runs``; when the caller stops early (closes the iterator, Ctrl-C), the jobs not yet started
    are cancelled rather than run for nobody (the pool's exit still waits for those running)."""
    try:
        return (yield from runs)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise


def _run(pool: ProcessPoolExecutor, task: Callable, jobs: Sequence[SubmissionJob], queue: list[int], depth: int,
         suspects: list[int]) -> Iterator[tuple[int, ExecutionOutcome]]:
    """Run ``queue`` in ``pool``; on a broken pool, add the jobs in flight to ``suspects`` and
    return the ones not yet started."""
    futures: dict[Future, int] = {}
    queue = list(queue)
    while queue or futures:
        while queue and len(futures) < depth:
            i = queue.pop(0)
            futures[pool.submit(task, jobs[i])] = i
        done, _ = wait(futures, return_when=FIRST_COMPLETED)
        broken = False
        for fut in done:
            i = futures.pop(fut)
            try:
                yield i, fut.result()
            except BrokenProcessPool:
                suspects.append(i)
                broken = True
            except Exception as exc:  # noqa: BLE001 - a bug in one run must not end the batch
                from grader.grading.execute import ExecutionOutcome

                yield i, ExecutionOutcome(key=jobs[i].key, status=RunStatus.FAILED, reason=f"grader error: {type(exc).__name__}: {exc}"[:500])
        if broken:
            suspects.extend(futures.values())
            return queue
    return []
