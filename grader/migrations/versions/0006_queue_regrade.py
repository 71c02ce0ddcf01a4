"""The grading queue can hold an instructor's regrade of a graded submission (``web_queue.regrade``).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("web_queue") as batch:
        batch.add_column(sa.Column("regrade", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("web_queue") as batch:
        batch.drop_column("regrade")
