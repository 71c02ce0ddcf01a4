"""Grade changes: the audit log, overrides of computed scores, and students' regrade requests.

Three new tables (see :mod:`grader.changes`), written out here as they are today, never imported,
so that later changes leave this revision as it is. Nothing existing changes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _words(name: str, column: str, words: tuple[str, ...]) -> sa.CheckConstraint:
    return sa.CheckConstraint(sa.column(column).in_(words), name=name)


def upgrade() -> None:
    op.create_table(
        "grade_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("assignment", sa.String(64), nullable=False),
        sa.Column("student_id", sa.String(64), nullable=False),
        sa.Column("submission_id", sa.Integer, nullable=False),
        sa.Column("problem_id", sa.String(64), nullable=False),
        sa.Column("part", sa.String(64), nullable=False),
        sa.Column("old", sa.Float),
        sa.Column("new", sa.Float),
        sa.Column("reason", sa.Text, nullable=False),
        _words("change_kind", "kind", ("hand", "override", "unoverride", "regrade", "request", "late")),
    )
    op.create_index("ix_grade_changes_assignment", "grade_changes", ["assignment"])
    op.create_index("ix_grade_changes_student_id", "grade_changes", ["student_id"])
    op.create_table(
        "grade_overrides",
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("problem_id", sa.String(64), primary_key=True),
        sa.Column("part", sa.String(64), primary_key=True),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("computed", sa.Float, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("at", sa.String(40), nullable=False),
    )
    op.create_table(
        "regrade_requests",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("assignment", sa.String(64), nullable=False),
        sa.Column("student_id", sa.String(64), nullable=False),
        sa.Column("submission_id", sa.Integer, nullable=False),
        sa.Column("problem_id", sa.String(64), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("opened_at", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reply", sa.Text, nullable=False),
        sa.Column("answered_by", sa.String(200), nullable=False),
        sa.Column("answered_at", sa.String(40)),
        sa.Column("open_key", sa.String(200), unique=True),
        _words("request_status", "status", ("open", "accepted", "declined")),
    )
    op.create_index("ix_regrade_requests_assignment", "regrade_requests", ["assignment"])
    op.create_index("ix_regrade_requests_student_id", "regrade_requests", ["student_id"])


def downgrade() -> None:
    op.drop_table("regrade_requests")
    op.drop_table("grade_overrides")
    op.drop_table("grade_changes")
