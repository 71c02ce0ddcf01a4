"""The LMS link (LTI 1.3): login states and nonces, LMS courses, line items, memberships, the grade outbox.

New tables only (:mod:`grader.lti.tables`), written out here as they were when this revision was
made, so that a later change of the module does not change what this revision did.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lti_states",
        sa.Column("state", sa.String(64), primary_key=True),
        sa.Column("nonce", sa.String(64), nullable=False, unique=True),
        sa.Column("issuer", sa.String(300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "lti_contexts",
        sa.Column("issuer", sa.String(300), primary_key=True),
        sa.Column("context_id", sa.String(255), primary_key=True),
        sa.Column("deployment_id", sa.String(255), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("lineitems_url", sa.Text),
        sa.Column("memberships_url", sa.Text),
        sa.Column("linked", sa.Boolean, nullable=False),
    )
    op.create_table(
        "lti_lineitems",
        sa.Column("issuer", sa.String(300), primary_key=True),
        sa.Column("context_id", sa.String(255), primary_key=True),
        sa.Column("assignment", sa.String(64), primary_key=True),
        sa.Column("url", sa.Text, nullable=False),
    )
    op.create_table(
        "lti_members",
        sa.Column("issuer", sa.String(300), primary_key=True),
        sa.Column("context_id", sa.String(255), primary_key=True),
        sa.Column("user_id", sa.String(255), primary_key=True),
        sa.Column("student_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
    )
    op.create_table(
        "lti_outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("issuer", sa.String(300), nullable=False),
        sa.Column("context_id", sa.String(255), nullable=False),
        sa.Column("assignment", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("student_id", sa.String(64), nullable=False),
        sa.Column("score", sa.Text, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
    )
    op.create_index("lti_outbox_by_status", "lti_outbox", ["status", "next_at"])


def downgrade() -> None:
    op.drop_index("lti_outbox_by_status", "lti_outbox")
    for table in ("lti_outbox", "lti_members", "lti_lineitems", "lti_contexts", "lti_states"):
        op.drop_table(table)
