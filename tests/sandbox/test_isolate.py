"""Which mounts the filesystem layer makes: covers, and the folders bound back through them."""

from __future__ import annotations

from grader.sandbox.isolate import _covering_order


def test_a_folder_inside_a_covered_one_is_not_covered_again():
    # the course's submissions folder inside the course folder, the course inside /tmp: covering the
    # inner one after the outer one failed (its mount point is gone), and the whole layer was off
    hide = {"/tmp", "/tmp/course", "/tmp/course/submitted", "/srv/secret"}
    assert _covering_order(hide, set()) == ["/tmp", "/srv/secret"]  # shallowest first


def test_kept_folders_are_bound_back_only_through_a_cover():
    hide = {"/root", "/tmp", "/tmp/run/home/hidden"}
    keep = {"/root/.pyenv/versions/3.11", "/tmp/run", "/usr/lib/python3"}
    assert _covering_order(hide, keep) == ["/root", "/tmp", "/tmp/run", "/root/.pyenv/versions/3.11",
                                           "/tmp/run/home/hidden"]
