"""Run slots: a uid of its own and a control group for each run, handed out from a pool.

A run's uid is what keeps it from signalling, tracing or reading another run, and what finds the
processes it leaves behind. Derived from a pid (as it once was), a uid could be handed to a new
run while a process of an earlier run with the same uid still lived. Here a uid is taken only
under an exclusive ``flock`` on its own lock file (``/run/autograde/uids/<uid>``), held until
the run's processes are killed and its group removed; so concurrent batches, on any number of
workers, never share one. A uid is taken only when no live process holds it (``/proc`` is read
first): a process of a batch that crashed, whose lock died with it, is killed then (reap before
reuse), and the uid is used only once none is left. The run's control group is named after the
uid, so a group a crashed batch left behind is removed the same way.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from grader.limits import Limits
from grader.sandbox.cgroup import PREFIX, Hierarchy, RunCgroup, hierarchy

__all__ = ["BASE", "SIZE", "RunSlot", "acquire", "clear", "holders", "reap", "run_slot"]

BASE, SIZE = 2_000_000_000, 65_536
"""Run uids are BASE .. BASE + SIZE - 1: keep them unused by real accounts on a grading machine. The
range is apart from the 100000 + pid of older versions of autograde (a process found under a pool
uid without its lock is reaped: it must be a pool's leftover) and from the 65536-uid blocks that
/etc/subuid hands out from 100000; systemd leaves it unused (1879048192 to 2147483647)."""


def _lock_folder() -> Path:
    for folder in (Path("/run/autograde/uids"), Path(tempfile.gettempdir()) / "autograde-uids"):
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            if folder.stat().st_uid == os.geteuid():  # a folder someone else made could be rigged
                return folder
        except OSError:
            continue
    raise OSError("no folder for the uid locks (/run/autograde/uids)")


def holders() -> tuple[set[int], set[int]]:
    """Pool uids held by a live process, and by a dead one not yet collected by its parent (real,
    effective, saved or file-system uid).

    A zombie cannot run, but it still counts against its uid's ``RLIMIT_NPROC`` until collected: a
    fork bomb's 64 leave a new run under that uid unable to start a thread. Reads the head of every
    ``/proc/<pid>/status`` (about 2 ms for 150 processes): the owner of ``/proc/<pid>`` would not do,
    a process that switched uids is no longer dumpable and shows as root's.
    """
    live: set[int] = set()
    dead: set[int] = set()
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            fd = os.open(f"/proc/{name}/status", os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            head = os.read(fd, 1024)  # Name, Umask, State, ..., Uid come first
        except OSError:
            continue
        finally:
            os.close(fd)
        start = head.find(b"\nUid:")
        if start < 0:
            continue
        found = dead if b"\nState:\tZ" in head else live
        found.update(u for u in map(int, head[start + 5:head.find(b"\n", start + 1)].split()) if BASE <= u < BASE + SIZE)
    return live, dead


def reap(uid: int) -> None:
    """Kill every process under ``uid`` (one that left its process group, say), without waiting."""
    if os.geteuid() != 0:
        return
    pid = os.fork()
    if pid == 0:
        try:
            os.setgid(uid)
            os.setuid(uid)
            os.kill(-1, signal.SIGKILL)  # as that uid, -1 means: every process of that uid, at once
        except OSError:
            pass
        os._exit(0)
    os.waitpid(pid, 0)


def clear(uid: int, seconds: float = 2.0) -> bool:
    """Kill what runs under ``uid`` until nothing does; False if something still does after ``seconds``."""
    deadline = time.monotonic() + seconds
    while uid in holders()[0]:
        if time.monotonic() > deadline:
            return False
        reap(uid)
        time.sleep(0.01)
    return True


@dataclass
class RunSlot:
    """A run's uid (``None`` when the grader is not root) and its control group, with why not."""

    uid: int | None
    cgroup: RunCgroup | None = None
    cgroup_state: str = "on"
    _lock: int | None = field(default=None, repr=False)

    @property
    def join(self) -> list[str] | str:
        """What the run's first process needs: the group files to join, or why there is no group."""
        return list(self.cgroup.procs) if self.cgroup is not None else self.cgroup_state

    def usage(self) -> tuple[float | None, float | None]:
        return self.cgroup.usage() if self.cgroup is not None else (None, None)

    def stop(self) -> None:
        """SIGKILL every process in the run's group now, without waiting (``release`` finishes the job)."""
        if self.cgroup is not None:
            self.cgroup.kill(seconds=0)

    def release(self) -> None:
        """Kill everything the run left (by its group; by uid without one, or when it would not go), free the uid.

        With a group, every process of the run is in it (its first process joined as root, the
        group's files are root's): removing the group kills them all, and reaping by uid as well
        cost a fork of the worker each run (7% of the CPU of a batch of 1,000 notebooks). A process
        under the uid outside the group could only have been started by something outside the
        run; like one a crashed batch left, it is reaped before the uid is used again (``acquire``)."""
        if self._lock is None:
            return
        try:
            removed = self.cgroup is not None and self.cgroup.remove()
            if not removed and self.uid is not None:
                reap(self.uid)  # the next run given this uid checks that nothing is left
        finally:
            os.close(self._lock)  # closing the descriptor drops the flock
            self._lock = None


def _try_lock(folder: Path, uid: int) -> int | None:
    fd = os.open(folder / str(uid), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


_SWEPT: list[bool] = []
_STUCK: set[int] = set()  # uids whose processes would not die: not tried again by this process


def _sweep(hier: Hierarchy, folder: Path) -> None:
    """Remove the run groups no live batch holds (left by a crashed one): once per process."""
    if _SWEPT:
        return
    _SWEPT.append(True)
    for name in hier.names():
        uid = name.removeprefix(PREFIX)
        if not uid.isdigit() or not BASE <= int(uid) < BASE + SIZE:
            continue
        fd = _try_lock(folder, int(uid))
        if fd is not None:
            try:
                clear(int(uid))
                hier.group(name).remove()
            finally:
                os.close(fd)


def acquire(limits: Limits) -> RunSlot:
    """A free uid, checked unused by any process, and its fresh group with the run's limits."""
    if os.geteuid() != 0:
        return RunSlot(None, cgroup_state="off (the grader does not run as root)")
    folder = _lock_folder()
    hier = hierarchy()
    if isinstance(hier, Hierarchy):
        _sweep(hier, folder)
    for uid in range(BASE, BASE + SIZE):  # the lowest free one: few lock files, few uids ever used
        fd = None if uid in _STUCK else _try_lock(folder, uid)
        if fd is None:
            continue
        live, dead = holders()
        if uid in live:  # a process a crashed batch left: killed, else not this uid
            if not clear(uid):
                _STUCK.add(uid)
                os.close(fd)
                continue
            live, dead = holders()
        if uid in dead:  # dead processes not yet collected by their parent: free soon, not now
            os.close(fd)
            continue
        slot = RunSlot(uid, _lock=fd)
        if isinstance(hier, str):
            slot.cgroup_state = hier
            return slot
        group = hier.group(PREFIX + str(uid))
        try:
            group.create(limits.memory_mb, limits.processes)
            slot.cgroup = group
        except OSError as exc:
            group.remove()
            slot.cgroup_state = f"off (cgroup v{hier.version}: {exc.strerror or exc})"
        return slot
    raise OSError(f"every run uid from {BASE} to {BASE + SIZE - 1} is in use")


@contextlib.contextmanager
def run_slot(limits: Limits) -> Iterator[RunSlot]:
    """``acquire`` for the length of a ``with`` block, released (everything reaped) at its end."""
    slot = acquire(limits)
    try:
        yield slot
    finally:
        slot.release()
