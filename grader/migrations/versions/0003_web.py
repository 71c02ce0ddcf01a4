"""The submission service's tables (``autograde serve``): sign-in generations, staff, the grading queue.

Until this revision the service made them itself beside the gradebook's (``create_all``), so a
gradebook a server has already opened has them: they are created only where missing, and such a
gradebook keeps its queue and its staff as they were. Written out here as they were, never imported
(see :mod:`grader.service_tables`), so that later changes leave this revision as it is.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

web = sa.MetaData()

sa.Table(
    "web_principals", web,
    sa.Column("kind", sa.String(10), primary_key=True),
    sa.Column("principal_id", sa.String(200), primary_key=True),
    sa.Column("generation", sa.Integer, nullable=False, default=0),
)

sa.Table(
    "web_staff", web,
    sa.Column("email", sa.String(200), primary_key=True),
    sa.Column("role", sa.String(20), nullable=False),
)

sa.Table(
    "web_queue", web,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("assignment", sa.String(64), nullable=False, index=True),
    sa.Column("student_id", sa.String(64), nullable=False, index=True),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("claimed_at", sa.DateTime(timezone=True)),
    sa.Column("claim", sa.String(32)),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("late", sa.Boolean, nullable=False, default=False),
    sa.Column("validation", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False, default=""),
    sa.Column("gradebook_id", sa.Integer),
)


def upgrade() -> None:
    web.create_all(op.get_bind())  # checkfirst: a table (and its indexes) the service made already is kept


def downgrade() -> None:
    web.drop_all(op.get_bind())
