"""The gradebook's two databases for tests: SQLite (a file in the course) and a real PostgreSQL server.

A test that asks for the ``database`` fixture (tests/conftest.py) runs once on each; its course's
``autograde.toml`` names that database. PostgreSQL's run needs a server: ``AUTOGRADE_TEST_POSTGRES``
is the SQLAlchemy URL of a database on it where this user may ``CREATE DATABASE`` (``.ci/with-postgres``
starts a throwaway one and sets it); without it, that run is skipped and says why. Each test gets a
database of its own, dropped afterwards, so tests never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

POSTGRES_ENV = "AUTOGRADE_TEST_POSTGRES"
SQLITE = "gradebook.db"

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
"""Parameters of the ``database`` fixture: the PostgreSQL one carries the ``postgres`` marker (``-m postgres``)."""


def postgres_server() -> str:
    """The server's URL, or the test is skipped with the reason."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"no PostgreSQL server: set {POSTGRES_ENV} (run the tests under .ci/with-postgres)")
    pytest.importorskip("psycopg", reason="PostgreSQL's driver is missing: pip install -e '.[postgres]'")
    return url


@contextmanager
def fresh_postgres_database(server: str) -> Iterator[str]:
    """A new empty database on the server, as a SQLAlchemy URL; dropped (connections and all) on exit."""
    name = f"autograde_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            yield sa.make_url(server).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:  # FORCE: a gradebook a failed test left open must not keep it
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextmanager
def gradebook_location(backend: str) -> Iterator[str]:
    """What ``autograde.toml``'s ``gradebook`` says for this backend."""
    if backend == "sqlite":
        yield SQLITE
    else:
        with fresh_postgres_database(postgres_server()) as url:
            yield url
