"""Baseline: the gradebook as autograde made it before revisions existed.

A gradebook without an ``alembic_version`` table (made by an older autograde) is brought here:
its missing tables are created and its missing columns added (every column added since the first
gradebook is nullable or has a server default), its rows and hand grades untouched. An empty
database gets every table. The tables are written out here as they were, never imported, so that
later changes to :mod:`grader.gradebook` leave this revision as it is.

Revision ID: 0001
Revises:
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

baseline = sa.MetaData()

sa.Table(
    "students", baseline,
    sa.Column("student_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, default=""),
    sa.Column("email", sa.String(200), nullable=False, default=""),
)

sa.Table(
    "variants", baseline,
    sa.Column("assignment", sa.String(64), primary_key=True),
    sa.Column("student_id", sa.String(64), primary_key=True),
    sa.Column("problem_id", sa.String(64), primary_key=True),
    sa.Column("family", sa.String(100), nullable=False),
    sa.Column("params", sa.Text, nullable=False),
    sa.Column("alternative", sa.String(64)),
)

sa.Table(
    "submissions", baseline,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("assignment", sa.String(64), nullable=False, index=True),
    sa.Column("student_id", sa.String(64), nullable=False, index=True),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("submitted_at", sa.String(40), nullable=False),
    sa.Column("graded_at", sa.String(40)),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("reason", sa.Text, nullable=False, default=""),
    sa.Column("score", sa.Float),
    sa.Column("max_score", sa.Float),
    sa.Column("seconds", sa.Float),
    sa.Column("executor", sa.String(20), nullable=False, default=""),
    sa.Column("due_at", sa.String(40)),
    sa.Column("late_days", sa.Integer),
    sa.Column("penalty_percent", sa.Float, nullable=False, default=0.0, server_default="0"),
    sa.Column("identity", sa.String(20)),
    sa.Column("released_to", sa.String(64), nullable=False, default="", server_default=""),
    sa.UniqueConstraint("assignment", "student_id", "path", name="one_row_per_file"),
)

sa.Table(
    "results", baseline,
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("problem_id", sa.String(64), primary_key=True),
    sa.Column("part", sa.String(64), primary_key=True),
    sa.Column("given", sa.Text),
    sa.Column("expected", sa.Text),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("max_score", sa.Float, nullable=False),
    sa.Column("verdict", sa.String(20), nullable=False),
    sa.Column("feedback", sa.Text, nullable=False, default=""),
    sa.Column("mistake", sa.String(100)),
    sa.Column("manual", sa.Boolean, nullable=False, default=False),
)


def upgrade() -> None:
    bind = op.get_bind()
    baseline.create_all(bind)  # checkfirst: every table of a new gradebook, those an older one lacks
    inspector = sa.inspect(bind)
    for table in baseline.sorted_tables:
        have = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in have:
                default = getattr(column.server_default, "arg", None)  # a DefaultClause's text, or none
                op.add_column(table.name, sa.Column(column.name, column.type, nullable=column.nullable,
                                                    server_default=default))


def downgrade() -> None:
    raise NotImplementedError("the baseline is where a gradebook's history starts")
