"""The server's grading worker: a process of its own that claims queued uploads and grades them.

Why a process, not a thread of the server: grading forks (the fork executor's zygote, a kernel per
notebook), and forking a process that runs an event loop and a thread pool copies their locks
mid-use. The worker is started with ``spawn`` (a fresh interpreter: nothing of the server's threads
comes along), imports the grading and starts the executor once, and then grades upload after
upload with the course, the imports and the zygote warm (:class:`~grader.web.grading.BatchGrading`
runs ``autograde grade``'s batch in that process). The server wakes it on each upload through a
shared event; it also looks at the queue every few seconds, for what another process queued.

What it grades lives only in the queue table: a worker that dies mid-batch leaves its uploads
``running``; the server puts them back and starts another (:meth:`Worker.start`), the gradebook's
record of what is graded stops a file being graded twice, and an upload that was being graded when
the worker died :data:`MAX_ATTEMPTS` times is failed instead of taking the worker down again.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from pathlib import Path

from grader.config import SECRET_ENV, Course, load_course
from grader.gradebook import Gradebook, SubmissionRecord
from grader.service_tables import QueueStatus
from grader.web import queue as q
from grader.web.grading import GradeAssignment

__all__ = ["MAX_ATTEMPTS", "Worker"]

log = logging.getLogger("autograde.web")

MAX_ATTEMPTS = 3
"""Claims of one upload before it is failed: each claim past the first means a worker died grading it."""
POLL_SECONDS = 2.0  # how often an idle worker looks at the queue unwoken (and whether the server still lives)
STOP_SECONDS = 60.0  # how long a stopping server waits for the batch in hand before ending the worker

# what the gradebook's row says, as the queue shows it
_FROM_GRADEBOOK = {"graded": QueueStatus.GRADED, "failed": QueueStatus.FAILED, "invalid": QueueStatus.INVALID,
                   "superseded": QueueStatus.SUPERSEDED, "after_cutoff": QueueStatus.AFTER_CUTOFF}

_SPAWN = multiprocessing.get_context("spawn")


class Worker:
    """Drains the queue: in a process of its own (:meth:`start`), or called directly (:meth:`drain`, tests)."""

    def __init__(self, course: Course, book: Gradebook, grade: GradeAssignment, *, wake=None, stopping=None):
        self.course, self.book, self.grade = course, book, grade
        self.wake = wake or _SPAWN.Event()  # set by the server on each upload
        self.stopping = stopping or _SPAWN.Event()
        self._supervisor: threading.Thread | None = None
        self._process: multiprocessing.process.BaseProcess | None = None

    # -- the server's side -------------------------------------------------------------------
    def start(self) -> None:
        """Start the worker's process, and start another whenever one dies, until :meth:`stop`."""
        self._supervisor = threading.Thread(target=self._supervise, name="autograde-grading-supervisor", daemon=True)
        self._supervisor.start()

    def stop(self) -> None:
        """Let the worker finish the batch in hand (up to ``STOP_SECONDS``), then end it."""
        self.stopping.set()
        self.wake.set()
        if self._supervisor is None:
            return
        self._supervisor.join(STOP_SECONDS)
        if self._process is not None and self._process.is_alive():
            log.warning("grading worker: still grading after %.0f s; stopped (its uploads are graded on restart)", STOP_SECONDS)
            self._process.terminate()
            self._supervisor.join()
        # the shared events are named semaphores: let them go now, not at exit (the resource tracker warns of those)
        self._process = self._supervisor = None
        self.wake, self.stopping = threading.Event(), threading.Event()
        self.stopping.set()

    def _supervise(self) -> None:
        secret, _ = self.course.secret()  # it may have come from the environment, which load_secret emptied
        while not self.stopping.is_set():
            process = self._process = _SPAWN.Process(target=_serve, name="autograde-grading", daemon=True, args=(
                self.course.root, secret, self.grade, self.wake, self.stopping, os.getpid()))
            process.start()
            process.join()
            if self.stopping.is_set():
                return
            back = q.requeue_running(self.book.engine)
            log.error("grading worker: stopped unexpectedly (exit code %s); %d upload(s) put back; starting another",
                      process.exitcode, back)
            self.stopping.wait(1.0)  # a worker dying at once, again and again, must not spin

    # -- the worker's side -------------------------------------------------------------------
    def run(self, server: int | None = None) -> None:
        """Grade what is queued, then wait to be woken, until the server stops or goes away."""
        while not self.stopping.is_set() and (server is None or os.getppid() == server):
            try:
                self.drain()
            except Exception:  # a database hiccup must not end grading for the life of the server
                log.exception("grading worker: a pass over the queue failed; retrying")
            self.wake.wait(timeout=POLL_SECONDS)
            self.wake.clear()

    def drain(self) -> int:
        """Grade every queued upload; returns how many were finished."""
        done = 0
        while not self.stopping.is_set() and (items := q.claim(self.book.engine)):
            self.process(items)
            done += len(items)
        return done

    def process(self, items: list[q.QueueItem]) -> None:
        """Grade one assignment's claimed uploads with one batch, unless the gradebook already holds them all
        (a restart after the batch recorded them grades nothing again)."""
        for item in items:
            if item.attempts > MAX_ATTEMPTS:
                q.finish(self.book.engine, item.id, QueueStatus.FAILED, f"the grading worker stopped while grading this "
                         f"upload, {MAX_ATTEMPTS} times: tell your instructor")
        items = [item for item in items if item.attempts <= MAX_ATTEMPTS]
        rows = {item.id: self._row(item) for item in items}
        problem = ""
        students = frozenset(item.student_id for item in items)
        if any(item.regrade for item in items):  # an instructor asked: graded again, hand grades and overrides kept
            problem = self.grade(self.course, items[0].assignment, students, regrade=True)
            rows = {item.id: self._row(item) for item in items}
        elif any(row is None or row.graded_at is None for row in rows.values()):
            problem = self.grade(self.course, items[0].assignment, students)
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


def _ignored(_signum: int, _frame: object) -> None:
    """SIGTERM in the worker: the server, which got it too, stops the worker when its batch is done."""


def _serve(root: Path, secret: bytes, grade: GradeAssignment, wake, stopping, server: int) -> None:
    """The worker process: load the course once, warm the grading up, then :meth:`Worker.run`."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the server says when to stop
    # so does a service manager's stop (systemd signals the whole control group): the server's shutdown then
    # ends this process after its batch, and the supervisor does not take it for a crash and start another.
    # A handler, not SIG_IGN: a program this process starts (the sandbox's zygote) gets the default back.
    signal.signal(signal.SIGTERM, _ignored)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    os.environ[SECRET_ENV] = secret.decode()  # handed over privately (the spawn pipe), never in the server's environment
    course = load_course(root)
    course.secret()  # read back at once: load_secret takes it out of the environment again
    book = Gradebook(course.config.gradebook, course.root)
    try:
        warm = getattr(grade, "warm", None)
        if warm is not None:
            warm()
        Worker(course, book, grade, wake=wake, stopping=stopping).run(server)
    finally:
        book.close()
