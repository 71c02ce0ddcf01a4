"""Run many submissions in parallel and hand back each outcome as soon as it is ready.

Local workers are processes. The grade command forks them from itself before it opens the
gradebook or starts a thread (they share what it imported); otherwise they come from a process
server (forkserver: a thread, such as a progress bar's, is never forked). A worker that dies takes
only its own submission with it: that submission is rerun alone in a fresh worker, then recorded
as failed.
"""

from __future__ import annotations

import gc
import importlib
import multiprocessing
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import forkserver
from typing import TYPE_CHECKING

from grader.grading.hide import sandbox_for
from grader.limits import Limits
from grader.outcomes import RunStatus
from grader.sandbox.executors import EXECUTORS, ExecutorName, live_executors
from grader.sandbox.executors import executor as live_executor
from grader.sandbox.job import Sandbox

if TYPE_CHECKING:  # imported by the workers' process server, and by run_jobs: not to start the server
    from grader.grading.jobs import ExecutionOutcome, SubmissionJob
    from grader.sandbox.zygote import Zygote

__all__ = ["default_workers", "run_early", "run_jobs", "start_server", "start_workers", "stop_workers", "workers_started"]


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def _preload(executor: ExecutorName) -> list[str]:
    """What every worker imports (the kernel route's imports, zmq and nbclient, are heavy; the fork
    route's runs need no nbformat, a worker's slowest import)."""
    return ["grader.grading.execute", "grader.grading.pool", EXECUTORS[executor].module]


def _context(executor: ExecutorName):
    ctx = multiprocessing.get_context("forkserver")
    # imported once, in the server the workers are forked from (the first batch of a process
    # decides: the server outlives it)
    ctx.set_forkserver_preload(_preload(executor))
    return ctx


def _can_fork() -> bool:
    """Whether workers may be forked from this process itself: only while it has no other thread (a
    thread's lock held at the fork stays held in the child for ever) and runs no submission itself
    (a live executor's ready child, uid lock and zygote socket would be the workers' too)."""
    return (threading.active_count() == 1 and not live_executors()
            and "fork" in multiprocessing.get_all_start_methods())


def start_server(executor: ExecutorName, *, fork_workers: bool = False) -> None:
    """Start, now, without waiting for them: the one zygote every worker of the fork executor
    forks its runs from (it imports numpy and IPython), and, unless the workers will be forked from
    this process (``fork_workers``, see :func:`start_workers`), the process server they are forked
    from (it imports the grader). The first thing a batch does, so that both start up on the other
    core while the caller imports, opens the gradebook and plans."""
    executor = ExecutorName(executor)
    if not (fork_workers and _can_fork()):
        _context(executor)
        forkserver.ensure_running()
    if executor is ExecutorName.FORK and (_ZYGOTE is None or not _ZYGOTE.alive()):
        _start_zygote()


def _start_zygote() -> None:
    from grader.sandbox.zygote import Zygote

    global _ZYGOTE
    _ZYGOTE = Zygote()


_ZYGOTE: Zygote | None = None  # the fork executor's zygote this process started for its workers (start_server)


def _warm(executor: ExecutorName, parent: int, zygote: tuple[socket.socket, int] | None,
          ready_for: tuple[Limits, Sandbox] | None) -> None:
    gc.enable()  # forked from a grade command that paused its collector while it plans: a worker runs many jobs
    threading.Thread(target=_exit_with, args=(parent,), daemon=True, name="autograde-parent-watch").start()
    # a terminal's Ctrl-C reaches the whole process group: the batch's process decides what stops
    # (it cancels what has not started); a run in flight still ends with its teardown, and an idle
    # worker printed no traceback
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.nice(5)  # the batch's own process plans and records first: on 1,000 students its first result came 0.7 s sooner
    for module in _preload(executor):  # a worker forked from the batch's process imports them itself, beside it
        importlib.import_module(module)  # (in that process, 0.05 s more before its first result)
    if zygote is not None:
        from grader.sandbox.forked import share_zygote

        share_zygote(*zygote)
    live_executor(executor)  # its zygote, say, starts now rather than with the first job
    if ready_for is not None:  # the batch's first run starts in a ready child, as every later one does
        from grader.grading.execute import prepare_runs

        prepare_runs(executor, *ready_for)
    else:
        sandbox_for(None)  # what every run hides of this machine: looked for once a minute, now rather than in the first run


