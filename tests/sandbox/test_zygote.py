"""One zygote serves every worker of a batch: each user asks for children over its own socket."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from pathlib import Path

import pytest

from grader.sandbox import forked
from grader.sandbox.zygote import Zygote


def _children(zygote: Zygote, n: int) -> list[int]:
    pids = []
    for _ in range(n):
        pid, sock = zygote.spawn()
        sock.close()  # the child reads the end of its set-up and leaves; killed if it has not yet
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        pids.append(pid)
    return pids


def test_users_of_one_zygote_get_their_own_children_and_it_leaves_when_the_last_is_gone():
    started = Zygote()
    other = Zygote.through(started.door, started.pid)
    found: dict[str, list[int]] = {}
    threads = [threading.Thread(target=lambda name=name, z=z: found.__setitem__(name, _children(z, 20)))
               for name, z in (("starter", started), ("other", other))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(found["starter"]) == len(found["other"]) == 20  # no reply went to the wrong user
    assert len(set(found["starter"]) | set(found["other"])) == 40
    other.stop()
    assert started.alive() and _children(started, 1)  # one user leaving leaves the others served
    started.stop()
    assert started.process is not None and started.process.returncode == 0  # left by itself, not killed


def test_a_zygote_stays_while_a_user_holds_it():
    started = Zygote()
    other = Zygote.through(started.door, started.pid)
    started.control.close()  # the starter leaves without waiting for it (stop() waits, then kills)
    started.door.close()
    assert _children(other, 1)  # still served
    other.stop()
    assert started.process is not None and started.process.wait(timeout=10) == 0  # gone with its last user


def test_a_worker_whose_shared_zygote_has_gone_starts_its_own(monkeypatch):
    gone = Zygote()
    door = gone.door.dup()
    gone.stop()
    monkeypatch.setattr(forked, "_SHARED", (door, gone.pid))
    with pytest.raises(OSError):
        Zygote.through(door, gone.pid)  # nothing listens at its door
    own = forked._new_zygote()
    try:
        assert own.process is not None and own.pid != gone.pid
        assert _children(own, 1)
    finally:
        own.stop()
        door.close()


def test_the_zygote_has_nothing_of_the_grader_s_environment_and_numpy_without_threads(monkeypatch):
    monkeypatch.setenv("AUTOGRADE_SECRET", "not-for-students")
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "8")  # the instructor's setting is not a run's
    zygote = Zygote()
    try:
        assert _children(zygote, 1)  # it has imported numpy and IPython by the time it forks
        raw = Path(f"/proc/{zygote.pid}/environ").read_text()
        environ = dict(item.split("=", 1) for item in raw.split("\0") if item)
        assert set(environ) <= {"PATH", "LANG", "LC_ALL", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"}
        assert environ["OPENBLAS_NUM_THREADS"] == environ["OMP_NUM_THREADS"] == "1"
        # OpenBLAS started no thread pool (one spun ~0.1 s of CPU at import, and a run's sums
        # could depend on the thread count, unlike the kernel route's single thread)
        assert os.listdir(f"/proc/{zygote.pid}/task") == [str(zygote.pid)]
    finally:
        zygote.stop()
