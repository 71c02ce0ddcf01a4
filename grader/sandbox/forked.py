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
import select
import signal
import socket
import threading
import time
from dataclasses import dataclass

from grader.limits import Limits
from grader.sandbox import wire
from grader.sandbox.executors import ExecutorName
from grader.sandbox.job import KERNEL_DIED, CellError, RunJob, RunResult, Sandbox
from grader.sandbox.limits import RunDir, make_rundir
from grader.sandbox.uids import RunSlot, acquire
from grader.sandbox.zygote import Zygote

__all__ = ["ForkExecutor", "share_zygote"]

_SHARED: tuple[socket.socket, int] | None = None  # a zygote this process's executor uses: (its door, its pid)


def share_zygote(door: socket.socket, pid: int) -> None:
    """Use the zygote another process started (a batch's, for all its workers) rather than start one;
    one of our own is started only if that one has gone."""
    global _SHARED
    _SHARED = (door, pid)


@dataclass
class _Child:
    """A child forked and put in its sandbox ahead of its run, waiting for a notebook's cells."""

    key: tuple[Limits, Sandbox]   # what it was prepared for: a job with other limits or folders needs another
    run: RunDir
    slot: RunSlot
    pid: int
    sock: socket.socket
    stamps: dict[str, float]

    def stop(self) -> None:
        """SIGKILL it, its process group and everything in its control group, without waiting."""
        self.sock.close()
        _kill(self.pid)
        self.slot.stop()

    def discard(self) -> None:
        """Kill it and everything under its uid, free the uid and remove its group and folder."""
        try:
            self.stop()
        finally:
            self.slot.release()
            self.run.remove()


def _new_zygote() -> Zygote:
    """The shared zygote if there is one and it lives, else one of this process's own."""
    if _SHARED is not None:
        try:
            zygote = Zygote.through(*_SHARED)
        except OSError:  # it has gone: its door is closed
            return Zygote()
        if zygote.alive():
            return zygote
        zygote.stop()
    return Zygote()


class ForkExecutor:
    """Runs each job in a child of this process's zygote (started by :meth:`warm_up`).

    While a run goes, the next run's child is forked and put in its sandbox (its own uid, control
    group, namespaces and mounts), so the next notebook starts in a ready child: the set-up, most
    of it waiting on the kernel, is off the path of every notebook but the first.
    """

    name = ExecutorName.FORK

    def __init__(self) -> None:
        self._zygote: Zygote | None = None
        self._spare: _Child | None = None
        self._ended: list[_Child] = []  # runs killed, their uid, group and folder not yet cleared
        self._lock = threading.Lock()  # a threaded Dask worker may run several jobs at once

    def warm_up(self) -> None:
        """Start the zygote, or a new one if it has gone."""
        self._live_zygote()

    def _live_zygote(self) -> Zygote:
        with self._lock:
            if self._zygote is None or not self._zygote.alive():
                self._zygote = _new_zygote()
            return self._zygote

    def close(self) -> None:
        with self._lock:
            spare, self._spare = self._spare, None
        if spare is not None:
            spare.discard()
        self._clear_ended()
        with self._lock:
            if self._zygote is not None:
                self._zygote.stop()
                self._zygote = None

    def _prepare(self, limits: Limits, sandbox: Sandbox) -> _Child:
        """Fork a child and send it its sandbox (it reports when that is in place)."""
        stamps = {"start": time.monotonic()}
        run = make_rundir()
        stamps["rundir"] = time.monotonic()
        try:
            slot = acquire(limits)  # a uid and a control group of the run's own; all killed at the end
        except BaseException:
            run.remove()
            raise
        stamps["slot"] = time.monotonic()
        try:
            pid, sock = self._live_zygote().spawn()
        except BaseException:
            slot.release()
            run.remove()
            raise
        child = _Child((limits, sandbox), run, slot, pid, sock, stamps)
        try:
            wire.send(sock.fileno(), {"hide": list(sandbox.hide), "keep": list(sandbox.keep), "rundir": str(run.root),
                                      "disk_mb": limits.disk_mb, "uid": slot.uid, "cgroup": slot.join})
        except OSError:
            pass  # it died before it read its set-up: found out when it is used
        return child

    def _ready_child(self, job: RunJob) -> tuple[_Child, list[dict]]:
        """The spare child if it was prepared for this job's limits and folders and is ready, else a new
        one; with its message saying which layers held (none if it died: the run finds out)."""
        key = (job.limits, job.sandbox)
        with self._lock:
            spare, self._spare = self._spare, None
        if spare is not None:
            ready = _ready(spare.sock.fileno(), time.monotonic() + _READY_SECONDS) if spare.key == key else None
            if ready is not None:
                return spare, ready
            spare.discard()  # another job's, or it died before any student code ran: not this student's fault
        child = self._prepare(*key)
        return child, _ready(child.sock.fileno(), time.monotonic() + _READY_SECONDS) or []

    def prepare(self, limits: Limits, sandbox: Sandbox) -> None:
        """Have a child ready for a run with these limits and folders: a pool worker's warm-up, so
        that its first notebook, as every later one, starts in a ready child."""
        self._keep_spare(limits, sandbox)

    def _keep_spare(self, limits: Limits, sandbox: Sandbox) -> None:
        """Prepare the next run's child now, while this run goes; a failure only means no spare."""
        try:
            child = self._prepare(limits, sandbox)
        except Exception:  # noqa: BLE001 - no uid free, the zygote gone: the next run prepares its own, and says
            return
        with self._lock:
            if self._spare is None:
                self._spare, child = child, None
        if child is not None:
            child.discard()

    def _clear_ended(self) -> None:
        """Finish the teardown of ended runs: reap their uids (a process that left its group's
        process group), remove their groups and folders, free their uids."""
        with self._lock:
            ended, self._ended = self._ended, []
        for child in ended:
            child.discard()

    def run(self, job: RunJob) -> RunResult:
        """Run ``job.notebook`` in a ready child of the warm zygote."""
        start = time.perf_counter()
        waited = time.monotonic()
        child, messages = self._ready_child(job)
        result = RunResult(executor=self.name.value)
        stamps = {**child.stamps, "wait": waited, "send": time.monotonic()}
        try:
            try:
                wire.write_all(child.sock.fileno(), wire.frame({"cells": _code_cells(job.notebook),
                                                                "limits": dataclasses.asdict(job.limits)}))
                deadline = time.monotonic() + job.limits.notebook_seconds
                stamps["sent"] = time.monotonic()
                # while the child runs: the next run's child, and the last run's teardown
                self._keep_spare(job.limits, job.sandbox)
                stamps["spare"] = time.monotonic()
                self._clear_ended()
                stamps["cleared"] = time.monotonic()
                more, ending = wire.read_messages(child.sock.fileno(), deadline)
                messages += more
            except OSError:  # the child died before it read its job
                ending = "closed"
            stamps["read"] = time.monotonic()
            # every process of the run is SIGKILLed now; the waiting part of the teardown (reaping,
            # removing the group) is done during the next run (or when the executor closes)
            child.stop()
            result.cpu_seconds, result.memory_peak_mb = child.slot.usage()
        except BaseException:
            child.discard()
            raise
        with self._lock:
            self._ended.append(child)
        stamps["released"] = time.monotonic()
        _read_into(result, messages, ending, job)
        result.stages = stages(stamps, messages)
        result.seconds = time.perf_counter() - start
        return result


