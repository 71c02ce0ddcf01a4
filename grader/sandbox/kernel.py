"""The fidelity executor: a real ipykernel driven by nbclient, inside the sandbox launcher.

The kernel is always our own sandboxed kernelspec, never the one a notebook names; a cell that
errors does not stop later cells; a cell past its time is interrupted and the run goes on; the
whole process group is killed when the notebook runs past its time or when the run ends.
"""

from __future__ import annotations

import atexit
import copy
import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
import time
from functools import lru_cache
from pathlib import Path

import nbformat
import zmq
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager, NoSuchKernel
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from grader.limits import Limits
from grader.sandbox.executors import ExecutorName
from grader.sandbox.job import COLLECTOR_CELL_PREFIX, COLLECTOR_OUTPUT_CHARS, KERNEL_DIED, CellError, RunJob, RunResult, Sandbox
from grader.sandbox.launch import LAYERS_FILE, LIMITS_ENV, SANDBOX_ENV
from grader.sandbox.limits import clean_environment, make_rundir
from grader.sandbox.uids import RunSlot, reap, run_slot

__all__ = ["KernelExecutor", "run_in_kernel"]

KERNEL_NAME = "autograde-sandbox"
MAX_MESSAGE_BYTES = 128 << 20  # a single kernel message past this is dropped (the output cap applies after)


class _OnlyOurKernel(KernelSpecManager):
    """Knows one kernel, ours, held in memory: no installed or notebook-named kernel is ever used,
    and no kernelspec folder is written (a folder per worker was left behind when one was killed)."""

    def find_kernel_specs(self) -> dict[str, str]:
        return {KERNEL_NAME: ""}

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        if kernel_name != KERNEL_NAME:
            raise NoSuchKernel(kernel_name)
        argv = [sys.executable, "-m", "grader.sandbox.launch", "--",
                sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}",
                # exit() would stop the kernel's loop 0.1 s later: whether the next cells ran would be a race
                "--IPKernelApp.exec_lines=get_ipython().ask_exit = lambda: None"]
        return KernelSpec(argv=argv, display_name="autograde sandbox", language="python", interrupt_mode="signal",
                          metadata={"debugger": False}, resource_dir="")


@lru_cache(maxsize=1)
def _spec_manager() -> KernelSpecManager:
    return _OnlyOurKernel()


class _BoundedKernelManager(AsyncKernelManager):
    """A kernel manager whose clients drop any single message past a size: a kernel cannot make
    the grader hold a message of hundreds of megabytes (the output cap applies after receiving)."""

    def client(self, **kw):
        kc = super().client(**kw)
        kc.context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)  # default for the sockets it makes
        return kc


class _BoundedClient(NotebookClient):
    """nbclient with a cap on the output it keeps (megabytes of prints must not flood the grader:
    ``output_kb`` for the notebook's cells, ``COLLECTOR_OUTPUT_CHARS`` for each collector cell), no
    widget or comm state (its size is the kernel's to choose), and the run's IPC folder handed
    back to root once the kernel is up (the kernel has bound its sockets: it needs no more room
    there, and the folder is on the grader's disk)."""

    def __init__(self, nb, km, output_bytes: int, shared: Path, **kw):
        super().__init__(nb, km=km, store_widget_state=False, **kw)
        self._budget = output_bytes
        self._collector_budget: dict[int, int] = {}
        self._shared = shared
        self.truncated = False
        self.started = False

    async def async_start_new_kernel_client(self):
        kc = await super().async_start_new_kernel_client()
        _seal(self._shared)
        self.started = True
        return kc

    def handle_comm_msg(self, outs, msg, cell_index) -> None:
        return None

    def output(self, outs, msg, display_id, cell_index):
        cell = self.nb.cells[cell_index]
        content = msg.get("content", {})
        text = content.get("text") if msg.get("msg_type") == "stream" else None
        # a stream's text is counted as is: encoding each of a thousand 1 MB prints only to measure
        # it cost seconds while a flood drained
        size = len(text) if isinstance(text, str) else len(json.dumps(content))
        if str(cell.get("id", "")).startswith(COLLECTOR_CELL_PREFIX):
            # what an answer's tolist() prints while it is collected lands here: bounded too (a
            # snapshot cut short no longer parses, and the earlier ones stand)
            left = self._collector_budget.setdefault(cell_index, COLLECTOR_OUTPUT_CHARS)
            if size > left:
                self._collector_budget[cell_index] = 0
                return None
            self._collector_budget[cell_index] = left - size
        else:
            if size > self._budget:
                self.truncated = True
                return None
            self._budget -= size
        return super().output(outs, msg, display_id, cell_index)


def _seal(folder: Path) -> None:
    if os.geteuid() != 0:
        return
    for entry in os.scandir(folder):
        os.chown(entry.path, 0, 0, follow_symlinks=False)
    os.chown(folder, 0, 0)
    os.chmod(folder, 0o711)


def _kill_group(km: AsyncKernelManager, slot: RunSlot) -> None:
    """Kill the kernel's process group, then anything left under the run's uid."""
    process = getattr(getattr(km, "provisioner", None), "process", None)
    if process is None:
        return
    try:
        os.killpg(process.pid, signal.SIGKILL)  # the launcher made the kernel a session (and group) leader
    except (ProcessLookupError, PermissionError):
        pass
    if slot.uid is not None:
        reap(slot.uid)


