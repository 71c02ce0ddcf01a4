"""One student's data wherever the course keeps it: exported as one zip, or deleted.

Rows are found by what they hold, not by a list of tables: every table of the gradebook's database
with a ``student_id`` column (the gradebook's, the service's queue, and any table added later), every
table with a ``submission_id`` column for those submissions (part results), and the student's
sign-in principal. Files: ``submitted/<student>/``, each assignment's release and worked-solution
notebooks for them, and their feedback pages. Exports and reports name every student of a class in
one file; they are not edited here (write them again after a deletion).

Deleting keeps one row: the student's sign-in principal, its generation bumped (revoked), so that no
link or session made before works again, even if the student is put back on the roster.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from grader.config import Course
from grader.errors import ConfigError
from grader.gradebook import Gradebook
from grader.private import private_folder
from grader.service_tables import PrincipalKind, principals
from grader.web.auth import revoke

__all__ = ["StudentData", "delete_student", "export_student", "find_student_data"]

_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip entries' time: the same data gives the same bytes


@dataclass
class StudentData:
    """What the course holds of one student: rows by table, and files (absolute paths)."""

    student_id: str
    rows: dict[str, list[dict]] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)

    @property
    def row_count(self) -> int:
        return sum(len(r) for r in self.rows.values())


def _tables(engine: sa.Engine) -> list[sa.Table]:
    meta = sa.MetaData()
    meta.reflect(engine)
    return [t for t in meta.sorted_tables if t.name != "alembic_version"]


def _student_files(course: Course, student_id: str) -> list[Path]:
    found: list[Path] = []
    submitted = course.folder("submitted") / student_id
    if submitted.is_dir():
        found += [p for p in sorted(submitted.rglob("*")) if p.is_file() or p.is_symlink()]
    for kind in ("release", "solutions_release"):
        for folder in sorted(course.folder(kind).glob(f"*/{student_id}")):
            found += [p for p in sorted(folder.rglob("*")) if p.is_file() or p.is_symlink()]
    found += sorted(course.folder("feedback").glob(f"*/{student_id}.html"))
    return found


def find_student_data(course: Course, student_id: str) -> StudentData:
    """Every row and file of one student; ConfigError for an id that could not be a student's."""
    from grader.config import SAFE_ID

    if not SAFE_ID.match(student_id):
        raise ConfigError(f"{student_id!r} is not a student id (letters, digits, '.', '_' and '-')")
    data = StudentData(student_id, files=_student_files(course, student_id))
    book = Gradebook(course.config.gradebook, course.root)
    try:
        tables = _tables(book.engine)
        with book.engine.connect() as conn:
            submission_ids = [r.id for r in conn.execute(sa.text("SELECT id FROM submissions WHERE student_id = :s"),
                                                          {"s": student_id})]
            for table in tables:
                for where in _whose(table, student_id, submission_ids):
                    found = [dict(r._mapping) for r in conn.execute(sa.select(table).where(where))]
                    if found:
                        data.rows[table.name] = data.rows.get(table.name, []) + found
    finally:
        book.close()
    return data


def _whose(table: sa.Table, student_id: str, submission_ids: list[int]) -> list[sa.ColumnElement[bool]]:
    """The conditions that pick one student's rows of a table (none: it holds nothing of theirs)."""
    if table.name == principals.name:
        return [(table.c.kind == PrincipalKind.STUDENT.value) & (table.c.principal_id == student_id)]
    if "student_id" in table.c:
        return [table.c.student_id == student_id]
    if "submission_id" in table.c and submission_ids:
        return [table.c.submission_id.in_(submission_ids)]
    return []


def export_student(course: Course, student_id: str, out: Path) -> StudentData:
    """Write ``out`` (a zip, private to its owner): ``rows.json`` (rows by table) and the files under ``files/``."""
    data = find_student_data(course, student_id)
    private_folder(out.parent)
    rows = json.dumps({"student_id": student_id, "tables": data.rows}, indent=1, sort_keys=True, default=_plain)
    out.unlink(missing_ok=True)
    with zipfile.ZipFile(out, "x", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("rows.json", _FIXED_TIME), rows)
        for path in data.files:
            if path.is_symlink():
                continue  # a link points somewhere that is not theirs to take
            archive.writestr(zipfile.ZipInfo(f"files/{path.relative_to(course.root).as_posix()}", _FIXED_TIME), path.read_bytes())
    out.chmod(0o600)
    return data


def _plain(value: object) -> str:
    return value.isoformat() if isinstance(value, dt.datetime | dt.date) else str(value)


def delete_student(course: Course, student_id: str) -> StudentData:
    """Delete every row and file of one student (in one transaction, then the files); returns what was deleted."""
    data = find_student_data(course, student_id)
    book = Gradebook(course.config.gradebook, course.root)
    try:
        tables = _tables(book.engine)
        with book.engine.begin() as conn:
            submission_ids = [r.id for r in conn.execute(sa.text("SELECT id FROM submissions WHERE student_id = :s"),
                                                          {"s": student_id})]
            for table in reversed(tables):  # children (results) before the rows they point at
                if table.name == principals.name:
                    continue
                for where in _whose(table, student_id, submission_ids):
                    conn.execute(sa.delete(table).where(where))
        revoke(book.engine, PrincipalKind.STUDENT, student_id)
    finally:
        book.close()
    for path in data.files:
        path.unlink(missing_ok=True)
    _remove_empty(course.folder("submitted") / student_id)
    for kind in ("release", "solutions_release"):
        for folder in course.folder(kind).glob(f"*/{student_id}"):
            _remove_empty(folder)
    return data


def _remove_empty(folder: Path) -> None:
    """Remove a folder emptied of its files (its empty subfolders with it); one still holding a file stays."""
    if folder.is_dir() and not folder.is_symlink() and not any(p.is_file() for p in folder.rglob("*")):
        shutil.rmtree(folder)