def _code_cells(notebook: dict) -> list[tuple[str, str]]:
    """What the child runs of a notebook: each code cell's id and source (the rest is not sent)."""
    return [(str(cell.get("id", "")), cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code"]


_READY_SECONDS = 30.0  # a child's set-up is milliseconds; past this it is stuck, and replaced


def _ready(fd: int, deadline: float) -> list[dict] | None:
    """The child's first message (which layers held), or ``None`` if it died or sent something else."""
    reader = wire.Reader()
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return None
        messages = reader.feed(chunk)
        if messages or reader.error:
            return messages if len(messages) == 1 and isinstance(messages[0], dict) and "sandbox" in messages[0] else None
    return None


# (stage, from, to) over the worker's times and the child's (one monotonic clock for every process).
# Prepared one run ahead: rundir .. user; on each run's own path: wait .. teardown
_SPANS = (("rundir", "start", "rundir"), ("slot", "rundir", "slot"), ("fork", "slot", "forked"), ("job", "forked", "job"),
          ("cgroup", "job", "cgroup"), ("network", "cgroup", "network"), ("filesystem", "network", "filesystem"),
          ("user", "filesystem", "user"), ("warm", "user", "warm"), ("wait", "wait", "send"), ("spare", "sent", "spare"),
          ("clear", "spare", "cleared"), ("teardown", "read", "released"))


def stages(stamps: dict[str, float], messages: list[dict]) -> dict[str, float]:
    """Seconds per stage of a run, for benchmarks/breakdown.py only: nothing acts on them (what the
    child sent after student code ran is the student's to forge)."""
    child: dict[str, float] = {}
    spent: dict[str, float] = {}
    for message in messages:
        if isinstance(message.get("stamps"), dict) and not child:
            child = {k: v for k, v in message["stamps"].items() if isinstance(v, float)}
        if isinstance(message.get("spent"), dict):
            spent = {k: v for k, v in message["spent"].items() if isinstance(v, float)}
    times = {**child, **stamps}
    out = {stage: times[b] - times[a] for stage, a, b in _SPANS if a in times and b in times}
    if "ready" in spent:
        out["start"] = spent["ready"] - times["send"]
        out["cells"], out["collect"] = spent.get("cells", 0.0), spent.get("collect", 0.0)
        out["report"] = times["read"] - spent["ready"] - out["cells"] - out["collect"]
    return out


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
