"""Run uids come from a pool: never two live runs, nor a run and a live process of an earlier one,
share a uid; what a crashed batch left is reaped before its uid is used again.

Each test takes its uids from a range of its own, away from any batch running on the machine, with
its lock files in a folder of its own.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time

import pytest

from grader.limits import Limits
from grader.sandbox import uids
from grader.sandbox.cgroup import PREFIX, Hierarchy, hierarchy
from tests.hostile.course import run_uid_processes

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="run uids are taken and reaped as root")

HOLD = """
import os, sys, time
from pathlib import Path
from grader.sandbox import uids
from grader.sandbox.cgroup import PREFIX, Hierarchy, hierarchy
from grader.limits import Limits
from tests.hostile.course import run_uid_processes
uids.BASE = int(sys.argv[1])
uids._lock_folder = lambda: Path(sys.argv[3])
slot = uids.acquire(Limits())
print(slot.uid, flush=True)
if sys.argv[2] == "crash":  # leave a process under the uid and die without releasing it
    pid = os.fork()
    if pid == 0:
        os.setsid()
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)  # not the pipe the test reads: that one must close when the batch dies
        os.closerange(3, 65536)  # nor the uid's lock, as a run's child closes it (else it holds the lock until exec)
        os.setgid(slot.uid)
        os.setuid(slot.uid)
        os.execv("/bin/sleep", ["sleep", "600"])
    os._exit(0)
time.sleep(float(sys.argv[2]))
slot.release()
"""


@pytest.fixture
def base(monkeypatch, tmp_path) -> int:
    first = uids.BASE + uids.SIZE + random.Random(os.getpid() + time.time_ns()).randrange(0, 1_000_000, 100)
    monkeypatch.setattr(uids, "BASE", first)
    monkeypatch.setattr(uids, "_lock_folder", lambda: tmp_path)
    yield first
    hier = hierarchy()  # the groups of the batches these tests crash or kill, outside any pool's range
    for name in list(hier.names()) if isinstance(hier, Hierarchy) else []:
        if first <= int(name.removeprefix(PREFIX)) < first + 100:
            uids.reap(int(name.removeprefix(PREFIX)))
            hier.group(name).remove()


def _holder(base: int, how: str) -> subprocess.Popen:
    """Another batch (a process of its own) taking a uid from the same range and lock folder."""
    return subprocess.Popen([sys.executable, "-c", HOLD, str(base), how, str(uids._lock_folder())],
                            stdout=subprocess.PIPE, text=True)


def _holding(uid: int) -> bool:
    """Whether a process holds ``uid`` (read from /proc, apart from the pool's own way of asking)."""
    return uid in {found for found, _ in run_uid_processes().values()}


def _alive(uid: int) -> bool:
    for _ in range(200):  # the process switches to the uid just after its batch printed it
        if _holding(uid):
            return True
        time.sleep(0.01)
    return False


def test_a_uid_held_by_another_batch_is_not_handed_out(base):
    holder = _holder(base, "5")
    try:
        held = int(holder.stdout.readline())
        slot = uids.acquire(Limits())
        try:
            assert held == base and slot.uid == base + 1
        finally:
            slot.release()
    finally:
        holder.kill()
        holder.communicate()


def test_a_process_a_crashed_batch_left_is_reaped_before_its_uid_is_used_again(base):
    crashed = _holder(base, "crash")
    left = int(crashed.stdout.readline())
    crashed.communicate()
    assert left == base and _alive(left)  # a process under the uid, its lock gone with the batch
    slot = uids.acquire(Limits())
    try:
        assert not _holding(left)  # killed; the uid is handed out once its parent has collected it too
        assert slot.uid in (left, left + 1)  # the next one while the dead process waited to be collected
    finally:
        slot.release()


def test_concurrent_batches_never_share_a_uid(base):
    holders = [_holder(base, "2") for _ in range(6)]
    try:
        taken = [int(h.stdout.readline()) for h in holders]
    finally:
        for h in holders:
            h.communicate()
    assert len(set(taken)) == 6 and set(taken) == set(range(base, base + 6))


def _as_run(uid: int, join: tuple[str, ...] = ()) -> subprocess.Popen:
    """A process under ``uid`` in a session of its own, in the run's group if ``join`` names its files."""
    def become() -> None:
        for procs in join:
            with open(procs, "w") as handle:
                handle.write(str(os.getpid()))
        os.setsid()
        os.setgid(uid)
        os.setuid(uid)

    return subprocess.Popen(["/bin/sleep", "600"], preexec_fn=become, stdin=subprocess.DEVNULL,  # noqa: PLW1509
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_releasing_a_run_kills_its_group_and_the_next_taker_of_its_uid_reaps_the_rest(base):
    slot = uids.acquire(Limits())
    if slot.cgroup is None:
        slot.release()
        pytest.skip(f"no control group here: {slot.cgroup_state}")
    uid = slot.uid
    inside = _as_run(uid, slot.cgroup.procs)  # a run's process (a daemon in a session of its own, say)
    outside = _as_run(uid)  # under the uid but not in the group: only something outside the run starts one
    try:
        assert _alive(uid) and inside.pid in slot.cgroup.pids() and outside.pid not in slot.cgroup.pids()
        slot.release()
        assert inside.wait(timeout=5) == -9  # killed with its group
        assert outside.poll() is None and _holding(uid)
        again = uids.acquire(Limits())  # the uid's next run: the process left under it is killed first
        try:
            assert outside.wait(timeout=5) == -9 and again.uid in (uid, uid + 1)
        finally:
            again.release()
    finally:
        for process in (inside, outside):
            process.kill()
            process.wait()
