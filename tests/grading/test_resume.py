"""An interrupted batch loses nothing: rerun the same command and the rest is graded, once (on SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.gradebook import Gradebook
from tests.grading.conftest import as_at_a_terminal, insert_after

pytestmark = pytest.mark.usefixtures("database")  # on SQLite and on PostgreSQL

STUDENTS = [f"s{i:02d}" for i in range(1, 9)]


def _graded(course, book: Gradebook | None = None) -> dict[str, str]:
    """Who is graded, and when; through ``book`` if given (polling: opening a gradebook costs queries)."""
    opened = book or Gradebook(course.config.gradebook, course.root)
    try:
        return {s.student_id: s.graded_at for s in opened.submissions("a1") if s.status == "graded"}
    finally:
        if book is None:
            opened.close()


def _grade(course, *extra) -> subprocess.Popen:
    # stderr to a file: a pipe would also be held by the batch's workers
    log = open(course.root / "grade.log", "a")  # noqa: SIM115 - closed by _finish
    process = subprocess.Popen([sys.executable, "-m", "grader", "grade", "a1", "--executor", "fork", "--workers", "1",
                                "--course", str(course.root), *extra], stdout=subprocess.DEVNULL, stderr=log,
                               start_new_session=True, preexec_fn=as_at_a_terminal)  # a group of its own, as a terminal's command has
    process.log = log
    return process


def _finish(process: subprocess.Popen) -> int:
    process.wait(timeout=120)
    process.log.close()
    assert process.returncode in (0, 130, -signal.SIGKILL), process.returncode  # 130: interrupted (Ctrl-C)
    return process.returncode


def _grade_all(course, *extra) -> None:
    assert _finish(_grade(course, *extra)) == 0


def _descendants(root: int) -> set[int]:
    """Every live process below ``root`` (from /proc's parent links)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pids: set[int]) -> set[int]:
    return {pid for pid in pids if Path(f"/proc/{pid}").exists() and "Z" not in _state(pid)}


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "Z"


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "crash"])
def test_an_interrupted_batch_resumes_and_grades_nothing_twice(subs, stop):
    for sid in STUDENTS:  # each run takes about a second, so the batch can be stopped half way
        subs.edited(sid, lambda nb: insert_after(nb, "q1", "import time\ntime.sleep(0.6)"))
    watch = Gradebook(subs.course.config.gradebook, subs.course.root)  # opened once, before the batch starts
    first = _grade(subs.course)
    deadline = time.monotonic() + 60
    while len(_graded(subs.course, watch)) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    watch.close()
    tree = _descendants(first.pid)  # its workers, their zygotes and the runs in progress
    assert tree
    if stop == signal.SIGINT:
        os.killpg(first.pid, stop)  # a terminal's Ctrl-C reaches the command and its workers
    else:
        first.send_signal(stop)  # a crash of the command alone
    _finish(first)
    if stop == signal.SIGINT:
        said = (subs.course.root / "grade.log").read_text()
        assert "interrupted" in said and "Traceback" not in said, said
    deadline = time.monotonic() + 10  # the workers notice within a second that their batch is gone
    while _alive(tree) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(tree), "processes of the stopped batch are still running"
    before = _graded(subs.course)
    assert 3 <= len(before) < len(STUDENTS)

    _grade_all(subs.course)
    after = _graded(subs.course)
    assert sorted(after) == STUDENTS
    assert all(after[sid] == stamp for sid, stamp in before.items())  # the earlier ones were not graded again
    book = Gradebook(subs.course.config.gradebook, subs.course.root)
    assert len(book.submissions("a1", latest_only=False)) == len(STUDENTS)
    assert all(s.score == 4 for s in book.submissions("a1"))
    book.close()


def test_regrade_grades_everything_again(subs):
    for sid in STUDENTS[:3]:
        subs.edited(sid, lambda nb: None)
    _grade_all(subs.course)
    first = _graded(subs.course)
    time.sleep(1.1)  # graded_at has one-second resolution
    _grade_all(subs.course)
    assert _graded(subs.course) == first  # nothing new: nothing graded
    _grade_all(subs.course, "--regrade")
    again = _graded(subs.course)
    assert set(again) == set(first) and all(again[s] > first[s] for s in first)
