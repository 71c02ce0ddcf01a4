"""The gradebook's schema, versioned with Alembic: opening a gradebook brings it to the newest revision.

The revisions live in ``versions/`` inside the package and run programmatically (no ``alembic.ini``).
A gradebook made before revisions existed (no ``alembic_version`` table: today's or an older
autograde's) is brought to the baseline first, gaining what it lacks, and then upgraded like any
other. A gradebook already at the newest revision is only read: opening it takes no write lock.

To change the schema: change the tables in :mod:`grader.gradebook` (or the service's, in
:mod:`grader.service_tables`, on the same metadata), then add a revision, e.g.
``python -c "from grader.migrations import config; from alembic import command;
command.revision(config(), 'what changes', rev_id='0004')"``, and write its ``upgrade`` by hand
(``op.batch_alter_table`` for what SQLite cannot ALTER); ``tests/test_migrations.py`` checks
that the revisions end at the tables the code declares.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

__all__ = ["HEAD", "config", "current", "upgrade"]

HERE = Path(__file__).resolve().parent
_LOCK = 0x6167726164  # "agrad": PostgreSQL's advisory lock taken while a gradebook migrates
HEAD = "0006"
"""The newest revision in ``versions/`` (a test checks it): opening a gradebook already there reads
one row and imports no Alembic, which would cost every command 0.1 s."""


def config(connection: sa.Connection | None = None):  # -> alembic.config.Config, imported only to migrate
    """Alembic's configuration for the gradebook's revisions, running on ``connection``."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE).replace("%", "%%"))
    cfg.attributes["connection"] = connection
    return cfg


def current(engine: sa.Engine) -> str | None:
    """The gradebook's revision (None: made before revisions existed, or empty)."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: sa.Engine, metadata: sa.MetaData) -> bool:
    """Bring the gradebook to the newest revision in one transaction; False when it was there already.

    An empty database gets ``metadata``'s tables as they are, stamped with the newest revision
    (half the time of running every revision; a test checks both give the same tables)."""
    if current(engine) == HEAD:
        return False
    with engine.connect() as conn:
        empty = not sa.inspect(conn).get_table_names()
    if not empty:  # imported before the write lock is taken, not while another process waits for it
        from alembic import command
    migrating = _migration_engine(engine)
    try:
        with migrating.begin() as conn:
            if conn.dialect.name == "postgresql":  # one migration at a time (SQLite: BEGIN IMMEDIATE)
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_LOCK})")
            # looked at again under the lock: another process may have made or migrated it meanwhile
            if not sa.inspect(conn).get_table_names():
                metadata.create_all(conn)
                _stamp_head(conn)
            else:
                from alembic import command

                command.upgrade(config(conn), "head")
    finally:
        migrating.dispose()
    return True


def _stamp_head(conn: sa.Connection) -> None:
    """Mark a gradebook just made from the declared tables as at ``HEAD``: Alembic's own version
    table, written as ``alembic stamp head`` writes it, without importing Alembic (0.2 s, most of
    the time to a first grading batch's first result on a new gradebook; a test checks that Alembic
    reads it as head)."""
    table = sa.Table("alembic_version", sa.MetaData(), sa.Column("version_num", sa.String(32), nullable=False),
                     sa.PrimaryKeyConstraint("version_num", name="alembic_version_pkc"))
    table.create(conn)
    conn.execute(table.insert().values(version_num=HEAD))


def _migration_engine(engine: sa.Engine) -> sa.Engine:
    """An engine for migrating alone. On SQLite: one transaction begun by us (pysqlite would run DDL
    outside any), taking the write lock at once (two processes opening an old gradebook migrate it
    once, one after the other), and with foreign keys off, since a table copied to change it is
    dropped, and dropping ``submissions`` would otherwise delete every result row by cascade."""
    migrating = sa.create_engine(engine.url, poolclass=sa.pool.NullPool)
    if migrating.dialect.name == "sqlite":
        @sa.event.listens_for(migrating, "connect")
        def _connect(dbapi_connection, _record) -> None:
            dbapi_connection.isolation_level = None  # we say when a transaction begins
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=OFF")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @sa.event.listens_for(migrating, "begin")
        def _begin(conn) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
    return migrating
