"""The gradebook: every submission kept, results per part, written one submission per transaction.

SQLite by default (a file path in autograde.toml); any SQLAlchemy URL (``postgresql://...``)
works too. A batch commits each submission's results as it finishes, so an interrupted batch
resumes where it stopped: a submission already graded (same assignment, student and sha256) is
not graded again unless asked.

A submission's file is stored relative to the course folder (``submitted/s001/a1/.../a1.ipynb``)
and read back as a path inside the course where the gradebook was opened, so a course folder that
is moved or copied keeps its rows instead of grading every submission again as new ones.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from grader import changes, migrations
from grader.changes import enum_type as _enum
from grader.changes import net, now
from grader.errors import GradebookError
from grader.lti import tables as lti_tables  # noqa: F401 - the LMS link's tables join the schema
from grader.outcomes import DONE, ChangeKind, IdentityStatus, SubmissionStatus, Verdict
from grader.private import private_file
from grader.service_tables import metadata  # holding the submission service's tables: one schema, one chain of revisions

__all__ = ["Gradebook", "LateMark", "PartRecord", "SubmissionRecord", "database_url"]

students = sa.Table(
    "students", metadata,
    sa.Column("student_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, default=""),
    sa.Column("email", sa.String(200), nullable=False, default=""),
)

variants_table = sa.Table(
    "variants", metadata,
    sa.Column("assignment", sa.String(64), primary_key=True),
    sa.Column("student_id", sa.String(64), primary_key=True),
    sa.Column("problem_id", sa.String(64), primary_key=True),
    sa.Column("family", sa.String(100), nullable=False),
    sa.Column("params", sa.Text, nullable=False),
    sa.Column("alternative", sa.String(64)),  # of a question pool: which alternative the student got
)

submissions = sa.Table(
    "submissions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("assignment", sa.String(64), nullable=False, index=True),
    sa.Column("student_id", sa.String(64), nullable=False, index=True),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("submitted_at", sa.String(40), nullable=False),
    sa.Column("graded_at", sa.String(40)),
    sa.Column("status", _enum(SubmissionStatus, "submission_status"), nullable=False),
    sa.Column("reason", sa.Text, nullable=False, default=""),
    sa.Column("score", sa.Float),
    sa.Column("max_score", sa.Float),
    sa.Column("seconds", sa.Float),
    sa.Column("executor", sa.String(20), nullable=False, default=""),
    sa.Column("due_at", sa.String(40)),  # the student's own due date (an extension's), ISO; None: no due date
    sa.Column("late_days", sa.Integer),  # None: no due date or no recorded time to judge
    # share of the total taken; score is net of it (0 in rows from before late work, until grade re-marks them)
    sa.Column("penalty_percent", sa.Float, nullable=False, default=0.0, server_default="0"),
    sa.Column("identity", _enum(IdentityStatus, "identity_status")),  # what the notebook's release stamp said
    sa.Column("released_to", sa.String(64), nullable=False, default="", server_default=""),
    sa.UniqueConstraint("assignment", "student_id", "path", name="one_row_per_file"),
)

results = sa.Table(
    "results", metadata,
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("problem_id", sa.String(64), primary_key=True),
    sa.Column("part", sa.String(64), primary_key=True),
    sa.Column("given", sa.Text),
    sa.Column("expected", sa.Text),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("max_score", sa.Float, nullable=False),
    sa.Column("verdict", _enum(Verdict, "verdict"), nullable=False),
    sa.Column("feedback", sa.Text, nullable=False, default=""),
    sa.Column("mistake", sa.String(100)),
    sa.Column("manual", sa.Boolean, nullable=False, default=False),
)


@dataclass(frozen=True)
class SubmissionRecord:
    id: int
    assignment: str
    student_id: str
    path: str
    sha256: str
    submitted_at: str
    graded_at: str | None
    status: SubmissionStatus
    reason: str
    score: float | None
    max_score: float | None
    seconds: float | None
    executor: str
    due_at: str | None = None
    late_days: int | None = None
    penalty_percent: float = 0.0
    identity: IdentityStatus | None = None
    released_to: str = ""


@dataclass(frozen=True)
class PartRecord:
    """One graded part of one submission, as the gradebook keeps it (``given`` and ``expected`` are
    plain JSON values)."""

    problem_id: str
    part: str
    score: float
    max_score: float
    verdict: Verdict
    feedback: str = ""
    mistake: str | None = None
    manual: bool = False       # a written answer, graded by hand
    given: Any = None
    expected: Any = None
    override: str | None = None  # the reason, when an instructor set this computed part's score


@dataclass(frozen=True)
class LateMark:
    """What the late rule said of one submission, as the gradebook keeps it."""

    due_at: str | None = None
    late_days: int | None = None
    penalty_percent: float = 0.0


def database_url(location: str, root: Path) -> str:
    """The SQLAlchemy URL of a gradebook as autograde.toml names it: a SQLite file (relative to the course
    ``root``) or a URL; a bare ``postgresql://`` means psycopg 3, the driver of the ``postgres`` extra."""
    if "://" not in location:
        return f"sqlite:///{(root / location).resolve()}"
    scheme, rest = location.split("://", 1)
    return f"postgresql+psycopg://{rest}" if scheme in ("postgresql", "postgres") else location


