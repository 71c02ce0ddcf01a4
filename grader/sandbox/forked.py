"""The fast executor: a warm zygote forks one child per submission, which runs the cells in an
IPython ``InteractiveShell`` (magics and display work; numpy and IPython are already imported).

The child receives its job over its own socket, closes every other descriptor (so it cannot
reach the pool's pipes), takes the same isolation layers and limits as the kernel path, and runs
each cell under a per-cell alarm that interrupts it like a kernel interrupt. The worker reads
length-prefixed JSON messages with a byte cap, kills the child's process group at the notebook's
deadline and then every process left under the run's uid. Answers collected before a crash or a
kill are kept, as on the kernel path.
"""

from __future__ import annotations

import dataclasses
import json
import os
import select
import signal
import socket
import struct
import sys
import threading
import time
from pathlib import Path
from typing import Any

import nbformat

from grader.sandbox import channel
from grader.sandbox.isolate import die_with_parent, isolate
from grader.sandbox.job import (
    COLLECTOR_CELL_PREFIX, COLLECTOR_OUTPUT_CHARS, KERNEL_DIED, CellError, Limits, RunJob, RunResult, Sandbox,
)
from grader.sandbox.limits import RunDir, apply_limits, clean_environment, make_rundir
from grader.sandbox.uids import run_slot
from grader.sandbox.zygote import Zygote

__all__ = ["child_main", "prepare_shell", "run_forked", "warm_up"]

MAX_MESSAGE_BYTES = 8_000_000
MAX_TOTAL_BYTES = 32_000_000
_SHELL = None
_ZYGOTE: list[Zygote] = []
_ZYGOTE_LOCK = threading.Lock()


def warm_up() -> None:
    """Start this process's zygote (once): the pool calls it as each worker starts."""
    with _ZYGOTE_LOCK:
        if not _ZYGOTE or not _ZYGOTE[0].alive():
            _ZYGOTE[:] = [Zygote()]


def prepare_shell() -> None:
    """Import what student code usually needs and build the shell: runs in the zygote."""
    global _SHELL
    import numpy  # noqa: F401 - imported once here so each child starts with it loaded
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "nocolor"
    config.InteractiveShell.xmode = "Plain"
    _SHELL = InteractiveShell.instance(config=config)
    _SHELL.ask_exit = lambda: None  # exit() does nothing, as in our kernels (see kernel.py: no race)
    # a first cell sets up what IPython makes lazily (its compiler, transformers, display hook):
    # once here rather than in every child (about 10 ms each); the namespace is reset in the child
    _SHELL.run_cell("import math\n1", store_history=False, silent=True)


_ENCODE = json.JSONEncoder().encode  # bound now: a student's ``json.dumps = ...`` must not reach the channel


def _send(fd: int, message: dict[str, Any]) -> None:
    _send_frame(fd, _ENCODE(message).encode())


