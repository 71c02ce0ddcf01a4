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


def run_measured(cmd: list[str], log: Path, interval: float = 0.05, **kw) -> TreeUsage:
    """Run ``cmd`` (output to ``log``), sampling the memory of it and all its descendants."""
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
        sampler.start()
        _, status, rusage = os.wait4(proc.pid, 0)
        usage.wall = time.perf_counter() - start
        stop.set()
        sampler.join()
        proc.returncode = usage.returncode = os.waitstatus_to_exitcode(status)
    usage.max_single_rss_mb = rusage.ru_maxrss / 1024  # kB on Linux
    return usage


def self_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
