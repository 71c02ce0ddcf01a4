"""``autograde backup OUT``: a consistent copy of the gradebook, taken while the service or a batch writes.

SQLite: SQLite's online backup API (Python's ``sqlite3.Connection.backup``), which copies a
consistent snapshot page by page while writers go on; restore by putting the copy in place of the
gradebook file with the service stopped. PostgreSQL: ``pg_dump --format=custom``, one consistent
snapshot of the database (restore with ``pg_restore``). Either way the copy is private to its owner.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa

from grader.config import Course
from grader.errors import GradebookError
from grader.gradebook import database_url
from grader.private import private_folder, write_private

__all__ = ["backup_gradebook", "libpq_url"]


def backup_gradebook(course: Course, out: Path) -> Path:
    """Copy the course's gradebook to ``out`` (a SQLite file, or a pg_dump archive); GradebookError if it cannot."""
    url = sa.engine.make_url(database_url(course.config.gradebook, course.root))
    out = Path(out).resolve()
    private_folder(out.parent)
    temporary = out.with_name(f".{out.name}.partial")
    temporary.unlink(missing_ok=True)
    write_private(temporary, b"")  # created private: the copy holds every student's grades
    try:
        if url.get_backend_name() == "sqlite":
            _sqlite(Path(url.database or ""), temporary)
        elif url.get_backend_name() == "postgresql":
            _pg_dump(url, temporary)
        else:
            raise GradebookError(f"backup: no backup for a {url.get_backend_name()} gradebook: use that database's own tool")
        os.replace(temporary, out)  # never a half-written backup under the name asked for
    finally:
        temporary.unlink(missing_ok=True)
    return out


def _sqlite(source: Path, target: Path) -> None:
    if not source.is_file():
        raise GradebookError(f"backup: there is no gradebook at {source}")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, whatever the source's WAL
    except sqlite3.Error as exc:
        raise GradebookError(f"backup: {source}: {exc}") from None
    finally:
        dst.close()
        src.close()


def libpq_url(url: sa.URL) -> tuple[str, dict[str, str]]:
    """The URL as pg_dump reads it (no driver name, no password) and the environment carrying the password."""
    env = {"PGPASSWORD": url.password} if url.password else {}
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _pg_dump(url: sa.URL, target: Path) -> None:
    if shutil.which("pg_dump") is None:
        raise GradebookError("backup: pg_dump is not installed (Debian: apt-get install postgresql-client)")
    address, env = libpq_url(url)
    done = subprocess.run(["pg_dump", "--format=custom", "--file", str(target), address], env={**os.environ, **env},
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise GradebookError(f"backup: pg_dump failed: {lines[-1] if lines else f'exit code {done.returncode}'}")
