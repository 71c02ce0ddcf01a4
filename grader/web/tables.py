"""The submission service's tables, in the gradebook's database but on their own ``MetaData``.

They are created beside the gradebook's tables on the same engine; once the gradebook has
migrations, these belong in one (see the report of issue 15). Nothing here imports the web
framework, so the CLI (``autograde tokens``, ``autograde staff``) uses it too.
"""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa

__all__ = ["PrincipalKind", "QueueStatus", "Role", "create_tables", "metadata", "principals", "queue", "staff", "utcnow"]

metadata = sa.MetaData()


class PrincipalKind(enum.StrEnum):
    STUDENT = "student"
    STAFF = "staff"


class Role(enum.StrEnum):
    INSTRUCTOR = "instructor"
    TA = "ta"


class QueueStatus(enum.StrEnum):
    """Where one upload is; the first five are the issue's, the last two what the gradebook said instead."""

    QUEUED = "queued"
    RUNNING = "running"
    GRADED = "graded"
    FAILED = "failed"
    INVALID = "invalid"
    SUPERSEDED = "superseded"      # a later upload of the same student was graded instead
    AFTER_CUTOFF = "after_cutoff"  # kept and marked, not graded unless the instructor says so

    @property
    def done(self) -> bool:
        return self not in (QueueStatus.QUEUED, QueueStatus.RUNNING)


# whose sign-in links are valid: a link carries the generation it was made in; revoking bumps it
principals = sa.Table(
    "web_principals", metadata,
    sa.Column("kind", sa.String(10), primary_key=True),
    sa.Column("principal_id", sa.String(200), primary_key=True),  # a student id, or a staff member's email
    sa.Column("generation", sa.Integer, nullable=False, default=0),
)

staff = sa.Table(
    "web_staff", metadata,
    sa.Column("email", sa.String(200), primary_key=True),
    sa.Column("role", sa.String(20), nullable=False),
)

queue = sa.Table(
    "web_queue", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("assignment", sa.String(64), nullable=False, index=True),
    sa.Column("student_id", sa.String(64), nullable=False, index=True),
    sa.Column("path", sa.Text, nullable=False),  # as the gradebook keys it: relative to the course
    sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("claimed_at", sa.DateTime(timezone=True)),
    sa.Column("claim", sa.String(32)),  # which claim took it: one claim takes an assignment's queued uploads together
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("late", sa.Boolean, nullable=False, default=False),
    sa.Column("validation", sa.Text, nullable=False),  # JSON of what validate said, as shown to the student
    sa.Column("reason", sa.Text, nullable=False, default=""),
    sa.Column("gradebook_id", sa.Integer),  # the gradebook's submissions row, once graded
)


def create_tables(engine: sa.Engine) -> None:
    metadata.create_all(engine)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
