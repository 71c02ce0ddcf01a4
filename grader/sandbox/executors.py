"""The executors, behind one protocol, and the registry that names them.

An executor runs one :class:`~grader.sandbox.job.RunJob` and returns a
:class:`~grader.sandbox.job.RunResult`. Each process that runs jobs (a pool worker, a Dask worker)
holds at most one live instance of each executor (:func:`executor`), warmed up once (the fork
executor starts its zygote) and closed when the process ends. Modules are imported only when an
executor is asked for: the kernel route pulls in zmq and nbclient.
"""

from __future__ import annotations

import atexit
import importlib
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from multiprocessing import util
from typing import Protocol

from grader.limits import Limits
from grader.sandbox.job import RunJob, RunResult, Sandbox

__all__ = ["EXECUTORS", "Executor", "ExecutorName", "Registered", "describe", "executor"]


class ExecutorName(StrEnum):
    FORK = "fork"
    KERNEL = "kernel"


class Executor(Protocol):
    """Runs student code in the sandbox; one instance per process, reused for every job."""

    name: ExecutorName

    def warm_up(self) -> None:
        """Get ready before the first job (start a zygote, say); cheap to call again."""

    def prepare(self, limits: Limits, sandbox: Sandbox) -> None:
        """Get a run with these limits and folders ready ahead, if there is anything to get ready."""

    def run(self, job: RunJob) -> RunResult:
        """Run ``job.notebook``. Never raises for anything the student's code did."""

    def close(self) -> None:
        """Release what ``warm_up`` started."""


@dataclass(frozen=True)
class Registered:
    """An executor's entry: where it lives, and what a user reads about it."""

    module: str                 # imported when first asked for (and preloaded by a pool's process server)
    factory: str                # the class in ``module``
    help: str
    reads_literals: bool = True  # a literal-only notebook may be read instead of run (same result); off for fidelity


EXECUTORS: dict[ExecutorName, Registered] = {
    ExecutorName.FORK: Registered(
        "grader.sandbox.forked", "ForkExecutor",
        "a sandboxed process forked from a warm one per notebook; same results, much faster"),
    ExecutorName.KERNEL: Registered(
        "grader.sandbox.kernel", "KernelExecutor",
        "a real ipykernel per notebook: the fidelity path", reads_literals=False),
}


def describe() -> str:
    """Every executor with its help, for a command line's option."""
    return "; ".join(f"{name.value}: {entry.help}" for name, entry in EXECUTORS.items())


def executor(name: ExecutorName | str) -> Executor:
    """This process's instance of the executor called ``name``, warmed up."""
    return _executor(ExecutorName(name))  # one instance whether named by its enum or its string


def live_executors() -> bool:
    """Whether this process has an executor: a run's ready child, its uid's lock, a zygote's socket."""
    return _executor.cache_info().currsize > 0


@cache
def _executor(name: ExecutorName) -> Executor:
    entry = EXECUTORS[name]
    instance: Executor = getattr(importlib.import_module(entry.module), entry.factory)()
    instance.warm_up()
    atexit.register(instance.close)  # a process that started a zygote leaves none behind
    # a pool's worker leaves by os._exit, past atexit: multiprocessing runs its finalizers first
    util.Finalize(None, instance.close, exitpriority=10)
    return instance
