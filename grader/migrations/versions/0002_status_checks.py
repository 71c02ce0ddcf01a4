"""Statuses and verdicts hold only the words autograde knows (grader.outcomes): a CHECK constraint each.

A named CHECK on a VARCHAR(20) (what ``sa.Enum(native_enum=False, create_constraint=True)`` declares
in :mod:`grader.gradebook`), the same on SQLite and PostgreSQL: a later revision changes the allowed
words by replacing one named constraint, where a native PostgreSQL ENUM could never drop a value.
SQLite cannot add a constraint to a table, so the three tables are copied (``batch_alter_table``).
A gradebook holding a word outside these is refused, naming it, before anything changes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from grader.errors import GradebookError

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# the words as they were when this revision was written: never imported, so it stays what it was
CHECKS = {  # (table, column): (constraint name, allowed words, NULL allowed)
    ("submissions", "status"): ("submission_status", ("graded", "failed", "invalid", "not_on_roster", "superseded",
                                                      "after_cutoff"), False),
    ("submissions", "identity"): ("identity_status", ("match", "other_student", "unknown_stamp", "unstamped"), True),
    ("results", "verdict"): ("verdict", ("correct", "partial", "wrong", "carried", "unanswered", "pending", "manual"),
                             False),
}


def upgrade() -> None:
    _refuse_unknown_words()
    for table in ("submissions", "results"):
        with op.batch_alter_table(table) as batch:
            for (of, column), (name, words, _) in CHECKS.items():
                if of == table:
                    batch.create_check_constraint(name, sa.column(column).in_(words))


def _refuse_unknown_words() -> None:
    bind = op.get_bind()
    for (table, column), (_, words, nullable) in CHECKS.items():
        value: sa.ColumnClause[str] = sa.column(column)
        unknown = ~value.in_(words) if nullable else (value.is_(None) | ~value.in_(words))
        found = bind.execute(sa.select(value).select_from(sa.table(table)).where(unknown).distinct().limit(5)).scalars().all()
        if found:
            raise GradebookError(f"its {table}.{column} holds {', '.join(map(repr, found))}, which autograde does not "
                                 f"know (known: {', '.join(words)}): correct those rows, then open it again")


def downgrade() -> None:
    for table in ("results", "submissions"):
        with op.batch_alter_table(table) as batch:
            for (of, _), (name, _, _) in CHECKS.items():
                if of == table:
                    batch.drop_constraint(name, type_="check")