def _exit_with(parent: int) -> None:
    """A worker outlives a crashed batch otherwise (a kill -9 of autograde, say): leave with it."""
    while True:
        time.sleep(1.0)
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            os._exit(0)


def _new_pool(executor: ExecutorName, workers: int, ready_for: tuple[Limits, Sandbox] | None = None,
              *, fork: bool = False) -> ProcessPoolExecutor:
    shared = (_ZYGOTE.door, _ZYGOTE.pid) if executor is ExecutorName.FORK and _ZYGOTE is not None and _ZYGOTE.alive() else None
    context = multiprocessing.get_context("fork") if fork else _context(executor)
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_warm,
                               initargs=(executor, os.getpid(), shared, ready_for))


@dataclass
class _Started:
    """Workers started ahead of a batch's runs, and the runs started while it was still planned."""

    pool: ProcessPoolExecutor
    starting: threading.Thread | None  # submits the tasks that start the workers (forkserver), if any
    workers: int
    early: dict[Future, int] = field(default_factory=dict)  # a run -> its job's place in the batch
    going: set[Future] = field(default_factory=set)  # of those, the ones not done yet


_STARTED: dict[ExecutorName, _Started] = {}


def start_workers(executor: ExecutorName, workers: int, ready_for: tuple[Limits, Sandbox] | None = None,
                  *, fork: bool = False) -> None:
    """Start a batch's workers now, while the caller plans the batch: the next :func:`run_jobs` for
    ``executor`` takes them over. Each gets a run with the batch's limits and folders (``ready_for``)
    ready as it starts. :func:`stop_workers` ends unused ones.

    With ``fork`` (the caller holds no lock or database connection a child must not share: a copy
    of a descriptor holds an ``flock``), and while this process has no other thread and runs no
    submission itself, the workers are forked from it, now: they share what it imported (a process
    server importing the grader again cost 0.3 s of a 40-notebook batch's 2.2 s of CPU). Otherwise
    they come from the process server, started in the background."""
    stop_workers()
    fork = fork and _can_fork()
    pool = _new_pool(executor, workers, ready_for, fork=fork)
    starting = None
    if fork:
        frozen = gc.get_freeze_count()
        gc.freeze()  # the workers' collections leave this process's objects (and their pages) alone
        try:
            pool.submit(int)  # a forking pool starts every worker at its first task, in this thread
        finally:
            if not frozen:  # what the caller froze (the command's imports) stays frozen
                gc.unfreeze()
    else:
        # each task still waiting when the next is submitted starts one more worker
        starting = threading.Thread(target=lambda: [pool.submit(int) for _ in range(workers)], daemon=True,
                                    name="autograde-start-workers")
        starting.start()
    _STARTED[executor] = _Started(pool, starting, workers)


def workers_started(executor: ExecutorName) -> bool:
    return ExecutorName(executor) in _STARTED


def run_early(executor: ExecutorName, index: int, job: SubmissionJob) -> None:
    """Start ``job``, the ``index``-th of the batch being planned, in the workers :func:`start_workers`
    started, if fewer than two a worker are going: the workers run while the rest of the batch is
    planned (most of the time to a first result was the grading process's own, and planning 1,000
    students takes seconds). The next :func:`run_jobs` of the whole batch takes them over, and
    starts the jobs not started here; nothing is recorded before it does."""
    started = _STARTED.get(ExecutorName(executor))
    if started is not None and len(started.going) < 2 * started.workers:
        future = started.pool.submit(_execute, job)
        started.early[future] = index
        started.going.add(future)
        future.add_done_callback(started.going.discard)


def _execute(job: SubmissionJob) -> ExecutionOutcome:
    """``execute_submission`` in a worker, where it is preloaded: the grading process never imports
    what a run needs (the executors, the literal reader) to send it a job."""
    from grader.grading.execute import execute_submission

    return execute_submission(job)


