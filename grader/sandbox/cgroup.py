"""A control group per run: the whole run's memory, process count and CPU time, not each process's.

``RLIMIT_AS`` caps one process; three processes of a run could each hold nearly ``memory_mb``.
The run's group caps their sum (``memory_mb``, page cache and tmpfs files included), counts its
processes and threads against ``processes`` whatever their uid, and accounts the CPU time it used.

cgroup v2 where the machine's unified hierarchy offers the memory and pids controllers, else the
v1 hierarchies of those controllers (cpuacct, where mounted, for the CPU time). The groups live
under ``autograde/`` beside the grader's own group (v2: a process may only sit in a leaf) or
inside it (v1), so whatever limits the grader runs under still hold. The grader makes
``autograde/run-<uid>`` and sets its limits; the run's first process joins it as root, before it
drops to the run's uid (it cannot leave it afterwards, the files are root's); when the run ends
the grader kills what is left in it and removes it. A group left by a crashed batch is removed when
its uid is next handed out, or when a later batch starts (``uids.py``, which owns the naming).
"""

from __future__ import annotations

import errno
import os
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

__all__ = ["Hierarchy", "RunCgroup", "hierarchy"]

V1_NEEDED = ("memory", "pids")
V1_ACCOUNTING = ("cpuacct",)
PREFIX = "run-"


@dataclass(frozen=True)
class Hierarchy:
    """Where run groups are made: one folder per controller (v1) or one for all (v2)."""

    version: int
    bases: tuple[Path, ...]            # each holds the run groups; v1: memory, pids, then cpuacct if any

    def group(self, name: str) -> RunCgroup:
        return RunCgroup(self.version, tuple(base / name for base in self.bases))

    def names(self) -> Iterator[str]:
        """The run groups that exist now (of any batch, live or left behind)."""
        try:
            yield from sorted(e.name for e in os.scandir(self.bases[0]) if e.is_dir() and e.name.startswith(PREFIX))
        except OSError:
            return


@dataclass(frozen=True)
class RunCgroup:
    """One run's group (one folder per hierarchy on v1)."""

    version: int
    folders: tuple[Path, ...]

    @property
    def procs(self) -> tuple[str, ...]:
        """The files the run's first process writes its pid to, to join."""
        return tuple(str(f / "cgroup.procs") for f in self.folders)

    def create(self, memory_mb: int, processes: int) -> None:
        """Make the group afresh (a stale one of the same name is emptied and removed first)."""
        self.remove()
        for folder in self.folders:
            folder.mkdir()
        limit = str(memory_mb * 1024 * 1024)
        if self.version == 2:
            _write(self.folders[0] / "memory.max", limit)
            _write(self.folders[0] / "memory.swap.max", "0", optional=True)
            _write(self.folders[0] / "pids.max", str(processes))
        else:
            memory, pids = self.folders[0], self.folders[1]
            _write(memory / "memory.limit_in_bytes", limit)
            _write(memory / "memory.memsw.limit_in_bytes", limit, optional=True)  # no swapping past it either
            _write(pids / "pids.max", str(processes))

    def pids(self) -> set[int]:
        found: set[int] = set()
        for folder in self.folders:
            try:
                found |= {int(p) for p in (folder / "cgroup.procs").read_text().split()}
            except (OSError, ValueError):
                pass
        return found

    def kill(self, seconds: float = 2.0) -> None:
        """SIGKILL everything in the group until it is empty (a process forking meanwhile is caught
        on the next pass; ``pids.max`` bounds how many there can be)."""
        if self.version == 2:  # one write kills the whole group at once (Linux 5.14 and later)
            _write(self.folders[0] / "cgroup.kill", "1", optional=True)
        deadline = time.monotonic() + seconds
        while left := self.pids():
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            if time.monotonic() >= deadline:  # seconds=0: one round of SIGKILL, without waiting
                break
            time.sleep(0.005)

    def remove(self, seconds: float = 2.0) -> bool:
        """Kill what is left and remove the group; False when it could not be removed (yet)."""
        if not any(f.exists() for f in self.folders):
            return True
        self.kill(seconds)
        deadline = time.monotonic() + seconds
        for folder in self.folders:
            while folder.exists():
                try:
                    folder.rmdir()
                except FileNotFoundError:
                    break
                except OSError as exc:  # EBUSY: a process killed a moment ago is still leaving
                    if exc.errno != errno.EBUSY or time.monotonic() > deadline:
                        return False
                    time.sleep(0.01)
        return True

    def usage(self) -> tuple[float | None, float | None]:
        """(CPU seconds, peak memory in MB) the run used, where the kernel says."""
        if self.version == 2:
            cpu = _read(self.folders[0] / "cpu.stat", "usage_usec", 1e-6)
            peak = _read(self.folders[0] / "memory.peak", None, 1 / 2**20)
        else:
            cpu = _read(self.folders[2] / "cpuacct.usage", None, 1e-9) if len(self.folders) > 2 else None
            peak = _read(self.folders[0] / "memory.max_usage_in_bytes", None, 1 / 2**20)
        return cpu, peak


