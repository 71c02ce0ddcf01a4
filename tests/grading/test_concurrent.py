"""Two ``autograde grade`` runs on one assignment at once, on SQLite and on PostgreSQL: every
submission is graded once, by one of them, and each has one row, whichever run started first."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from grader.gradebook import Gradebook
from grader.grading.lock import batch_lock
from tests.grading.conftest import as_at_a_terminal, insert_after

pytestmark = pytest.mark.usefixtures("database")

STUDENTS = [f"s{i:02d}" for i in range(1, 7)]
PROGRESS = re.compile(r"^\[\d+/\d+\] (s\d\d): ", re.MULTILINE)
"""A line of grade's progress: one per submission that run graded."""


def _start(course, name: str) -> tuple[subprocess.Popen, object]:
    log = open(course.root / f"{name}.log", "w")  # noqa: SIM115 - a file, not a pipe: the workers inherit it
    process = subprocess.Popen([sys.executable, "-m", "grader", "grade", "a1", "--executor", "fork", "--workers", "1",
                                "--course", str(course.root)], stdout=subprocess.DEVNULL, stderr=log,
                               start_new_session=True, preexec_fn=as_at_a_terminal)  # a group of its own, as a terminal's command has
    return process, log


def test_two_batches_at_once_grade_each_submission_once_and_lose_no_row(subs):
    for sid in STUDENTS:  # about a second each, so the two runs overlap
        subs.edited(sid, lambda nb: insert_after(nb, "q1", "import time\ntime.sleep(0.5)"))
    runs = [_start(subs.course, name) for name in ("first", "second")]
    for process, log in runs:
        assert process.wait(timeout=300) == 0, (subs.course.root / f"{log.name}").read_text()[-2000:]
        log.close()

    logs = [(subs.course.root / f"{name}.log").read_text() for name in ("first", "second")]
    assert sum("waiting: another autograde grade is grading a1" in log for log in logs) == 1, logs
    graded = Counter(sid for log in logs for sid in PROGRESS.findall(log))
    assert graded == Counter(STUDENTS)  # each graded by exactly one of the two runs
    book = Gradebook(subs.course.config.gradebook, subs.course.root)
    try:
        rows = book.submissions("a1", latest_only=False)
        assert sorted(r.student_id for r in rows) == STUDENTS  # one row each: none lost, none doubled
        assert [(r.status, r.score, len(book.part_rows(r.id))) for r in rows] == [("graded", 4, 5)] * len(STUDENTS)
    finally:
        book.close()


def test_ctrl_c_while_waiting_for_another_batch_is_one_line_and_grades_nothing(subs):
    course = subs.course
    with batch_lock(course.config.gradebook, course.root, "a1"):  # another batch holds the assignment
        process, log = _start(course, "waiting")
        deadline = time.monotonic() + 60
        while "waiting: another autograde grade" not in (course.root / "waiting.log").read_text():
            assert process.poll() is None and time.monotonic() < deadline, (course.root / "waiting.log").read_text()
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGINT)  # a terminal's Ctrl-C: to the command and its workers
        assert process.wait(timeout=60) == 130
        log.close()
    said = (course.root / "waiting.log").read_text()
    assert "Traceback" not in said and "interrupted before grading began: nothing of a1 was graded" in said, said
    book = Gradebook(course.config.gradebook, course.root)
    try:
        assert book.submissions("a1", latest_only=False) == []
    finally:
        book.close()
