"""The submission service's tables (sign-in generations, staff, the grading queue): part of the gradebook's schema.

The gradebook's ``MetaData`` starts here and :mod:`grader.gradebook` adds its own tables to it, so
whoever has the gradebook's metadata has these tables too, whatever was imported first: a new
gradebook is made with them, and the revisions (``0003``) bring an older one to them. They live in
this module, below the gradebook and outside ``grader/web/``, because the gradebook must import them
and must not import the web framework (``grader.web`` loads Starlette); the CLI (``autograde
tokens``, ``autograde staff``) and the grading worker use them without it too.
"""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa

__all__ = ["PrincipalKind", "QueueStatus", "Role", "metadata", "principals", "queue", "staff", "utcnow"]

metadata = sa.MetaData()
"""The gradebook's schema: these tables, and :mod:`grader.gradebook`'s."""


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
    # an instructor's regrade of a graded submission (revision 0006), not an upload: not in the student's history
    sa.Column("regrade", sa.Boolean, nullable=False, default=False, server_default=sa.false()),
)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