class KernelExecutor:
    """A fresh sandboxed kernel per job: nothing to warm up, nothing left to close."""

    name = ExecutorName.KERNEL

    def warm_up(self) -> None:
        _spec_manager()

    def prepare(self, limits: Limits, sandbox: Sandbox) -> None:
        pass  # a kernel is started for its job: nothing of it can be ready before

    def run(self, job: RunJob) -> RunResult:
        return run_in_kernel(job)

    def close(self) -> None:
        pass


def run_in_kernel(job: RunJob) -> RunResult:
    """Execute ``job.notebook`` in a fresh sandboxed kernel and return what it printed and raised."""
    with run_slot(job.limits) as slot:  # a uid and a control group of the run's own; all killed at the end
        return _run(job, slot)


def _run(job: RunJob, slot: RunSlot) -> RunResult:
    start = time.perf_counter()
    nb = nbformat.from_dict(copy.deepcopy(job.notebook))  # nbclient writes outputs into it
    limits = job.limits
    run = make_rundir()
    spec = {"home": str(run.home), "shared": str(run.shared), "hide": list(job.sandbox.hide), "keep": list(job.sandbox.keep),
            "uid": slot.uid, "cgroup": slot.join}
    env = clean_environment(run.home) | {LIMITS_ENV: json.dumps(dataclasses.asdict(limits)), SANDBOX_ENV: json.dumps(spec)}
    # IPC sockets live in the run's folder: no TCP port, and they still work in a kernel without a network
    km = _BoundedKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=_spec_manager(), transport="ipc",
                            ip=str(run.shared / "kernel"), connection_file=str(run.shared / "kernel.json"))
    client = _BoundedClient(
        nb, km, limits.output_kb * 1024, run.shared,
        kernel_name=KERNEL_NAME, timeout=int(max(1, limits.cell_seconds)), startup_timeout=60,
        allow_errors=True, interrupt_on_timeout=True, record_timing=False, shutdown_kernel="immediate",
        error_on_timeout={"ename": "CellTimeout", "evalue": f"the cell ran past {limits.cell_seconds:g} s", "traceback": []},
    )
    result = RunResult(executor=ExecutorName.KERNEL.value)
    expired = threading.Event()

    def on_deadline() -> None:
        expired.set()
        _kill_group(km, slot)

    watchdog = threading.Timer(limits.notebook_seconds, on_deadline)
    watchdog.daemon = True
    watchdog.start()
    try:
        client.execute(cwd=str(run.home), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except DeadKernelError:
        result.status, result.reason = "died", KERNEL_DIED
    except CellTimeoutError:
        result.status, result.reason = "timeout", f"a cell ran past {limits.cell_seconds:g} s"
    except Exception as exc:  # noqa: BLE001 - a run that cannot even start is recorded, not raised
        if client.started:  # the kernel's code can send anything (a message nested too deep, say)
            result.status, result.reason = "died", f"{KERNEL_DIED}: it broke the messaging protocol ({type(exc).__name__})"
        else:
            result.status, result.reason = "failed", f"the notebook could not be run: {type(exc).__name__}: {exc}"[:500]
    finally:
        watchdog.cancel()
        # a watchdog that fired as the run ended must be done reaping before the uid is handed on:
        # the next run of this worker may get the same uid, and its kernel would be killed
        watchdog.join()
        atexit.unregister(client._cleanup_kernel)  # nbclient leaves it registered when a start fails
        if client.kc is not None:  # nbclient only closes clients of kernel managers it made itself
            client.kc.stop_channels()
        _kill_group(km, slot)
        if km.has_kernel:
            run_sync(km.shutdown_kernel)(now=True)
        result.sandbox = _layers(run.root / LAYERS_FILE)
        result.cpu_seconds, result.memory_peak_mb = slot.usage()
        run.remove()
    if expired.is_set():
        result.status, result.reason = "timeout", f"the notebook ran past {limits.notebook_seconds:g} s and was stopped"
    result.output_truncated = client.truncated
    result.collected, result.errors = _harvest(nb)
    result.seconds = time.perf_counter() - start
    return result


def _layers(path: Path) -> dict[str, str]:
    try:
        # written by our launcher as root, where the run's uid cannot write
        state = json.loads(path.read_text()[:10_000])
    except (OSError, ValueError):
        return {"launcher": "off (the sandbox launcher left no record)"}
    return {str(k): str(v) for k, v in state.items()} if isinstance(state, dict) else {}


def _harvest(nb) -> tuple[list[str], list[CellError]]:
    collected, errors = [], []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        is_collector = str(cell.get("id", "")).startswith(COLLECTOR_CELL_PREFIX)
        if is_collector:  # one print, but the kernel may send it in several stream messages
            collected.append("".join(o.text for o in cell.get("outputs", [])
                                     if o.output_type == "stream" and o.get("name") == "stdout"))
            continue
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                errors.append(CellError(str(cell.get("id", "")), str(out.ename)[:200], str(out.evalue)[:500]))
    return collected, errors
