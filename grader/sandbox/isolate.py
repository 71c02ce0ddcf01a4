"""Isolation layers applied inside the child (as root) before student code runs.

1. ``network``: a new network namespace with no interface up, so no socket reaches anything.
2. ``filesystem``: a new mount namespace in which the course folder (gradebook, submissions,
   secret), the grader's home, ``/tmp``, ``/var/tmp`` and ``/dev/shm`` are replaced by empty
   tmpfs; only what the kernel needs (the interpreter, its environment, the run's IPC folder) is
   bound back, and the working directory is a size-capped tmpfs of its own.
3. ``user``: the run switches to a uid of its own (100000 + its pid: no two runs share one, so one
   cannot signal or read another), with no supplementary groups and ``no_new_privs``; only then
   does the process cap (RLIMIT_NPROC, per uid) mean anything.

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
from collections.abc import Iterable
from pathlib import Path

__all__ = ["LAYERS", "isolate", "reap", "run_uid"]

LAYERS = ("network", "filesystem", "user")
CLONE_NEWNS, CLONE_NEWNET = 0x00020000, 0x40000000
MS_NOSUID, MS_NODEV, MS_BIND, MS_REC, MS_PRIVATE = 2, 4, 4096, 16384, 1 << 18
PR_SET_NO_NEW_PRIVS = 38
SCRATCH = ("/tmp", "/var/tmp", "/dev/shm")


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _call(result: int, what: str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")


def run_uid(pid: int | None = None) -> int:
    """The uid a run takes: unique while the run's first process lives."""
    return 100_000 + (os.getpid() if pid is None else pid)


def reap(uid: int) -> None:
    """Kill every process left under a run's uid (one that left its process group, say)."""
    if os.geteuid() != 0:
        return
    pid = os.fork()
    if pid == 0:
        try:
            os.setgid(uid)
            os.setuid(uid)
            os.kill(-1, signal.SIGKILL)  # as that uid, -1 means: every process of that uid
        except OSError:
            pass
        os._exit(0)
    os.waitpid(pid, 0)


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    enc = (lambda s: s.encode() if s is not None else None)
    _call(_libc().mount(enc(source), enc(target), enc(fstype), flags, enc(data)), f"mount {target}")


def _private_view(hide: Iterable[str], keep: Iterable[str], home: Path, disk_mb: int, uid: int) -> None:
    libc = _libc()
    _call(libc.unshare(CLONE_NEWNS), "unshare(mount)")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    keep = {os.path.realpath(p) for p in keep if os.path.isdir(p)}
    hide = {os.path.realpath(p) for p in hide if os.path.isdir(p)} | _closed_ancestors(keep)
    # handles on the kept folders, taken before anything is covered, to bind them back from
    handles = {k: os.open(k, os.O_PATH | os.O_DIRECTORY) for k in keep}
    try:
        for path in sorted(hide | keep, key=lambda p: (p.count("/"), p)):
            if path in hide:
                _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=755")
            elif any(path.startswith(h.rstrip("/") + "/") for h in hide):
                os.makedirs(path, exist_ok=True)
                _mount(f"/proc/self/fd/{handles[path]}", path, None, MS_BIND | MS_REC)
    finally:
        for fd in handles.values():
            os.close(fd)
    home.mkdir(parents=True, exist_ok=True)
    _mount("tmpfs", str(home), "tmpfs", MS_NOSUID | MS_NODEV, f"size={disk_mb}m,mode=700,uid={uid},gid={uid}")


def _closed_ancestors(paths: Iterable[str]) -> set[str]:
    """Folders the run's uid could not pass through on the way to a kept folder (``/root`` is 0700
    where pyenv keeps the interpreter): they are covered too, and the kept folder bound back."""
    closed = set()
    for path in paths:
        for parent in Path(path).parents:
            if str(parent) != "/" and not os.stat(parent).st_mode & 0o001:
                closed.add(str(parent))
    return closed


def _drop_privileges(uid: int) -> None:
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    _call(_libc().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(no_new_privs)")


def isolate(home: Path, shared: Path, hide: Iterable[str], keep: Iterable[str], disk_mb: int,
            owned: Iterable[Path] = ()) -> dict[str, str]:
    """Apply every layer this process can; return each layer's state ("on" or why it is off).

    ``home`` becomes the working directory, ``shared`` (the IPC folder the grader reads) stays
    visible to the grader, ``owned`` files are handed to the run's uid before it is taken.
    """
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a file past its cap fails with EFBIG, not a kill
    if os.geteuid() != 0:
        reason = "off (the grader does not run as root)"
        return dict.fromkeys(LAYERS, reason)
    state: dict[str, str] = {}
    uid = run_uid()
    try:
        _call(_libc().unshare(CLONE_NEWNET), "unshare(network)")
        state["network"] = "on"
    except OSError as exc:
        state["network"] = f"off ({exc.strerror if exc.errno != errno.EPERM else 'not permitted here'})"
    try:
        # the interpreter and its environment are always needed, whatever the caller listed
        keep_paths = [*keep, sys.base_prefix, sys.prefix, sys.exec_prefix, str(shared), str(home.parent)]
        _private_view([*hide, *SCRATCH], keep_paths, home, disk_mb, uid)
        state["filesystem"] = "on"
    except OSError as exc:
        state["filesystem"] = f"off ({exc})"
        home.mkdir(parents=True, exist_ok=True)
    os.chdir(home)  # the new tmpfs, not the folder underneath it
    try:
        for path in (home, shared, *owned):
            if os.path.exists(path):
                os.chown(path, uid, uid)
        _drop_privileges(uid)
        state["user"] = "on"
    except OSError as exc:
        state["user"] = f"off ({exc})"
    return state