class Gradebook:
    """Access to the gradebook database (see the module docstring)."""

    def __init__(self, location: str, root: Path = Path(".")):
        self.url = database_url(location, root)
        self.root = Path(root).resolve()
        try:
            self.engine = sa.create_engine(self.url, future=True)
            if self.engine.dialect.name == "sqlite":
                sa.event.listen(self.engine, "connect", _sqlite_pragmas)
                if self.engine.url.database:  # created private, never readable for a moment (SQLite's WAL
                    private_file(Path(self.engine.url.database))  # and shared-memory files copy its mode)
            migrations.upgrade(self.engine, metadata)
            self._relative_paths()
        except SQLAlchemyError as exc:
            raise GradebookError(f"gradebook {location}: cannot open: {str(exc).splitlines()[0]}") from None
        except ImportError as exc:  # the database's driver, an optional extra
            raise GradebookError(f"gradebook {location}: cannot open: {exc.msg} (pip install 'autograde[postgres]' "
                                 "for PostgreSQL)") from None
        except GradebookError as exc:  # a migration refused it
            raise GradebookError(f"gradebook {location}: cannot bring it up to date: {exc}") from None

    def close(self) -> None:
        self.engine.dispose()

    def _relative_paths(self) -> None:
        """Rows written before paths were stored relative to the course (absolute paths inside it) are
        rewritten once, so that they stay the rows a rerun finds, with their hand grades."""
        prefix = str(self.root).rstrip("/") + "/"
        inside = sa.func.substr(submissions.c.path, 1, len(prefix)) == prefix
        with self.engine.connect() as conn:  # a read first: opening a gradebook takes no write lock
            if conn.execute(sa.select(submissions.c.id).where(inside).limit(1)).first() is None:
                return
        with self.engine.begin() as conn:
            conn.execute(submissions.update().where(inside).values(
                path=sa.func.substr(submissions.c.path, len(prefix) + 1)))

    def stored_path(self, path: str | Path) -> str:
        """How a submission's file is keyed: relative to the course (POSIX), or absolute if outside it.
        A relative path is taken as relative to the course."""
        absolute = Path(os.path.normpath(self.root / path))  # an absolute path stays itself
        return absolute.relative_to(self.root).as_posix() if absolute.is_relative_to(self.root) else str(absolute)

    def file_path(self, stored: str) -> str:
        """A stored path as a file of the course this gradebook was opened for."""
        return stored if os.path.isabs(stored) else str(self.root / stored)

    # -- writing -----------------------------------------------------------------------------
    def add_students(self, rows: Iterable[tuple[str, str, str]]) -> None:
        """Make the students table match these roster rows."""
        wanted = {sid: (name, email) for sid, name, email in rows}
        with self.engine.begin() as conn:
            known = {r.student_id: (r.name, r.email) for r in conn.execute(sa.select(students))}
            new = [dict(student_id=s, name=n, email=e) for s, (n, e) in wanted.items() if s not in known]
            if new:
                conn.execute(students.insert(), new)
            for sid, (name, email) in wanted.items():
                if sid in known and known[sid] != (name, email):
                    conn.execute(students.update().where(students.c.student_id == sid).values(name=name, email=email))

    def record(self, *, assignment: str, student_id: str, path: str, sha256: str, submitted_at: str,
               status: SubmissionStatus, reason: str = "", rows: Iterable[PartRecord] = (), seconds: float | None = None,
               executor: str = "", variants: dict[str, tuple[str, Any]] | None = None, late: LateMark = LateMark(),
               alternatives: dict[str, str] | None = None, identity: IdentityStatus | None = None,
               released_to: str = "", by: str = "") -> int:
        """Write one submission, its part results and the student's variants (problem id -> (family,
        params); ``alternatives``: pool problem id -> the alternative they got) in one transaction,
        replacing an earlier grading (its hand grades and overrides kept; each part now scored
        differently logged as done ``by``). The total is net of the late penalty; ``identity`` is
        what the notebook's release stamp said."""
        rows = list(rows)
        path = self.stored_path(path)
        values = dict(sha256=sha256, submitted_at=submitted_at, graded_at=now(), status=status, reason=reason,
                      seconds=seconds, executor=executor, due_at=late.due_at, late_days=late.late_days,
                      penalty_percent=late.penalty_percent, identity=identity, released_to=released_to)
        with self.engine.begin() as conn:
            found = conn.execute(_FIND, dict(a=assignment, s=student_id, p=path)).first()
            if found:
                before = changes.scores_of(conn, found.id)
                rows, moved = changes.carry_overrides(conn, found.id, _keep_hand_grades(conn, found.id, rows))
            values.update(score=net(sum(r.score for r in rows), late.penalty_percent) if rows else None,
                          max_score=sum(r.max_score for r in rows) if rows else None)
            if found:
                sub_id = found.id
                conn.execute(results.delete().where(results.c.submission_id == sub_id))
                conn.execute(submissions.update().where(submissions.c.id == sub_id).values(**values))
            else:
                sub_id = conn.execute(_ADD, dict(assignment=assignment, student_id=student_id, path=path,
                                                 **values)).inserted_primary_key[0]
            if rows:
                conn.execute(results.insert(), [dict(submission_id=sub_id, **_encode(row)) for row in rows])
            if found:
                changes.log_regrade(conn, sub_id, before, rows, moved, by or changes.cli_user())
            if variants:
                conn.execute(_FORGET, dict(a=assignment, s=student_id))
                conn.execute(variants_table.insert(), [
                    dict(assignment=assignment, student_id=student_id, problem_id=pid, family=family,
                         params=json.dumps(value, sort_keys=True), alternative=(alternatives or {}).get(pid))
                    for pid, (family, value) in variants.items()])
        return int(sub_id)

    def set_manual(self, submission_id: int, problem_id: str, part: str, score: float, feedback: str, *,
                   by: str = "", kind: ChangeKind = ChangeKind.HAND, reason: str = "") -> bool:
        """Record a hand grade for a free-text part, logged as a change ``by`` someone; False when there is no such part."""
        with self.engine.begin() as conn:
            return changes.hand_grade(conn, submission_id, problem_id, part, score, feedback, by=by or changes.cli_user(),
                                      kind=kind, reason=reason)

    def set_late(self, assignment: str, marks: Iterable[tuple[str, str, LateMark]]) -> None:
        """Re-mark (student id, path, mark) submissions already graded, when an extension or the
        policy changed since: their totals follow, nothing is graded again. An unchanged mark is not
        written: a batch of one new upload (the server's) re-marks none of the others."""
        c = submissions.c
        with self.engine.begin() as conn:
            have = {(r.student_id, r.path): r for r in conn.execute(sa.select(
                c.id, c.student_id, c.path, c.due_at, c.late_days, c.penalty_percent).where(c.assignment == assignment))}
            for student_id, path, late in marks:
                found = have.get((student_id, self.stored_path(path)))
                if found is None or (found.due_at, found.late_days, found.penalty_percent) == (late.due_at, late.late_days, late.penalty_percent):
                    continue
                conn.execute(submissions.update().where(c.id == found.id).values(
                    due_at=late.due_at, late_days=late.late_days, penalty_percent=late.penalty_percent))
                old, new = changes.retotal(conn, found.id)
                if old != new:
                    changes.log(conn, by=changes.cli_user(), kind=ChangeKind.LATE, submission_id=found.id, old=old, new=new,
                                reason=f"re-marked for lateness: {late.penalty_percent:g}% off")

    # -- reading -----------------------------------------------------------------------------
    def is_graded(self, assignment: str, student_id: str, path: str, sha256: str) -> bool:
        return (student_id, self.stored_path(path), sha256) in self.graded_files(assignment)

    def graded_files(self, assignment: str) -> set[tuple[str, str, str]]:
        """(student id, stored path, sha256) of every file graded to the end: one query for a batch's plan."""
        c = submissions.c
        done = (c.assignment == assignment) & c.graded_at.is_not(None) & c.status.in_(DONE)
        with self.engine.connect() as conn:
            return {(r.student_id, r.path, r.sha256) for r in conn.execute(sa.select(c.student_id, c.path, c.sha256).where(done))}

    def submissions(self, assignment: str, latest_only: bool = True) -> list[SubmissionRecord]:
        """Submission rows for an assignment; by default the one graded row per student (a file kept
        after the cutoff only when the student has nothing else)."""
        # by id last: of two rows submitted at the same moment, the one written last is the latest
        query = sa.select(submissions).where(submissions.c.assignment == assignment).order_by(
            submissions.c.student_id, submissions.c.submitted_at, submissions.c.id)
        with self.engine.connect() as conn:
            rows = [SubmissionRecord(**{**r._mapping, "path": self.file_path(r.path)}) for r in conn.execute(query)]
        if not latest_only:
            return rows
        latest: dict[str, SubmissionRecord] = {}
        for r in rows:
            before = latest.get(r.student_id)
            late = SubmissionStatus.AFTER_CUTOFF
            if r.status == SubmissionStatus.SUPERSEDED or (r.status == late and before and before.status != late):
                continue
            latest[r.student_id] = r
        return list(latest.values())

    def part_rows(self, submission_id: int) -> list[PartRecord]:
        """The graded parts of one submission (in no particular order: see :func:`grader.report.records.ordered_rows`)."""
        return self.parts_of([submission_id])[submission_id]

    def parts_of(self, ids: Iterable[int], *, values: bool = True) -> dict[int, list[PartRecord]]:
        """:meth:`part_rows` of each submission of ``ids``, two queries a few hundred (not two each);
        without ``values``, no part's ``given`` or ``expected`` (reading them was half of a summary's time)."""
        found: dict[int, list[PartRecord]] = {i: [] for i in ids}
        wanted = list(found)
        with self.engine.connect() as conn:
            for chunk in (wanted[i:i + _CHUNK] for i in range(0, len(wanted), _CHUNK)):
                held = changes.overrides_of_each(conn, chunk)
                for r in conn.execute(sa.select(results).where(results.c.submission_id.in_(chunk))):
                    row, key = _decode(r, values), (r.problem_id, r.part)
                    found[r.submission_id].append(replace(row, override=held[r.submission_id][key].reason)
                                                  if key in held.get(r.submission_id, {}) else row)
        return found

    def students(self) -> dict[str, tuple[str, str]]:
        with self.engine.connect() as conn:
            return {r.student_id: (r.name, r.email) for r in conn.execute(sa.select(students))}

    def variant_params(self, assignment: str) -> dict[tuple[str, str], dict]:
        query = sa.select(variants_table).where(variants_table.c.assignment == assignment)
        with self.engine.connect() as conn:
            return {(r.student_id, r.problem_id): json.loads(r.params) for r in conn.execute(query)}

    def variant_alternatives(self, assignment: str) -> dict[tuple[str, str], str]:
        """(student id, pool problem id) -> the alternative the student was graded on."""
        query = sa.select(variants_table.c.student_id, variants_table.c.problem_id, variants_table.c.alternative).where(
            (variants_table.c.assignment == assignment) & variants_table.c.alternative.is_not(None))
        with self.engine.connect() as conn:
            return {(r.student_id, r.problem_id): r.alternative for r in conn.execute(query)}