def _send_frame(fd: int, data: bytes) -> None:
    view = memoryview(struct.pack(">I", len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


class _Bounded:
    """A stdout that keeps at most ``budget`` characters (the rest is counted, not kept)."""

    def __init__(self, budget: int):
        self.budget, self.parts, self.truncated = budget, [], False

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            text = str(text)
        if len(text) > self.budget:
            self.truncated = True
            text = text[: max(self.budget, 0)]
        self.budget -= len(text)
        self.parts.append(text)
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def take(self) -> str:
        text, self.parts = "".join(self.parts), []
        return text


def _no_input(*_args, **_kwargs):
    from IPython.core.error import StdinNotImplementedError

    raise StdinNotImplementedError("raw_input was called, but this frontend does not support input requests.")


def child_main(sock: socket.socket) -> None:  # never returns
    try:
        fd = sock.detach()
        os.closerange(3, fd)
        os.closerange(fd + 1, 65536)
        os.setsid()
        job = _receive(fd)
        run = RunDir(Path(job["rundir"]))
        limits, sandbox = Limits(**job["limits"]), Sandbox(**{k: tuple(v) for k, v in job["sandbox"].items()})
        os.environ.clear()
        os.environ.update(clean_environment(run.home))
        # no IPC folder (a socket instead)
        state = isolate(run.home, None, sandbox.hide, sandbox.keep, limits.disk_mb, job["uid"], job["cgroup"])
        _send(fd, {"sandbox": state})
        die_with_parent()  # the zygote: it leaves when its worker does
        apply_limits(limits)
        _forget_grader()
        _run_cells(limits, nbformat.from_dict({"cells": job["cells"]}).cells, fd)
        os._exit(0)
    except BaseException:  # noqa: BLE001 - the child must never fall back into the zygote's loop
        os._exit(70)


def _receive(fd: int) -> dict:
    size = struct.unpack(">I", _exactly(fd, 4))[0]
    return json.loads(_exactly(fd, size))


def _exactly(fd: int, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = os.read(fd, size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


class _NoGrader:
    """An import hook refusing ``grader``: an extra layer (the files are hidden too where possible)."""

    def find_spec(self, name, path=None, target=None):
        if name == "grader" or name.startswith("grader."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


def _forget_grader() -> None:
    for name in [n for n in sys.modules if n == "grader" or n.startswith("grader.")]:
        del sys.modules[name]
    sys.meta_path.insert(0, _NoGrader())


class _CellTimeout(KeyboardInterrupt):
    """Raised in the running cell at its time limit, as a kernel interrupt would."""


def _run_cells(limits: Limits, cells: list, fd: int) -> None:
    import builtins

    shell = _SHELL
    shell.user_ns.clear()
    shell.init_user_ns()
    shell.user_ns.update(__name__="__main__", __builtins__=builtins, __builtin__=builtins)  # as in a kernel
    builtins.input = _no_input
    out = _Bounded(limits.output_kb * 1024)
    sys.stdout = sys.stderr = out
    sys.stdin = open(os.devnull)  # noqa: SIM115 - lives as long as the child

    def on_alarm(_signum, _frame):
        raise _CellTimeout()

    signal.signal(signal.SIGALRM, on_alarm)
    for cell in cells:
        if cell.cell_type != "code":
            continue
        collector = str(cell.get("id", "")).startswith(COLLECTOR_CELL_PREFIX)
        budget = out.budget
        if collector:
            out.budget = COLLECTOR_OUTPUT_CHARS  # apart from the notebook's: what a snapshot may print
        out.take()
        try:
            signal.setitimer(signal.ITIMER_REAL, limits.cell_seconds)
            try:
                if collector:
                    error = _run_collector(shell.user_ns, cell.source)
                else:
                    result = shell.run_cell(cell.source, store_history=False, silent=False)
                    error = result.error_before_exec or result.error_in_exec
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        except _CellTimeout as exc:  # the alarm came in IPython's code around the cell's: still only this cell
            error = exc
        printed = out.take()
        if collector:
            out.budget = budget
            frame = _ENCODE({"collected": printed}).encode()
            if len(frame) > MAX_MESSAGE_BYTES:  # escaped, it may outgrow a frame: then the snapshot is lost
                frame = _ENCODE({"collected": ""}).encode()
            _send_frame(fd, frame)
            continue
        if error is not None:
            ename = "CellTimeout" if isinstance(error, _CellTimeout) else type(error).__name__
            _send(fd, {"error": [str(cell.get("id", "")), ename[:200], str(error)[:500]]})
    _send(fd, {"done": True, "truncated": out.truncated})


_COMPILE, _EXEC = compile, exec  # bound now, like _ENCODE: the student's code may replace the builtins


def _run_collector(namespace: dict, source: str) -> BaseException | None:
    """Run one of our collector cells: the same code a kernel runs, in the same namespace, but
    without IPython's cell machinery (input transformers, display hook), which cost about 5 ms a
    cell against 1 ms for a plain compile. A collector has no magic and displays nothing."""
    try:
        _EXEC(_COMPILE(source, "<autograde collector>", "exec", dont_inherit=True), namespace)
    except BaseException as exc:  # noqa: BLE001 - as a cell's error: its output simply holds no answers
        return exc
    return None


def _read(fd: int, deadline: float) -> tuple[list[dict], str]:
    """Messages from the child until it is done or closes the socket, the deadline passes, or it sends too much."""
    messages, buffer, total = [], b"", 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return messages, "deadline"
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            return messages, "deadline"
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return messages, "closed"
        total += len(chunk)
        if total > MAX_TOTAL_BYTES:
            return messages, "flood"
        buffer += chunk
        while len(buffer) >= 4:
            size = struct.unpack(">I", buffer[:4])[0]
            if size > MAX_MESSAGE_BYTES:
                return messages, "flood"
            if len(buffer) < 4 + size:
                break
            try:
                message = channel.loads(buffer[4:4 + size])
            except (ValueError, RecursionError):  # RecursionError: nested past the parser's depth
                return messages, "garbled"
            buffer = buffer[4 + size:]
            if isinstance(message, dict):
                messages.append(message)
                if message.get("done") is True:  # a process the child left behind may hold the socket open
                    return messages, "done"


def run_forked(job: RunJob) -> RunResult:
    """Run ``job.notebook`` in a child of the warm zygote."""
    warm_up()
    start = time.perf_counter()
    result = RunResult(executor="fork")
    run = make_rundir()
    with run_slot(job.limits) as slot:  # a uid and a control group of the run's own; all killed at the end
        pid, sock = _ZYGOTE[0].spawn()
        try:
            payload = json.dumps({"cells": job.notebook["cells"], "limits": dataclasses.asdict(job.limits),
                                  "sandbox": dataclasses.asdict(job.sandbox), "rundir": str(run.root),
                                  "uid": slot.uid, "cgroup": slot.join}).encode()
            sock.sendall(struct.pack(">I", len(payload)) + payload)
            messages, ending = _read(sock.fileno(), time.monotonic() + job.limits.notebook_seconds)
        except OSError:  # the child died before it read its job
            messages, ending = [], "closed"
        finally:
            sock.close()
            _kill(pid)
            result.cpu_seconds, result.memory_peak_mb = slot.usage()
    run.remove()
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
    result.seconds = time.perf_counter() - start
    return result


def _kill(pid: int) -> None:
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except (ProcessLookupError, PermissionError):
            pass
