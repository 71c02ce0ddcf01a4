"""Run many submissions in parallel and hand back each outcome as soon as it is ready.

Local workers are processes (forkserver: the batch's own threads, such as a progress bar, are
never forked). A worker that dies takes only its own submission with it: that submission is
retried once in a fresh pool, then recorded as failed.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
import os
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from grader.grading.execute import ExecutionOutcome, SubmissionJob, execute_submission

__all__ = ["default_workers", "run_jobs", "start_server"]


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def _context():
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["grader.grading.execute", "grader.sandbox.kernel", "grader.sandbox.forked"])
    return ctx


def start_server() -> None:
    """Start the workers' process server now: it imports the grader (about 0.8 s) while the caller
    plans its batch, not after. The pool of :func:`run_jobs` uses this same server."""
    _context()
    multiprocessing.forkserver.ensure_running()


def _warm(executor: str, parent: int) -> None:
    threading.Thread(target=_exit_with, args=(parent,), daemon=True, name="autograde-parent-watch").start()
    if executor == "fork":
        from grader.sandbox.forked import warm_up

        warm_up()


def _exit_with(parent: int) -> None:
    """A worker outlives a crashed batch otherwise (a kill -9 of autograde, say): leave with it."""
    while True:
        time.sleep(1.0)
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            os._exit(0)


def run_jobs(jobs: Sequence[SubmissionJob], workers: int) -> Iterator[tuple[int, ExecutionOutcome]]:
    """Yield ``(index, outcome)`` for every job, in completion order."""
    executor = jobs[0].executor if jobs else "kernel"
    attempts = dict.fromkeys(range(len(jobs)), 0)
    pending = list(range(len(jobs)))
    while pending:
        broken: list[int] = []
        with ProcessPoolExecutor(max_workers=max(1, min(workers, len(pending))), mp_context=_context(),
                                 initializer=_warm, initargs=(executor, os.getpid())) as pool:
            futures: dict[Future, int] = {}
            queue = list(pending)
            pending = []
            # keep only `workers` jobs in flight so a broken pool loses as little as possible
            while queue or futures:
                while queue and len(futures) < workers:
                    i = queue.pop(0)
                    attempts[i] += 1
                    futures[pool.submit(execute_submission, jobs[i])] = i
                done, _ = wait(futures, return_when=FIRST_COMPLETED)
                for fut in done:
                    i = futures.pop(fut)
                    try:
                        yield i, fut.result()
                    except BrokenProcessPool:
                        broken.append(i)
                    except Exception as exc:  # noqa: BLE001 - a bug in one run must not end the batch
                        yield i, ExecutionOutcome(key=jobs[i].key, status="failed", reason=f"grader error: {type(exc).__name__}: {exc}"[:500])
                if broken:
                    broken += [futures.pop(f) for f in list(futures)] + queue
                    queue = []
                    break
        for i in broken:
            if attempts[i] >= 2:
                yield i, ExecutionOutcome(key=jobs[i].key, status="failed", reason="the grading worker died twice while running this submission")
            else:
                pending.append(i)