def _keep_hand_grades(conn, submission_id: int, rows: list[PartRecord]) -> list[PartRecord]:
    """A regrade keeps a hand grade whose written answer has not changed."""
    graded = {(r.problem_id, r.part): r for r in conn.execute(
        sa.select(results).where((results.c.submission_id == submission_id) & (results.c.verdict == Verdict.MANUAL)))}
    out = []
    for row in rows:
        old = graded.get((row.problem_id, row.part))
        if row.manual and old is not None and old.given == _json(row.given):
            row = replace(row, score=old.score, feedback=old.feedback, verdict=Verdict.MANUAL)
        out.append(row)
    return out


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _encode(row: PartRecord) -> dict[str, Any]:
    return dict(problem_id=row.problem_id, part=row.part, given=_json(row.given), expected=_json(row.expected),
                score=row.score, max_score=row.max_score, verdict=row.verdict, feedback=row.feedback,
                mistake=row.mistake, manual=row.manual)


# a batch's statements, built once: building them for each of 1,000 submissions was a third of its recording
_FIND = sa.select(submissions.c.id).where((submissions.c.assignment == sa.bindparam("a"))
                                          & (submissions.c.student_id == sa.bindparam("s")) & (submissions.c.path == sa.bindparam("p")))
_ADD = submissions.insert()
_FORGET = variants_table.delete().where((variants_table.c.assignment == sa.bindparam("a")) & (variants_table.c.student_id == sa.bindparam("s")))
_CHUNK = 500  # submission ids a query names: well within any supported database's limit on parameters


def _decode(row: sa.Row, values: bool = True) -> PartRecord:
    return PartRecord(problem_id=row.problem_id, part=row.part, score=row.score, max_score=row.max_score,
                      verdict=row.verdict, feedback=row.feedback, mistake=row.mistake, manual=bool(row.manual),
                      given=None if row.given is None or not values else json.loads(row.given),
                      expected=None if row.expected is None or not values else json.loads(row.expected))


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")
    # WAL: readers (a report) never block the batch writing. Switching a database to it takes its
    # lock for a moment, and SQLite answers "locked" at once, without waiting, to a second process
    # switching it then (two processes opening an old gradebook at once): that one tries again.
    deadline = time.monotonic() + 30
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)
    cursor.execute("PRAGMA synchronous=NORMAL")  # with WAL: a committed submission survives a crash of autograde
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
