"""The gradebook's schema revisions: an old gradebook opens, migrates, keeps everything and grades again."""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import sqlite3
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from grader import migrations
from grader.errors import GradebookError
from grader.gradebook import Gradebook, PartRecord, metadata
from grader.grading.runner import grade
from grader.outcomes import IdentityStatus, SubmissionStatus, Verdict
from tests.fixtures import old_gradebook

TABLES = ("students", "variants", "submissions", "results")
WEB_TABLES = ("web_principals", "web_staff", "web_queue")  # the submission service's (revision 0003)
LOG_TABLES = ("grade_changes", "grade_overrides", "regrade_requests")
LTI_TABLES = ("lti_contexts", "lti_lineitems", "lti_members", "lti_outbox", "lti_states")


def dump(path) -> dict[str, list[tuple]]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return {t: sorted(db.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in TABLES}


def schema(engine: sa.Engine) -> dict:
    """Columns, indexes, unique and CHECK constraints of every table, as the database reports them."""
    inspector = sa.inspect(engine)
    return {t: ([(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(t)],
                sorted((i["name"], tuple(i["column_names"])) for i in inspector.get_indexes(t)),
                sorted((u["name"], tuple(u["column_names"])) for u in inspector.get_unique_constraints(t)),
                sorted((c["name"], " ".join(c["sqltext"].split())) for c in inspector.get_check_constraints(t)))
            for t in TABLES + WEB_TABLES + LOG_TABLES + LTI_TABLES}


@pytest.fixture
def old_course(tmp_path):
    """The course the old gradebook was graded from, with that gradebook (made by commit 7026d97)."""
    course = old_gradebook.course(tmp_path / "course")
    old_gradebook.load(course.root / course.config.gradebook)
    return course


def test_an_old_gradebook_migrates_keeps_every_row_and_hand_grade_and_grades_again(old_course):
    path = old_course.root / old_course.config.gradebook
    before = dump(path)
    assert len(before["submissions"]) == 6 and len(before["variants"]) == 8
    book = Gradebook(old_course.config.gradebook, old_course.root)
    try:
        assert migrations.current(book.engine) == migrations.HEAD
        every = {s.student_id + ("/old" if s.status == SubmissionStatus.SUPERSEDED else ""): s
                 for s in book.submissions("a1", latest_only=False)}
        assert {sid: s.status for sid, s in every.items()} == {
            "s001": "graded", "s002": "graded", "s003": "graded", "s003/old": "superseded", "s004": "graded",
            "zz": "not_on_roster"}
        assert all(type(s.status) is SubmissionStatus for s in every.values())
        assert every["s004"].identity is IdentityStatus.MATCH
        assert (every["s004"].late_days, every["s004"].penalty_percent, every["s004"].score) == (2, 20.0, 3.2)
        hand = next(r for r in book.part_rows(every["s001"].id) if r.problem_id == "q3")
        assert (hand.verdict, hand.score, hand.feedback) == (Verdict.MANUAL, 1.5, "Equivariance, yes; say why it saves parameters.")
        assert all(type(r.verdict) is Verdict for r in book.part_rows(every["s003"].id))
    finally:
        book.close()
    assert dump(path) == before  # every row of every table, as it was

    assert grade(old_course, "a1") == []  # nothing to grade: every file is graded already
    assert dump(path)["results"] == before["results"]
    again = grade(old_course, "a1", regrade=True)  # graded again, every roster student's latest file
    assert sorted(r.student_id for r in again) == ["s001", "s002", "s003", "s004"]
    book = Gradebook(old_course.config.gradebook, old_course.root)
    try:
        latest = {s.student_id: s for s in book.submissions("a1")}
        hand = next(r for r in book.part_rows(latest["s001"].id) if r.problem_id == "q3")
        assert (hand.verdict, hand.score) == (Verdict.MANUAL, 1.5)  # the same answer keeps its hand grade
        assert latest["s001"].score == 5.5 and latest["s004"].score == pytest.approx(3.2)
        assert latest["s004"].late_days == 2
        assert {s.graded_at for s in latest.values()}.isdisjoint(row[6] for row in before["submissions"])  # graded anew
    finally:
        book.close()


def test_the_revisions_end_at_the_tables_the_code_declares(tmp_path):
    """A new gradebook is made from the declared tables; an old one by the revisions: the same schema."""
    made = Gradebook("new.db", tmp_path)
    made.close()
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'migrated.db'}")
    with engine.begin() as conn:  # every revision from an empty database
        command.upgrade(migrations.config(conn), "head")
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    assert schema(engine) == schema(made.engine)
    assert ("submission_status", "status IN ('graded', 'failed', 'invalid', 'not_on_roster', 'superseded', "
            "'after_cutoff')") in schema(engine)["submissions"][3]
    engine.dispose()


def test_a_new_gradebook_is_stamped_at_head_as_alembic_stamps_it(tmp_path):
    """A new gradebook's version table is written without Alembic: Alembic reads it as head, finds
    nothing to upgrade, and it has the columns and key ``alembic stamp`` gives its own."""
    made = Gradebook("new.db", tmp_path)
    made.close()
    stamped = sa.create_engine(f"sqlite:///{tmp_path / 'stamped.db'}")
    with stamped.begin() as conn:
        metadata.create_all(conn)
        command.stamp(migrations.config(conn), "head")
    version = {}
    for name, engine in (("ours", made.engine), ("alembic", stamped)):
        with engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == migrations.HEAD
            inspector = sa.inspect(conn)
            version[name] = ([(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns("alembic_version")],
                             inspector.get_pk_constraint("alembic_version"))
    assert version["ours"] == version["alembic"]
    assert migrations.upgrade(made.engine, metadata) is False  # at head: nothing to do
    stamped.dispose()


_start = None


def _ready(barrier) -> None:
    global _start
    _start = barrier


def _open(root: str) -> int:
    _start.wait(timeout=120)  # both processes open the gradebook at the same moment
    book = Gradebook("gradebook.db", Path(root))
    try:
        return len(book.submissions("a1", latest_only=False))
    finally:
        book.close()


@pytest.mark.slow  # two fresh interpreters
def test_two_processes_opening_an_old_gradebook_at_once_migrate_it_once(old_course):
    before = dump(old_course.root / old_course.config.gradebook)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=context, initializer=_ready, initargs=(context.Barrier(2),)) as pool:
        assert list(pool.map(_open, [str(old_course.root)] * 2)) == [6, 6]
    assert dump(old_course.root / old_course.config.gradebook) == before
    with contextlib.closing(sqlite3.connect(old_course.root / old_course.config.gradebook)) as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [(migrations.HEAD,)]


def test_head_is_the_newest_revision():
    assert ScriptDirectory.from_config(migrations.config()).get_current_head() == migrations.HEAD


def test_the_status_revision_rejects_an_unknown_status_or_verdict(old_course):
    Gradebook(old_course.config.gradebook, old_course.root).close()
    with contextlib.closing(sqlite3.connect(old_course.root / old_course.config.gradebook)) as db:
        for statement in ("UPDATE submissions SET status = 'archived' WHERE id = 1",
                          "UPDATE submissions SET identity = 'someone' WHERE id = 3",
                          "UPDATE results SET verdict = 'great' WHERE submission_id = 4"):
            with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
                db.execute(statement)
    book = Gradebook(old_course.config.gradebook, old_course.root)
    try:  # the code says it before the database does
        with pytest.raises(sa.exc.StatementError, match="'great' is not among the defined enum values"):
            book.record(assignment="a1", student_id="s009", path="x.ipynb", sha256="", submitted_at="t",
                        status=SubmissionStatus.GRADED, rows=[PartRecord("q1", "a", 0.0, 1.0, "great")])
    finally:
        book.close()


def test_an_old_gradebook_holding_an_unknown_status_is_refused_naming_it_and_left_as_it_was(old_course):
    path = old_course.root / old_course.config.gradebook
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("UPDATE submissions SET status = 'archived' WHERE id = 2")
        db.commit()
    before = dump(path)
    with pytest.raises(GradebookError, match="submissions.status holds 'archived', which autograde does not know"):
        Gradebook(old_course.config.gradebook, old_course.root)
    assert dump(path) == before
    with contextlib.closing(sqlite3.connect(path)) as db:  # not half migrated: still before the baseline
        assert db.execute("SELECT name FROM sqlite_master WHERE name = 'alembic_version'").fetchall() == []


def _at_0002(course) -> Path:
    """The course's old gradebook brought to revision 0002, as a gradebook stood before the service's tables."""
    path = course.root / course.config.gradebook
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:
            command.upgrade(migrations.config(conn), "0002")
    finally:
        engine.dispose()
    return path


def test_a_gradebook_before_the_service_gains_its_tables_empty(old_course):
    path = _at_0002(old_course)
    before = dump(path)
    book = Gradebook(old_course.config.gradebook, old_course.root)
    try:
        assert migrations.current(book.engine) == migrations.HEAD
        with book.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
            assert [conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar() for t in WEB_TABLES] == [0, 0, 0]
    finally:
        book.close()
    assert dump(path) == before


def test_a_gradebook_a_server_made_its_tables_in_keeps_its_queue_and_staff(old_course):
    """Before revision 0003 the server made its tables itself (``create_all``): they are kept, rows and all."""
    path = _at_0002(old_course)
    with contextlib.closing(sqlite3.connect(path)) as db:  # the tables as that server's create_all made them
        db.executescript("""
            CREATE TABLE web_principals (kind VARCHAR(10) NOT NULL, principal_id VARCHAR(200) NOT NULL,
                generation INTEGER NOT NULL, PRIMARY KEY (kind, principal_id));
            CREATE TABLE web_staff (email VARCHAR(200) NOT NULL, role VARCHAR(20) NOT NULL, PRIMARY KEY (email));
            CREATE TABLE web_queue (id INTEGER NOT NULL, assignment VARCHAR(64) NOT NULL, student_id VARCHAR(64) NOT NULL,
                path TEXT NOT NULL, submitted_at DATETIME NOT NULL, status VARCHAR(20) NOT NULL, claimed_at DATETIME,
                claim VARCHAR(32), finished_at DATETIME, attempts INTEGER NOT NULL, late BOOLEAN NOT NULL,
                validation TEXT NOT NULL, reason TEXT NOT NULL, gradebook_id INTEGER, PRIMARY KEY (id));
            CREATE INDEX ix_web_queue_assignment ON web_queue (assignment);
            CREATE INDEX ix_web_queue_student_id ON web_queue (student_id);
            CREATE INDEX ix_web_queue_status ON web_queue (status);
            INSERT INTO web_staff VALUES ('ta@example.org', 'ta');
            INSERT INTO web_principals VALUES ('student', 's001', 2);
            INSERT INTO web_queue VALUES (1, 'a1', 's001', 'submitted/s001/a1/x/a1.ipynb', '2030-01-30 10:00:00.000000',
                'queued', NULL, NULL, NULL, 0, 0, '{}', '', NULL);
        """)
    with contextlib.closing(sqlite3.connect(path)) as db:
        rows = {t: db.execute(f"SELECT * FROM {t}").fetchall() for t in WEB_TABLES}
    book = Gradebook(old_course.config.gradebook, old_course.root)
    try:
        assert migrations.current(book.engine) == migrations.HEAD
        with book.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    finally:
        book.close()
    rows["web_queue"] = [(*row, 0) for row in rows["web_queue"]]  # revision 0006's column: an upload, not a regrade
    with contextlib.closing(sqlite3.connect(path)) as db:
        assert {t: db.execute(f"SELECT * FROM {t}").fetchall() for t in WEB_TABLES} == rows


def test_the_gradebook_metadata_holds_the_service_tables_whatever_is_imported_first():
    """No import-order trap: importing the gradebook alone gives a metadata with the service's tables."""
    code = "import json, grader.gradebook as g; print(json.dumps(sorted(g.metadata.tables)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == sorted(TABLES + WEB_TABLES + LOG_TABLES + LTI_TABLES)
