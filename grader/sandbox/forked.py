"""The fast executor: a warm process forks one child per submission and runs the cells in an
IPython ``InteractiveShell`` (magics and display work; numpy and IPython are already imported).

The child applies the same limits as the kernel path, closes every inherited descriptor except
its result pipe (so it cannot reach the pool's own pipes), and runs each cell under a per-cell
alarm that interrupts it like a kernel interrupt. The parent reads length-prefixed JSON messages
with a byte cap and kills the child's whole process group at the notebook's deadline. Answers
collected before a crash or a kill are kept, as on the kernel path.
"""

from __future__ import annotations

import json
import os
import select
import signal
import struct
import sys
import time
from typing import Any

import nbformat

from grader.sandbox.job import COLLECTOR_CELL_PREFIX, KERNEL_DIED, CellError, RunJob, RunResult
from grader.sandbox.isolate import isolate
from grader.sandbox.limits import RunDir, apply_limits, clean_environment, make_rundir

__all__ = ["run_forked", "warm_up"]

MAX_MESSAGE_BYTES = 8_000_000
MAX_TOTAL_BYTES = 32_000_000
_SHELL = None


def warm_up() -> None:
    """Import what student code usually needs and build the shell once, before any fork."""
    global _SHELL
    if _SHELL is not None:
        return
    import numpy  # noqa: F401 - imported once here so each child starts with it loaded
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "nocolor"
    config.InteractiveShell.xmode = "Plain"
    _SHELL = InteractiveShell.instance(config=config)


def _send(fd: int, message: dict[str, Any]) -> None:
    data = json.dumps(message).encode()
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


def _child(job: RunJob, cells: list, fd: int, run: RunDir) -> None:  # never returns
    try:
        os.setsid()
        os.closerange(3, fd)
        os.closerange(fd + 1, 65536)
        os.environ.clear()
        os.environ.update(clean_environment(run.home))
        state = isolate(run.home, run.shared, job.sandbox.hide, job.sandbox.keep, job.limits.disk_mb)
        _send(fd, {"sandbox": state})
        apply_limits(job.limits)
        _forget_grader()
        _run_cells(job, cells, fd)
        os._exit(0)
    except BaseException:  # noqa: BLE001 - the child must never fall back into the pool's code
        os._exit(70)


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


def _run_cells(job: RunJob, cells: list, fd: int) -> None:
    import builtins

    shell = _SHELL
    shell.user_ns.clear()
    shell.init_user_ns()
    builtins.input = _no_input
    out = _Bounded(job.limits.output_kb * 1024)
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
            out.budget = MAX_MESSAGE_BYTES  # the collector's own output is bounded by the collector
        out.take()
        signal.setitimer(signal.ITIMER_REAL, job.limits.cell_seconds)
        try:
            result = shell.run_cell(cell.source, store_history=False, silent=False)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        printed = out.take()
        if collector:
            out.budget = budget
            _send(fd, {"collected": printed})
            continue
        error = result.error_before_exec or result.error_in_exec
        if error is not None:
            ename = "CellTimeout" if isinstance(error, _CellTimeout) else type(error).__name__
            _send(fd, {"error": [str(cell.get("id", "")), ename[:200], str(error)[:500]]})
    _send(fd, {"done": True, "truncated": out.truncated})


def _read(fd: int, deadline: float) -> tuple[list[dict], str]:
    """Messages from the child until it closes the pipe, the deadline passes, or it sends too much."""
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
                message = json.loads(buffer[4:4 + size])
            except ValueError:
                return messages, "garbled"
            buffer = buffer[4 + size:]
            if isinstance(message, dict):
                messages.append(message)


def run_forked(job: RunJob) -> RunResult:
    """Run ``job.notebook`` in a forked child of this (warm) process."""
    warm_up()
    start = time.perf_counter()
    cells = nbformat.from_dict(job.notebook).cells
    run = make_rundir()
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        _child(job, cells, write_fd, run)
    os.close(write_fd)
    result = RunResult(executor="fork")
    try:
        messages, ending = _read(read_fd, time.monotonic() + job.limits.notebook_seconds)
    finally:
        os.close(read_fd)
        _kill(pid)
        _, status = os.waitpid(pid, 0)
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
        result.status, result.reason = "died", _death(status)
    result.seconds = time.perf_counter() - start
    return result


def _kill(pid: int) -> None:
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except (ProcessLookupError, PermissionError):
            pass


def _death(status: int) -> str:
    how = signal.Signals(os.WTERMSIG(status)).name if os.WIFSIGNALED(status) else f"exit {os.WEXITSTATUS(status)}"
    return f"{KERNEL_DIED} [{how}]"
