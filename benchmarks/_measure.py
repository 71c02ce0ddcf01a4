"""Wall time and memory of a command's whole process tree, read from /proc while it runs."""

from __future__ import annotations

import os
import resource
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def busy() -> bool:
    """True when the 1-minute load average says something else is using the machine."""
    return float(Path("/proc/loadavg").read_text().split()[0]) > 0.5


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(f"/proc/{entry.name}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
            tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _memory_kb(pid: int) -> tuple[int, int]:
    """(PSS, RSS) in kB: PSS shares each page among the processes mapping it (forks share a lot)."""
    try:
        pss = rss = 0
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
            elif line.startswith("Rss:"):
                rss = int(line.split()[1])
        return pss, rss
    except (OSError, ValueError):
        try:
            rss = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE // 1024
            return rss, rss
        except OSError:
            return 0, 0


@dataclass
class TreeUsage:
    wall: float = 0.0
    returncode: int = 0
    peak_pss_mb: float = 0.0      # sum over the tree, sampled
    peak_rss_mb: float = 0.0      # sum over the tree, sampled (counts shared pages once per process)
    peak_processes: int = 0
    max_single_rss_mb: float = 0.0  # the largest single process that was waited for (wait4's ru_maxrss)
    samples: int = 0


def run_measured(cmd: list[str], log: Path, interval: float | None = 0.05, **kw) -> TreeUsage:
    """Run ``cmd`` (output to ``log``), sampling the memory of it and all its descendants every
    ``interval`` seconds (``None``: not at all; a batch of 1,000 took 0.5 s longer sampled, the
    sampler using 1 s of CPU on two cores)."""
    usage = TreeUsage()
    with open(log, "w") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, **kw)
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                tree, pids, todo = _children(), [], [proc.pid]
                while todo:
                    pid = todo.pop()
                    pids.append(pid)
                    todo += tree.get(pid, [])
                mem = [_memory_kb(p) for p in pids]
                usage.peak_pss_mb = max(usage.peak_pss_mb, sum(m[0] for m in mem) / 1024)
                usage.peak_rss_mb = max(usage.peak_rss_mb, sum(m[1] for m in mem) / 1024)
                usage.peak_processes = max(usage.peak_processes, len(pids))
                usage.samples += 1
                stop.wait(interval)

        sampler = threading.Thread(target=sample, daemon=True)
        if interval is not None:
            sampler.start()
        _, status, rusage = os.wait4(proc.pid, 0)
        usage.wall = time.perf_counter() - start
        stop.set()
        if interval is not None:
            sampler.join()
        proc.returncode = usage.returncode = os.waitstatus_to_exitcode(status)
    usage.max_single_rss_mb = rusage.ru_maxrss / 1024  # kB on Linux
    return usage


def self_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


RUN_COMMANDS = ("grader.sandbox.zygote", "grader.sandbox.launch", "ipykernel_launcher")
"""Command lines of processes that run student code: their memory is the run's (its control group's)."""


def _peak_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _runs_student_code(pid: int) -> bool:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False
    return any(name in command for name in RUN_COMMANDS)


class GraderPeak:
    """The peak resident memory (VmHWM) of a grading process (``root``) and every grader process
    it starts (the pool's server and workers), leaving out the processes that run student code and
    theirs (their memory is the runs', bounded by their control groups), sampled while the ``with``
    block runs."""

    def __init__(self, root: int, interval: float = 0.1):
        self.root, self.interval = root, interval
        self.peaks: dict[int, int] = {}  # pid -> its peak, kB
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            tree, todo = _children(), [self.root]
            while todo:
                pid = todo.pop()
                if pid != self.root and _runs_student_code(pid):
                    continue
                self.peaks[pid] = max(self.peaks.get(pid, 0), _peak_kb(pid))
                todo += tree.get(pid, [])
            self._stop.wait(self.interval)

    def __enter__(self) -> GraderPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def main_mb(self) -> float:
        return self.peaks.get(self.root, 0) / 1024

    @property
    def workers_mb(self) -> float:
        """The largest peak of any other grader process (a pool worker, its process server)."""
        return max((kb for pid, kb in self.peaks.items() if pid != self.root), default=0) / 1024
