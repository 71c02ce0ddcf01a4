"""The LMS link's tables: login states and nonces, LMS courses, line items, memberships and the grade outbox.

Declared on the gradebook's ``MetaData`` (:mod:`grader.service_tables`, the bottom of the schema) and
imported by :mod:`grader.gradebook`, so a new gradebook has them and revision 0005 adds them to an old
one; nothing here imports the gradebook.
"""

from __future__ import annotations

import enum

import sqlalchemy as sa

from grader.service_tables import metadata

__all__ = ["MemberStatus", "OutboxStatus", "contexts", "lineitems", "members", "metadata", "outbox", "states"]



class OutboxStatus(enum.StrEnum):
    PENDING = "pending"  # not yet accepted by the platform: tried again after ``next_at``
    SENT = "sent"


class MemberStatus(enum.StrEnum):
    ACTIVE = "active"
    LEFT = "left"  # no longer in the LMS course (or Inactive there): kept on the roster, marked


# one row per OIDC login the tool started: the launch must bring back its state, and its nonce once only
states = sa.Table(
    "lti_states", metadata,
    sa.Column("state", sa.String(64), primary_key=True),
    sa.Column("nonce", sa.String(64), nullable=False, unique=True),
    sa.Column("issuer", sa.String(300), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True)),
)

# an LMS course that launched the tool, with the service endpoints its launches named
contexts = sa.Table(
    "lti_contexts", metadata,
    sa.Column("issuer", sa.String(300), primary_key=True),
    sa.Column("context_id", sa.String(255), primary_key=True),
    sa.Column("deployment_id", sa.String(255), nullable=False),
    sa.Column("title", sa.String(300), nullable=False, default=""),
    sa.Column("lineitems_url", sa.Text),
    sa.Column("memberships_url", sa.Text),
    sa.Column("linked", sa.Boolean, nullable=False, default=False),  # a staff member launched from it: its students belong
)

lineitems = sa.Table(
    "lti_lineitems", metadata,
    sa.Column("issuer", sa.String(300), primary_key=True),
    sa.Column("context_id", sa.String(255), primary_key=True),
    sa.Column("assignment", sa.String(64), primary_key=True),
    sa.Column("url", sa.Text, nullable=False),
)

members = sa.Table(
    "lti_members", metadata,
    sa.Column("issuer", sa.String(300), primary_key=True),
    sa.Column("context_id", sa.String(255), primary_key=True),
    sa.Column("user_id", sa.String(255), primary_key=True),  # the LTI subject
    sa.Column("student_id", sa.String(64), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
)

outbox = sa.Table(
    "lti_outbox", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("issuer", sa.String(300), nullable=False),
    sa.Column("context_id", sa.String(255), nullable=False),
    sa.Column("assignment", sa.String(64), nullable=False),
    sa.Column("user_id", sa.String(255), nullable=False),
    sa.Column("student_id", sa.String(64), nullable=False),
    sa.Column("score", sa.Text, nullable=False),   # the score's JSON, less its timestamp
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_error", sa.Text, nullable=False, default=""),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True)),
    sa.Index("lti_outbox_by_status", "status", "next_at"),
)