def _write(path: Path, value: str, optional: bool = False) -> bool:
    """Write a control file; an optional one the kernel does not offer is skipped."""
    try:
        path.write_text(value)
        return True
    except OSError:
        if optional:
            return False
        raise


def _read(path: Path, key: str | None, scale: float) -> float | None:
    try:
        text = path.read_text()
    except OSError:
        return None
    for line in text.splitlines():
        words = line.split()
        if key is None and len(words) == 1 and words[0].isdigit():
            return int(words[0]) * scale
        if key is not None and len(words) == 2 and words[0] == key and words[1].isdigit():
            return int(words[1]) * scale
    return None


# -- finding a hierarchy --------------------------------------------------------------------------

@dataclass(frozen=True)
class _Mount:
    root: str          # the part of the hierarchy this mount shows
    point: Path
    fstype: str
    options: frozenset[str]


def _mounts(mountinfo: str) -> list[_Mount]:
    mounts = []
    for line in mountinfo.splitlines():
        left, _, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if len(fields) >= 5 and len(tail) >= 3 and tail[0] in ("cgroup", "cgroup2"):
            mounts.append(_Mount(fields[3], Path(fields[4].replace("\\040", " ")), tail[0], frozenset(tail[2].split(","))))
    return mounts


def _memberships(proc_cgroup: str) -> dict[str, str]:
    """Controller (or "" for v2) -> this process's group path in that hierarchy."""
    found = {}
    for line in proc_cgroup.splitlines():
        _, controllers, path = line.split(":", 2)
        for name in controllers.split(",") if controllers else [""]:
            found[name] = path
    return found


def _inside(mount: _Mount, path: str) -> Path | None:
    """The folder of group ``path`` under ``mount``, or None when the mount does not show it."""
    root = mount.root.rstrip("/") or "/"
    if root != "/" and path != root and not path.startswith(root + "/"):
        return None
    relative = path[len(root):] if root != "/" else path
    return mount.point / relative.lstrip("/")


def _v2_base(mounts: list[_Mount], groups: dict[str, str]) -> tuple[Path | None, str]:
    mount = next((m for m in mounts if m.fstype == "cgroup2"), None)
    if mount is None or "" not in groups:
        return None, "no cgroup v2 hierarchy"
    own = _inside(mount, groups[""])
    if own is None:
        return None, "the grader's cgroup v2 group is not visible"
    try:
        offered = set((own / "cgroup.controllers").read_text().split())
    except OSError as exc:
        return None, f"cgroup v2: {exc.strerror}"
    if not set(V1_NEEDED) <= offered:
        return None, f"cgroup v2 offers only {' '.join(sorted(offered)) or 'no controllers'} here"
    # a group with processes in it cannot hand controllers down: the runs' groups go beside ours
    return (own if own == mount.point else own.parent) / "autograde", ""


def _v1_bases(mounts: list[_Mount], groups: dict[str, str]) -> tuple[tuple[Path, ...] | None, str]:
    bases = []
    for name in (*V1_NEEDED, *V1_ACCOUNTING):
        mount = next((m for m in mounts if m.fstype == "cgroup" and name in m.options), None)
        own = _inside(mount, groups[name]) if mount is not None and name in groups else None
        if own is None:
            if name in V1_NEEDED:
                return None, f"no cgroup v1 {name} hierarchy"
            continue
        bases.append(own / "autograde")
    return tuple(bases), ""


def _prepare(hier: Hierarchy) -> None:
    for base in hier.bases:
        base.mkdir(exist_ok=True)
    if hier.version == 2:
        control = hier.bases[0] / "cgroup.subtree_control"
        present = set(control.read_text().split()) if control.exists() else set()
        wanted = [c for c in V1_NEEDED if c not in present]
        if wanted:
            _write(hier.bases[0] / "cgroup.subtree_control", " ".join(f"+{c}" for c in wanted))


def find_hierarchy(mountinfo: str, proc_cgroup: str) -> Hierarchy | str:
    """Where this machine lets us make run groups (v2 first), or why it does not."""
    mounts, groups = _mounts(mountinfo), _memberships(proc_cgroup)
    v2, why_not_v2 = _v2_base(mounts, groups)
    candidates = [Hierarchy(2, (v2,))] if v2 is not None else []
    v1, why_not_v1 = _v1_bases(mounts, groups)
    if v1 is not None:
        candidates.append(Hierarchy(1, v1))
    reasons = [why_not_v2] if v2 is None else []
    for hier in candidates:
        try:
            _prepare(hier)
            return hier
        except OSError as exc:
            reasons.append(f"cgroup v{hier.version}: {exc.strerror or exc}")
    if v1 is None:
        reasons.append(why_not_v1)
    return "off (" + "; ".join(reasons) + ")"


@lru_cache(maxsize=1)
def hierarchy() -> Hierarchy | str:
    """This machine's hierarchy for run groups (found once per process), or why there is none."""
    if os.geteuid() != 0:
        return "off (the grader does not run as root)"
    try:
        return find_hierarchy(Path("/proc/self/mountinfo").read_text(), Path("/proc/self/cgroup").read_text())
    except OSError as exc:
        return f"off ({exc})"
