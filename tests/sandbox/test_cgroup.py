"""Where run groups are made: cgroup v2 when it offers memory and pids, else v1, else a reason.

The choice is made on a folder standing in for /sys/fs/cgroup (its mountinfo and /proc/self/cgroup
written here); the group itself is tried on this machine when the tests run as root.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from grader.limits import Limits
from grader.sandbox.cgroup import Hierarchy, find_hierarchy, hierarchy
from grader.sandbox.uids import acquire


def _mountinfo(root: Path, v2: bool = True, v1: tuple[str, ...] = ("memory", "pids", "cpuacct")) -> str:
    lines = [f"31 23 0:28 / {root} rw,relatime - tmpfs tmpfs rw,mode=755"]
    lines += [f"3{i} 31 0:3{i} / {root / name} rw,relatime - cgroup cgroup rw,{name}" for i, name in enumerate(v1)]
    if v2:
        lines.append(f"41 31 0:38 / {root / 'unified'} rw,relatime - cgroup2 cgroup2 rw")
    return "\n".join(lines) + "\n"


PROC_CGROUP = "4:memory:/session/abc\n3:pids:/\n2:cpuacct:/\n0::/user.slice/session-1.scope\n"


def _folder(path: Path, controllers: str = "", subtree: str = "") -> None:
    path.mkdir(parents=True, exist_ok=True)
    (path / "cgroup.controllers").write_text(controllers + "\n")
    (path / "cgroup.subtree_control").write_text(subtree + "\n")


def test_cgroup_v2_is_chosen_where_it_offers_memory_and_pids(tmp_path):
    _folder(tmp_path / "unified" / "user.slice" / "session-1.scope", "cpu memory pids")
    found = find_hierarchy(_mountinfo(tmp_path), PROC_CGROUP)
    # beside the grader's own group: a group holding processes cannot hand controllers down
    assert found == Hierarchy(2, (tmp_path / "unified" / "user.slice" / "autograde",))
    assert (tmp_path / "unified" / "user.slice" / "autograde" / "cgroup.subtree_control").read_text() == "+memory +pids"


def test_v1_hierarchies_are_used_where_v2_offers_only_hugetlb(tmp_path):
    _folder(tmp_path / "unified" / "user.slice" / "session-1.scope", "hugetlb")
    for name in ("memory/session/abc", "pids", "cpuacct"):
        (tmp_path / name).mkdir(parents=True)
    found = find_hierarchy(_mountinfo(tmp_path), PROC_CGROUP)
    # inside the grader's own groups (v1 has no such rule), so the grader's own limits still hold
    assert found == Hierarchy(1, (tmp_path / "memory/session/abc/autograde", tmp_path / "pids/autograde",
                                  tmp_path / "cpuacct/autograde"))


def test_without_memory_or_pids_the_layer_is_off_and_says_why(tmp_path):
    _folder(tmp_path / "unified" / "user.slice" / "session-1.scope", "hugetlb")
    found = find_hierarchy(_mountinfo(tmp_path, v1=("cpuacct",)), PROC_CGROUP)
    assert found == "off (cgroup v2 offers only hugetlb here; no cgroup v1 memory hierarchy)"


@pytest.mark.skipif(os.geteuid() != 0, reason="run groups are made as root")
def test_a_run_group_holds_its_limits_and_is_removed_with_whatever_is_left_in_it():
    assert isinstance(hierarchy(), Hierarchy), hierarchy()  # this machine offers one (the docs say which)
    slot = acquire(Limits(memory_mb=300, processes=7))
    try:
        group = slot.cgroup
        assert group is not None and slot.cgroup_state == "on"
        limit = "memory.max" if group.version == 2 else "memory.limit_in_bytes"
        pids = group.folders[0] if group.version == 2 else group.folders[1]
        assert int((group.folders[0] / limit).read_text()) == 300 << 20
        assert (pids / "pids.max").read_text().strip() == "7"
        child = os.fork()
        if child == 0:  # a process of the run that would outlive it
            for procs in slot.join:
                Path(procs).write_text(str(os.getpid()))
            os.setsid()
            os.execv("/bin/sleep", ["sleep", "600"])
        deadline = time.monotonic() + 5
        while child not in group.pids() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert child in group.pids()
    finally:
        slot.release()
    assert os.waitpid(child, 0)[1] != 0  # killed
    assert not any(folder.exists() for folder in group.folders)
