"""One batch at a time per assignment and gradebook: a lock that a crash cannot leave behind.

Two ``autograde grade`` runs of one assignment at once would each plan every ungraded submission,
grade it, and race to write it (on PostgreSQL, one then died on a duplicate key; on a new SQLite
gradebook, one could not even create its tables). The second run now waits until the first is done,
then grades only what is still ungraded. The lock belongs to the process holding it, so a run that
is killed releases it: on SQLite an ``flock`` on a file beside the database, on PostgreSQL a session
advisory lock on a connection of its own (the server drops it when the client goes away).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from grader.errors import GradebookError
from grader.gradebook import database_url
from grader.private import FILE_MODE

__all__ = ["batch_lock"]


@contextlib.contextmanager
def batch_lock(location: str, root: Path, assignment: str, on_wait: Callable[[], None] = lambda: None) -> Iterator[None]:
    """Held while one batch grades ``assignment`` in the gradebook at ``location`` (as autograde.toml
    says it, relative to the course ``root``); ``on_wait`` is called once if another batch holds it."""
    url = sa.make_url(database_url(location, root))
    if url.get_backend_name() == "sqlite":
        lock = _file_lock if url.database and url.database != ":memory:" else _no_lock
    elif url.get_backend_name() == "postgresql":
        lock = _advisory_lock
    else:
        lock = _no_lock  # another server: as before, one batch at a time is the instructor's to keep
    with lock(url, assignment, on_wait):
        yield


@contextlib.contextmanager
def _no_lock(_url: sa.URL, _assignment: str, _on_wait: Callable[[], None]) -> Iterator[None]:
    yield


@contextlib.contextmanager
def _file_lock(url: sa.URL, assignment: str, on_wait: Callable[[], None]) -> Iterator[None]:
    database = Path(url.database or "")  # the callers pass a file's URL
    if not database.parent.is_dir():
        yield  # opening the gradebook will say what is wrong with its folder
        return
    path = database.with_name(f"{database.name}.grading-{_digest(assignment)}.lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            on_wait()
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


@contextlib.contextmanager
def _advisory_lock(url: sa.URL, assignment: str, on_wait: Callable[[], None]) -> Iterator[None]:
    key = int.from_bytes(bytes.fromhex(_digest(assignment))[:8], "big", signed=True)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    try:
        conn = engine.connect()
        if not conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
            on_wait()
            conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": key})
    except SQLAlchemyError as exc:
        engine.dispose()
        raise GradebookError(f"gradebook {url.render_as_string()}: cannot lock {assignment} for grading: "
                             f"{str(exc).splitlines()[0]}") from None
    try:
        yield
    finally:
        conn.close()  # the session ends, and its advisory lock with it
        engine.dispose()


def _digest(assignment: str) -> str:
    return hashlib.sha256(f"autograde grade {assignment}".encode()).hexdigest()[:16]