def _take_started(executor: ExecutorName) -> _Started | None:
    started = _STARTED.pop(executor, None)
    if started is not None and started.starting is not None:
        started.starting.join()
    return started


def stop_workers() -> None:
    for started in _STARTED.values():
        if started.starting is not None:
            started.starting.join()
        started.pool.shutdown(wait=False, cancel_futures=True)
    _STARTED.clear()


def run_jobs(jobs: Sequence[SubmissionJob], workers: int, task: Callable[[SubmissionJob], ExecutionOutcome] | None = None,
             *, take_early: bool = True) -> Iterator[tuple[int, ExecutionOutcome]]:
    """Yield ``(index, outcome)`` for every job, in completion order.

    Twice as many jobs as workers are in flight, so a worker never waits for the batch to record
    the last outcome. When a worker dies, the jobs in flight are suspects: each reruns alone in a
    fresh worker once the others are done, and only one that kills that worker too is failed.
    With ``take_early`` (``jobs`` is the whole batch :func:`run_early` was given), the runs it
    started count as started here.
    """
    from grader.grading.jobs import ExecutionOutcome

    executor = ExecutorName(jobs[0].executor) if jobs else ExecutorName.KERNEL
    started = _take_started(executor)
    pool = started.pool if started is not None else None
    early = started.early if started is not None and take_early and task is None else {}
    if started is not None and not early:
        for fut in started.early:
            fut.cancel()  # another batch's jobs (or a subset's): run again below, as asked
    task = task or _execute
    suspects: list[int] = []
    pending = [i for i in range(len(jobs)) if i not in set(early.values())]
    try:
        while pending or early:
            pool = pool or _new_pool(executor, max(1, min(workers, len(pending))))
            last = False
            try:
                pending = yield from _cancelling(pool, _run(pool, task, jobs, pending, 2 * workers, suspects, early))
                last = not pending and not suspects
            finally:
                # the last pool's workers leave while the caller records and reports (the interpreter waits
                # for them at its exit); after a worker died, or when stopped early, they are waited for
                pool.shutdown(wait=not last)
            pool, early = None, {}
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
         suspects: list[int], started: dict[Future, int] | None = None) -> Iterator[tuple[int, ExecutionOutcome]]:
    """Run ``queue`` in ``pool`` (besides the runs ``started`` already); on a broken pool, add the
    jobs in flight to ``suspects`` and return the ones not yet started. A finished run's place goes
    to the next job before its outcome is handed over: while the caller records the hundreds of
    runs done while a batch was planned, the workers go on (they waited a second for it at 1,000)."""
    futures: dict[Future, int] = dict(started or {})
    queue = list(queue)
    broken = False
    going = sum(not f.done() for f in futures)  # runs done but not yet handed over take no worker

    def fill() -> bool:
        # ``going`` is counted at each wait, not here: counting it for each outcome handed over
        # walked every run a batch started while planned (the hundreds done meanwhile) each time
        nonlocal going
        while queue and going < depth:
            try:
                futures[pool.submit(task, jobs[queue[0]])] = queue[0]
            except BrokenProcessPool:  # its jobs in flight say so too: they are the suspects
                return False
            queue.pop(0)
            going += 1
        return True

    while queue or futures:
        broken = not fill()
        done, not_done = wait(futures, return_when=FIRST_COMPLETED)
        going = len(not_done)  # runs finishing from now on are counted at the next wait: a place is freed late, never early
        for fut in done:
            i = futures.pop(fut)
            try:
                outcome = fut.result()
            except BrokenProcessPool:
                suspects.append(i)
                broken = True
                continue
            except Exception as exc:  # noqa: BLE001 - a bug in one run must not end the batch
                from grader.grading.jobs import ExecutionOutcome

                outcome = ExecutionOutcome(key=jobs[i].key, status=RunStatus.FAILED,
                                           reason=f"grader error: {type(exc).__name__}: {exc}"[:500])
            broken = broken or not fill()
            yield i, outcome
        if broken:
            suspects.extend(futures.values())
            return queue
    return []
