"""The fast executor: a warm zygote forks one child per submission, which runs the cells in an
IPython ``InteractiveShell`` (magics and display work; numpy and IPython are already imported).

This is the worker's side: it sends the child its job (``wire``), reads its messages with a byte
cap, kills the child's process group at the notebook's deadline and then every process left
under the run's uid. What runs in the child is ``child.py``. Answers collected before a crash or
a kill are kept, as on the kernel path.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import threading
import time

from grader.sandbox import wire
from grader.sandbox.executors import ExecutorName
from grader.sandbox.job import KERNEL_DIED, CellError, RunJob, RunResult
from grader.sandbox.limits import make_rundir
from grader.sandbox.uids import run_slot
from grader.sandbox.zygote import Zygote

__all__ = ["ForkExecutor"]


class ForkExecutor:
    """Runs each job in a child of this process's zygote (started by :meth:`warm_up`)."""

    name = ExecutorName.FORK

    def __init__(self) -> None:
        self._zygote: Zygote | None = None
        self._lock = threading.Lock()  # a threaded Dask worker may run several jobs at once

    def warm_up(self) -> None:
        """Start the zygote, or a new one if it has gone."""
        self._live_zygote()

    def _live_zygote(self) -> Zygote:
        with self._lock:
            if self._zygote is None or not self._zygote.alive():
                self._zygote = Zygote()
            return self._zygote

    def close(self) -> None:
        with self._lock:
            if self._zygote is not None:
                self._zygote.stop()
                self._zygote = None

    def run(self, job: RunJob) -> RunResult:
        """Run ``job.notebook`` in a child of the warm zygote."""
        zygote = self._live_zygote()
        start = time.perf_counter()
        result = RunResult(executor=self.name.value)
        run = make_rundir()
        with run_slot(job.limits) as slot:  # a uid and a control group of the run's own; all killed at the end
            pid, sock = zygote.spawn()
            try:
                wire.write_all(sock.fileno(), wire.frame({
                    "cells": job.notebook["cells"], "limits": dataclasses.asdict(job.limits),
                    "hide": list(job.sandbox.hide), "keep": list(job.sandbox.keep), "rundir": str(run.root),
                    "uid": slot.uid, "cgroup": slot.join}))
                messages, ending = wire.read_messages(sock.fileno(), time.monotonic() + job.limits.notebook_seconds)
            except OSError:  # the child died before it read its job
                messages, ending = [], "closed"
            finally:
                sock.close()
                _kill(pid)
                result.cpu_seconds, result.memory_peak_mb = slot.usage()
        run.remove()
        _read_into(result, messages, ending, job)
        result.seconds = time.perf_counter() - start
        return result


def _read_into(result: RunResult, messages: list[dict], ending: str, job: RunJob) -> None:
    """Fill ``result`` from the child's messages and how its channel ended."""
    done = False
    for message in messages:
        if isinstance(message.get("collected"), str):
            result.collected.append(message["collected"])
        elif isinstance(message.get("error"), list) and len(message["error"]) == 3:
            result.errors.append(CellError(*(str(x) for x in message["error"])))
        elif isinstance(message.get("sandbox"), dict) and not result.sandbox:
            result.sandbox = {str(k): str(v)[:200] for k, v in message["sandbox"].items()}
        elif message.get("done") is True:
            done, result.output_truncated = True, bool(message.get("truncated"))
    if ending == "deadline":
        result.status, result.reason = "timeout", f"the notebook ran past {job.limits.notebook_seconds:g} s and was stopped"
    elif ending in ("flood", "garbled"):
        result.status, result.reason = "failed", "the notebook's process sent more than the grader reads"
    elif not done:
        result.status, result.reason = "died", KERNEL_DIED


def _kill(pid: int) -> None:
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except (ProcessLookupError, PermissionError):
            pass
