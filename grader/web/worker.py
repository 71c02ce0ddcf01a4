"""The server's grading worker: claims queued uploads and grades them through :mod:`grader.web.grading`."""

from __future__ import annotations

import logging
import threading

from grader.config import Course
from grader.gradebook import Gradebook, SubmissionRecord
from grader.web import queue as q
from grader.web.grading import GradeAssignment, grade_assignment
from grader.service_tables import QueueStatus

__all__ = ["Worker"]

log = logging.getLogger("autograde.web")

# what the gradebook's row says, as the queue shows it
_FROM_GRADEBOOK = {"graded": QueueStatus.GRADED, "failed": QueueStatus.FAILED, "invalid": QueueStatus.INVALID,
                   "superseded": QueueStatus.SUPERSEDED, "after_cutoff": QueueStatus.AFTER_CUTOFF}


class Worker:
    """Drains the queue, one upload at a time; a thread in the server, or called directly (:meth:`drain`)."""

    def __init__(self, course: Course, book: Gradebook, grade: GradeAssignment = grade_assignment):
        self.course, self.book, self.grade = course, book, grade
        self.wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="autograde-grading", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.wake.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.drain()
            except Exception:  # a database hiccup must not end grading for the life of the server
                log.exception("grading worker: a pass over the queue failed; retrying")
            self.wake.wait(timeout=5.0)
            self.wake.clear()

    def drain(self) -> int:
        """Grade every queued upload; returns how many were finished."""
        done = 0
        while not self._stop.is_set() and (items := q.claim(self.book.engine)):
            self.process(items)
            done += len(items)
        return done

    def process(self, items: list[q.QueueItem]) -> None:
        """Grade one assignment's claimed uploads with one batch, unless the gradebook already holds them all
        (a restart after the batch recorded them grades nothing again)."""
        rows = {item.id: self._row(item) for item in items}
        problem = ""
        if any(row is None or row.graded_at is None for row in rows.values()):
            problem = self.grade(self.course, items[0].assignment)
            rows = {item.id: self._row(item) for item in items}
        for item in items:
            row = rows[item.id]
            if row is None:
                q.finish(self.book.engine, item.id, QueueStatus.FAILED, problem or "grading did not record this upload")
            else:
                q.finish(self.book.engine, item.id, _FROM_GRADEBOOK.get(row.status, QueueStatus.FAILED), row.reason, row.id)

    def _row(self, item: q.QueueItem) -> SubmissionRecord | None:
        for row in self.book.submissions(item.assignment, latest_only=False):
            if row.student_id == item.student_id and self.book.stored_path(row.path) == item.path:
                return row
        return None
