"""Isolation layers applied inside the child (as root) before student code runs.

0. ``cgroup``: the run's first process joins the control group the grader made for the run
   (``cgroup.py``): every process it starts is counted in it, and it cannot leave.
1. ``network``: new network and IPC namespaces: no interface is up, so no socket reaches
   anything (not even the grader's loopback or its abstract UNIX sockets), and System V shared
   memory or message queues die with the run instead of outliving it.
2. ``filesystem``: a new mount namespace in which the course folder (gradebook, submissions,
   secret), the grader's home and source, ``/tmp``, ``/var/tmp`` and ``/dev/shm`` are covered by
   empty root-owned tmpfs; only what the run needs (the interpreter, its environment, the run's
   own folder) is bound back; the working directory is a tmpfs capped in size and inodes; the
   rest of the root file system is read-only. If any step fails, the run goes back to the
   grader's view rather than keep a half-made one.
3. ``user``: the run switches to the uid the grader took for it from the pool (``uids.py``: no
   two live runs, nor a live process of an earlier run, share one, so one cannot signal or read
   another), with no supplementary groups and ``no_new_privs``; only then does the process cap
   (RLIMIT_NPROC, per uid) mean anything.

Each layer needs root (CAP_SYS_ADMIN for the namespaces, CAP_SETUID for the uid). Where a layer
is unavailable the run still goes ahead with the others, and the result says which layers held,
so a batch can warn loudly; the resource limits and the scrubbed environment always apply.
"""

from __future__ import annotations

import ctypes
import errno
import os
import signal
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

__all__ = ["LAYERS", "die_with_parent", "isolate"]

