"""The fork executor's child: what runs in a process forked from the zygote, student code included.

The zygote calls :func:`prepare_shell` once (numpy, IPython and a warm shell, before any fork) and
:func:`child_main` in each child. The child reads its job over its own socket, closes every other
descriptor (so it cannot reach the pool's pipes), takes the same isolation layers and limits as the
kernel path, and runs each cell under a per-cell alarm that interrupts it like a kernel interrupt,
sending what it collects and what each cell raised back as messages (``wire``).
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.limits import Limits
from grader.sandbox import transforms, wire
from grader.sandbox.isolate import die_with_parent, isolate
from grader.sandbox.job import COLLECTOR_CELL_PREFIX, COLLECTOR_OUTPUT_CHARS
from grader.sandbox.limits import RunDir, apply_limits, clean_environment

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

__all__ = ["child_main", "prepare_shell"]


def prepare_shell() -> InteractiveShell:
    """Import what student code usually needs and build the shell: runs in the zygote, once."""
    import numpy  # noqa: F401 - imported once here so each child starts with it loaded
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "nocolor"
    config.InteractiveShell.xmode = "Plain"
    shell = InteractiveShell.instance(config=config)
    shell.ask_exit = lambda: None  # type: ignore[attr-defined]  # IPython sets it at run time; exit() does nothing, as in our kernels (see kernel.py: no race)
    transforms.install(shell)  # plain cells skip IPython's tokenising (half of a cell's cost), same result
    # a first cell sets up what IPython makes lazily (its compiler, transformers, display hook):
    # once here rather than in every child (about 10 ms each); the namespace is reset in the child
    shell.run_cell("import math\n1", store_history=False, silent=True)
    return shell


class _Bounded:
    """A stdout that keeps at most ``budget`` characters (the rest is counted, not kept)."""

    def __init__(self, budget: int):
        self.budget, self.truncated = budget, False
        self.parts: list[str] = []

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


def _no_input(*_args: Any, **_kwargs: Any) -> str:
    from IPython.core.error import StdinNotImplementedError

    raise StdinNotImplementedError("raw_input was called, but this frontend does not support input requests.")


def child_main(sock: socket.socket, shell: InteractiveShell) -> None:  # never returns
    """Take the sandbox the worker describes, say which layers held, then wait for a notebook's
    cells and run them. The worker prepares a child one run ahead, so the slow part (joining the
    control group waits for the kernel's RCU grace periods, ~12 ms) overlaps the run before."""
    # monotonic times (one clock for every process) the worker turns into the run's stages
    stamps = {"forked": time.monotonic()}
    try:
        fd = sock.detach()
        os.closerange(3, fd)
        os.closerange(fd + 1, 65536)
        os.setsid()
        setup = wire.receive(fd)
        stamps["job"] = time.monotonic()
        run = RunDir(Path(setup["rundir"]))
        os.environ.clear()
        os.environ.update(clean_environment(run.home))
        # no IPC folder (a socket instead)
        state = isolate(run.home, None, setup["hide"], setup["keep"], setup["disk_mb"], setup["uid"], setup["cgroup"],
                        stamps=stamps)
        die_with_parent()  # the zygote: it leaves when its worker does
        _warm_up(shell)
        _forget_grader()  # here rather than once the cells came: it does not depend on them (0.4 ms)
        stamps["warm"] = time.monotonic()
        wire.send(fd, {"sandbox": state, "stamps": stamps})  # ready: sent before any student code runs
        job = wire.receive(fd)  # the cells, once the worker has a notebook for this child
        limits = Limits(**job["limits"])
        apply_limits(limits)
        _run_cells(shell, limits, [(str(cell_id), str(source)) for cell_id, source in job["cells"]], fd)
        os._exit(0)
    except BaseException:  # noqa: BLE001 - the child must never fall back into the zygote's loop
        os._exit(70)


# what a notebook's first cells do (numpy, a function, a comprehension, print):
# a fork's first touch of each page it writes copies it: five short cells took ~13 ms in a
# fresh child against ~2 ms after this (a loaded machine). The child does this while it waits for
# its notebook, in its sandbox already; the namespace is emptied before the notebook's cells run.
_WARM_UP = (
    "import math\nimport numpy as np\n"
    "a = np.array([[1.0, 2.0], [3.0, 4.0]])\n"
    "def f(x, k=1):\n    return float((x * k + 1).sum())\n"
    "b = [f(a, k) for k in range(3)]\n"
    "print(a.shape, b, math.floor(2.5), np.zeros(3).tolist())\n"
)  # no value displayed: the display hook would keep it as the notebook's ``__``


def _warm_up(shell: InteractiveShell) -> None:
    shell.run_cell(_WARM_UP, store_history=False, silent=False)  # its output goes to the zygote's /dev/null


class _NoGrader:
    """An import hook refusing ``grader``: an extra layer (the files are hidden too where possible)."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "grader" or name.startswith("grader."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


def _forget_grader() -> None:
    for name in [n for n in sys.modules if n == "grader" or n.startswith("grader.")]:
        del sys.modules[name]
    sys.meta_path.insert(0, _NoGrader())


class _CellTimeout(KeyboardInterrupt):
    """Raised in the running cell at its time limit, as a kernel interrupt would."""


def _run_cells(shell: InteractiveShell, limits: Limits, cells: list[tuple[str, str]], fd: int) -> None:
    import builtins

    shell.user_ns.clear()
    shell.init_user_ns()
    shell.user_ns.update(__name__="__main__", __builtins__=builtins, __builtin__=builtins)  # as in a kernel
    builtins.input = _no_input
    out = _Bounded(limits.output_kb * 1024)
    sys.stdout = sys.stderr = out
    sys.stdin = open(os.devnull)  # noqa: SIM115 - lives as long as the child

    def on_alarm(_signum: int, _frame: Any) -> None:
        raise _CellTimeout()

    signal.signal(signal.SIGALRM, on_alarm)
    spent = {"cells": 0.0, "collect": 0.0, "ready": _MONOTONIC()}  # seconds in student and collector cells; a time
    for cell_id, source in cells:
        collector = cell_id.startswith(COLLECTOR_CELL_PREFIX)
        budget = out.budget
        if collector:
            out.budget = COLLECTOR_OUTPUT_CHARS  # apart from the notebook's: what a snapshot may print
        out.take()
        began = _MONOTONIC()
        error = _run_cell(shell, source, collector, limits.cell_seconds)
        spent["collect" if collector else "cells"] += _MONOTONIC() - began
        printed = out.take()
        if collector:
            out.budget = budget
            frame = wire.frame({"collected": printed})
            if wire.oversized(frame):  # escaped, it may outgrow a frame: then the snapshot is lost
                frame = wire.frame({"collected": ""})
            wire.write_all(fd, frame)
            continue
        if error is not None:
            ename = "CellTimeout" if isinstance(error, _CellTimeout) else type(error).__name__
            wire.send(fd, {"error": [cell_id, ename[:200], str(error)[:500]]})
    # after student code: the worker only shows these figures, it never acts on them
    wire.send(fd, {"done": True, "truncated": out.truncated, "spent": spent})


def _run_cell(shell: InteractiveShell, source: str, collector: bool, seconds: float) -> BaseException | None:
    """Run one cell under its alarm; what it raised, if anything."""
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            if collector:
                return _run_collector(shell.user_ns, source)
            result = shell.run_cell(source, store_history=False, silent=False)
            return result.error_before_exec or result.error_in_exec
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _CellTimeout as exc:  # the alarm came in IPython's code around the cell's: still only this cell
        return exc


_COMPILE, _EXEC, _MONOTONIC = compile, exec, time.monotonic  # bound now, like wire's encoder: the student's code may replace the builtins


def _run_collector(namespace: dict, source: str) -> BaseException | None:
    """Run one of our collector cells: the same code a kernel runs, in the same namespace, but
    without IPython's cell machinery (input transformers, display hook), which cost about 5 ms a
    cell against 1 ms for a plain compile. A collector has no magic and displays nothing."""
    try:
        for code in _collector_code(source):
            _EXEC(code, namespace)
    except BaseException as exc:  # noqa: BLE001 - as a cell's error: its output simply holds no answers
        return exc
    return None


_DEFINITIONS: dict[str, Any] = {}  # a collector's text but its last line -> its code: the same in every collector of a run


def _collector_code(source: str) -> list[Any]:
    """A collector's code as its definitions (compiled once per run: they are most of its text and
    the same in each) and its last line, the call naming the problem's variables; run one after the
    other they do what the whole does. A text that does not split so is compiled whole."""
    head, _, call = source.rstrip("\n").rpartition("\n")
    try:
        if head not in _DEFINITIONS:
            _DEFINITIONS[head] = _COMPILE(head, "<autograde collector>", "exec", dont_inherit=True)
        return [_DEFINITIONS[head], _COMPILE(call, "<autograde collector>", "exec", dont_inherit=True)]
    except SyntaxError:
        return [_COMPILE(source, "<autograde collector>", "exec", dont_inherit=True)]
