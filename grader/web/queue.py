"""The grading queue: uploads waiting to be graded, kept in the gradebook's database.

Uploads are claimed by one atomic ``UPDATE ... WHERE status = 'queued'`` that stamps them with the
claim's own random id (only one claimant's update matches a row, on SQLite and PostgreSQL alike),
so two workers never take the same upload. A claim takes every queued upload of the oldest one's
assignment: one grading batch then serves a deadline's rush instead of one batch per upload. A server that
stops mid-grading leaves items ``running``; the next one to start puts them back (:func:`requeue_running`),
and the gradebook's own record of what is graded stops the same file being graded twice.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from grader.service_tables import QueueStatus, queue, utcnow

__all__ = ["QueueItem", "claim", "enqueue", "finish", "get", "history", "latest_by_student", "recent_uploads", "requeue_running"]


@dataclass(frozen=True)
class QueueItem:
    id: int
    assignment: str
    student_id: str
    path: str
    submitted_at: dt.datetime
    status: QueueStatus
    late: bool
    validation: dict
    reason: str
    gradebook_id: int | None
    attempts: int
    regrade: bool = False  # an instructor's regrade of this graded file, not an upload

    @classmethod
    def of(cls, row) -> QueueItem:
        when = row.submitted_at if row.submitted_at.tzinfo else row.submitted_at.replace(tzinfo=dt.UTC)
        return cls(row.id, row.assignment, row.student_id, row.path, when, QueueStatus(row.status), bool(row.late),
                   json.loads(row.validation), row.reason, row.gradebook_id, row.attempts, bool(row.regrade))


def enqueue(engine: sa.Engine, *, assignment: str, student_id: str, path: str, submitted_at: dt.datetime,
            validation: dict, late: bool, status: QueueStatus = QueueStatus.QUEUED, reason: str = "",
            regrade: bool = False) -> QueueItem:
    with engine.begin() as conn:
        new = conn.execute(queue.insert().values(
            assignment=assignment, student_id=student_id, path=path, submitted_at=submitted_at, status=status.value,
            late=late, validation=json.dumps(validation, sort_keys=True), reason=reason, attempts=0, regrade=regrade,
            finished_at=None if not status.done else utcnow())).inserted_primary_key
    assert new is not None  # an INSERT of one row always has its key
    item = get(engine, int(new[0]))
    assert item is not None  # just written, in a committed transaction
    return item


def get(engine: sa.Engine, item_id: int) -> QueueItem | None:
    with engine.connect() as conn:
        row = conn.execute(sa.select(queue).where(queue.c.id == item_id)).first()
    return QueueItem.of(row) if row else None


def claim(engine: sa.Engine) -> list[QueueItem]:
    """Take every queued upload of the oldest queued one's assignment for grading; [] when none is queued."""
    while True:
        with engine.begin() as conn:
            first = conn.execute(sa.select(queue.c.assignment).where(queue.c.status == QueueStatus.QUEUED.value)
                                 .order_by(queue.c.id).limit(1)).scalar()
            if first is None:
                return []
            token = secrets.token_hex(16)
            conn.execute(queue.update().where((queue.c.assignment == first) & (queue.c.status == QueueStatus.QUEUED.value))
                         .values(status=QueueStatus.RUNNING.value, claimed_at=utcnow(), claim=token,
                                 attempts=queue.c.attempts + 1))
            taken = [QueueItem.of(r) for r in conn.execute(sa.select(queue).where(queue.c.claim == token).order_by(queue.c.id))]
        if taken:  # else another worker took them between our read and our update: look again
            return taken


def finish(engine: sa.Engine, item_id: int, status: QueueStatus, reason: str = "", gradebook_id: int | None = None) -> None:
    with engine.begin() as conn:
        conn.execute(queue.update().where(queue.c.id == item_id).values(
            status=status.value, reason=reason, gradebook_id=gradebook_id, finished_at=utcnow()))


def requeue_running(engine: sa.Engine) -> int:
    """Put back what a stopped server was grading (one server per course); returns how many."""
    with engine.begin() as conn:
        return conn.execute(queue.update().where(queue.c.status == QueueStatus.RUNNING.value)
                            .values(status=QueueStatus.QUEUED.value, claimed_at=None, claim=None)).rowcount


def history(engine: sa.Engine, student_id: str, assignment: str | None = None) -> list[QueueItem]:
    """A student's uploads, newest first (an instructor's regrades are not uploads)."""
    where = (queue.c.student_id == student_id) & ~queue.c.regrade
    if assignment is not None:
        where &= queue.c.assignment == assignment
    with engine.connect() as conn:
        return [QueueItem.of(r) for r in conn.execute(sa.select(queue).where(where).order_by(queue.c.id.desc()))]


def latest_by_student(engine: sa.Engine, assignment: str) -> dict[str, QueueItem]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(queue).where(queue.c.assignment == assignment).order_by(queue.c.id))
        return {r.student_id: QueueItem.of(r) for r in rows}


def recent_uploads(engine: sa.Engine, student_id: str, since: dt.datetime) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(queue).where(
            (queue.c.student_id == student_id) & (queue.c.submitted_at >= since) & ~queue.c.regrade)).scalar_one())