LAYERS = ("cgroup", "network", "filesystem", "user")
CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWNET = 0x00020000, 0x08000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 32, 4096, 16384, 1 << 18
PR_SET_NO_NEW_PRIVS, PR_SET_PDEATHSIG = 38, 1
SCRATCH = ("/tmp", "/var/tmp", "/dev/shm")


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _call(result: int, what: str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    def enc(s: str | None) -> bytes | None:
        return s.encode() if s is not None else None

    _call(_libc().mount(enc(source), enc(target), enc(fstype), flags, enc(data)), f"mount {target}")


def _private_view(hide: Iterable[str], keep: Iterable[str], home: Path, disk_mb: int, uid: int) -> None:
    libc = _libc()
    _call(libc.unshare(CLONE_NEWNS), "unshare(mount)")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    keep = {os.path.realpath(p) for p in keep if os.path.isdir(p)}
    hide = ({os.path.realpath(p) for p in hide if os.path.isdir(p)} | _closed_ancestors(keep)) - keep
    # handles on the kept folders, taken before anything is covered, to bind them back from
    handles = {k: os.open(k, os.O_PATH | os.O_DIRECTORY) for k in keep}
    try:
        for path in _covering_order(hide, keep):
            if path in hide:
                _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,nr_inodes=4k,mode=755")
            else:
                os.makedirs(path, exist_ok=True)
                _mount(f"/proc/self/fd/{handles[path]}", path, None, MS_BIND | MS_REC)
    finally:
        for fd in handles.values():
            os.close(fd)
    home.mkdir(parents=True, exist_ok=True)
    _mount("tmpfs", str(home), "tmpfs", MS_NOSUID | MS_NODEV,
           f"size={disk_mb}m,nr_inodes={64 * disk_mb},mode=700,uid={uid},gid={uid}")
    # everything else on the root file system is read-only to the run (world-writable folders
    # such as /var/crash must not fill the grader's disk or carry files from one run to the next)
    _mount(None, "/", None, MS_REMOUNT | MS_BIND | MS_RDONLY)


def _covering_order(hide: set[str], keep: set[str]) -> list[str]:
    """The mounts to make, shallowest first: a hidden folder unless one above it is already
    covered (its mount point is gone then), a kept folder only where one above it is covered."""
    plan: list[str] = []
    for path in sorted(hide | keep, key=lambda p: (p.count("/"), p)):
        above = [p for p in plan if path.startswith(p.rstrip("/") + "/")]
        covered = bool(above) and max(above, key=len) in hide
        if (path in hide) != covered:
            plan.append(path)
    return plan


def _closed_ancestors(paths: Iterable[str]) -> set[str]:
    """Folders the run's uid could not pass through on the way to a kept folder (``/root`` is 0700
    where pyenv keeps the interpreter): they are covered too, and the kept folder bound back."""
    closed = set()
    for path in paths:
        for parent in Path(path).parents:
            if str(parent) != "/" and not os.stat(parent).st_mode & 0o001:
                closed.add(str(parent))
    return closed


def die_with_parent() -> None:
    """Ask the kernel to kill this process when its parent dies (set after the uid switch, which
    clears it), so that a run never outlives the worker that watches it."""
    parent = os.getppid()
    _libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before we asked
        os._exit(1)


def _drop_privileges(uid: int) -> None:
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    _call(_libc().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(no_new_privs)")


def _join(cgroup: Sequence[str] | str) -> str:
    """Join the run's control group (its ``cgroup.procs`` files), or say why there is none."""
    if isinstance(cgroup, str):
        return cgroup
    try:
        for procs in cgroup:
            with open(procs, "w") as handle:
                handle.write(str(os.getpid()))
    except OSError as exc:
        return f"off (could not join the run's group: {exc.strerror or exc})"
    return "on"


def isolate(home: Path, shared: Path | None, hide: Iterable[str], keep: Iterable[str], disk_mb: int,
            uid: int | None, cgroup: Sequence[str] | str, owned: Iterable[Path] = (),
            stamps: dict[str, float] | None = None) -> dict[str, str]:
    """Apply every layer this process can; return each layer's state ("on" or why it is off).

    ``home`` becomes the working directory; ``shared`` (the kernel's IPC folder, which the grader
    sees too) and the ``owned`` files are handed to the run's ``uid`` before it is taken;
    ``cgroup`` is the run's group to join, or why it has none. ``stamps`` gets the monotonic time
    each layer was done at (for benchmarks/breakdown.py).
    """
    stamps = {} if stamps is None else stamps
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a file past its cap fails with EFBIG, not a kill
    if os.geteuid() != 0 or uid is None:
        reason = "off (the grader does not run as root)"
        return dict.fromkeys(LAYERS, reason)
    state = {"cgroup": _join(cgroup)}  # first: everything after, this process's memory included, counts
    stamps["cgroup"] = time.monotonic()
    try:
        # System V shared memory and message queues outlive their process unless their namespace
        # dies with the run: a new IPC namespace is part of this layer
        _call(_libc().unshare(CLONE_NEWNET | CLONE_NEWIPC), "unshare(network, ipc)")
        state["network"] = "on"
    except OSError as exc:
        state["network"] = f"off ({exc.strerror if exc.errno != errno.EPERM else 'not permitted here'})"
    stamps["network"] = time.monotonic()
    original = os.open("/proc/self/ns/mnt", os.O_RDONLY)
    try:
        # the interpreter and its environment are always needed, whatever the caller listed
        keep_paths = [*keep, sys.base_prefix, sys.prefix, sys.exec_prefix, str(home.parent)]
        _private_view([*hide, *SCRATCH], keep_paths, home, disk_mb, uid)
        state["filesystem"] = "on"
    except OSError as exc:
        # a half-made view (the interpreter covered, say) is worse than none: back to the grader's
        if _libc().setns(original, CLONE_NEWNS) != 0:
            os._exit(71)
        state["filesystem"] = f"off ({exc})"
        home.mkdir(parents=True, exist_ok=True)
    finally:
        os.close(original)
    os.chdir(home)  # the new tmpfs, not the folder underneath it
    stamps["filesystem"] = time.monotonic()
    try:
        for path in (home, *([shared] if shared else []), *owned):
            if os.path.exists(path):
                os.chown(path, uid, uid)
        _drop_privileges(uid)
        state["user"] = "on"
    except OSError as exc:
        state["user"] = f"off ({exc})"
    stamps["user"] = time.monotonic()
    return state
