"""Which mounts the filesystem layer makes: covers, and the folders bound back through them."""

from __future__ import annotations

from grader.grading.hide import courses_near
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


def test_courses_beside_the_installation_are_found_to_be_covered(tmp_path):
    # a checkout holding the virtual environment and a course (as make demo leaves demo-run),
    # another checkout beside it, and a course too deep to matter
    venv = tmp_path / "work" / "checkout" / ".venv"
    for folder in (venv / "bin", tmp_path / "work" / "checkout" / "demo-run", tmp_path / "work" / "other" / "course",
                   tmp_path / "work" / "a" / "b" / "c" / "deep"):
        folder.mkdir(parents=True)
    for course in ("checkout/demo-run", "other/course", "a/b/c/deep"):
        (tmp_path / "work" / course / "autograde.toml").write_text('course = "x"\n')
    found = courses_near((str(venv),))
    assert str(tmp_path / "work" / "checkout" / "demo-run") in found
    assert str(tmp_path / "work" / "other" / "course") in found
    assert str(tmp_path / "work" / "a" / "b" / "c" / "deep") not in found  # 4 levels below any folder above
