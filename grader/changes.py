"""Grade changes after grading: the audit log, overrides of computed scores, and regrade requests.

Every path that changes a part's score once it is graded (a hand grade from the web page or from
``manual import``, an override, a regrade request accepted, a regrade that scores a part
differently, a late re-mark of a total) writes one ``grade_changes`` row in the same transaction as
the change, saying who, when, which part, the old and the new score, and why.

An override replaces a computed part's score in the ``results`` row itself, so every reader (the
totals, exports, feedback pages, the report, the service) sees one score; ``grade_overrides`` keeps
the reason and what the grader computed, and a regrade puts the override back over its fresh
result (:func:`carry_overrides`), saying so in the log when the computed score moved.

The tables sit on the gradebook's ``MetaData`` (:mod:`grader.service_tables`, the bottom of the
schema), declared here rather than in :mod:`grader.gradebook` because the gradebook calls this
module while it writes (a module may not import one that imports it); one revision history covers
them all.
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Protocol

import sqlalchemy as sa

from grader.errors import GradeChangeError
from grader.outcomes import ChangeKind, RequestStatus, Verdict
from grader.service_tables import metadata  # the gradebook's one schema, which these tables join

__all__ = ["Change", "Override", "carry_overrides", "changes", "cli_user", "enum_type", "hand_grade", "history", "log", "log_regrade", "metadata",
           "net", "override", "override_count", "overrides", "overrides_of", "regrade_requests", "remove_override", "retotal", "scores_of",
           "set_override"]


def enum_type(values: type[StrEnum], name: str) -> sa.Enum:
    """A column holding one of ``values``: VARCHAR(20) with a CHECK constraint named ``name`` (the same on
    SQLite and PostgreSQL, and a later revision changes the allowed words by replacing one constraint),
    and checked in Python before a write, so a bad word fails naming itself."""
    return sa.Enum(values, name=name, native_enum=False, create_constraint=True, validate_strings=True, length=20,
                   values_callable=lambda members: [m.value for m in members])


changes = sa.Table(
    "grade_changes", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("by", sa.String(200), nullable=False),  # a staff member's email, or "<user> (command line)"
    sa.Column("kind", enum_type(ChangeKind, "change_kind"), nullable=False),
    sa.Column("assignment", sa.String(64), nullable=False, index=True),
    sa.Column("student_id", sa.String(64), nullable=False, index=True),
    sa.Column("submission_id", sa.Integer, nullable=False),  # no foreign key: the log outlives a deleted row
    sa.Column("problem_id", sa.String(64), nullable=False, default=""),  # "" with part "": the total
    sa.Column("part", sa.String(64), nullable=False, default=""),
    sa.Column("old", sa.Float),
    sa.Column("new", sa.Float),
    sa.Column("reason", sa.Text, nullable=False, default=""),
)

overrides = sa.Table(
    "grade_overrides", metadata,
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("problem_id", sa.String(64), primary_key=True),
    sa.Column("part", sa.String(64), primary_key=True),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("computed", sa.Float, nullable=False),  # what the grader gave the part, at its latest grading
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("by", sa.String(200), nullable=False),
    sa.Column("at", sa.String(40), nullable=False),
)

regrade_requests = sa.Table(
    "regrade_requests", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("assignment", sa.String(64), nullable=False, index=True),
    sa.Column("student_id", sa.String(64), nullable=False, index=True),
    sa.Column("submission_id", sa.Integer, nullable=False),
    sa.Column("problem_id", sa.String(64), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("opened_at", sa.String(40), nullable=False),
    sa.Column("status", enum_type(RequestStatus, "request_status"), nullable=False),
    sa.Column("reply", sa.Text, nullable=False, default=""),
    sa.Column("answered_by", sa.String(200), nullable=False, default=""),
    sa.Column("answered_at", sa.String(40)),
    # "assignment/student/problem" while open, NULL once answered: the database keeps one open request per problem
    sa.Column("open_key", sa.String(200), unique=True),
)


@dataclass(frozen=True)
class Change:
    """One row of the audit log."""

    id: int
    at: str
    by: str
    kind: ChangeKind
    assignment: str
    student_id: str
    submission_id: int
    problem_id: str
    part: str
    old: float | None
    new: float | None
    reason: str


@dataclass(frozen=True)
class Override:
    """A computed part's score set by an instructor."""

    score: float
    computed: float
    reason: str
    by: str
    at: str


class _Scored(Protocol):
    problem_id: str
    part: str
    score: float


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def cli_user() -> str:
    """Who changes grades from the command line, as the log names them."""
    try:
        return f"{getpass.getuser()} (command line)"
    except (KeyError, OSError):  # a uid with no name (a container)
        return "command line"


def net(total: float | None, penalty_percent: float) -> float | None:
    """A submission's total from its parts' points, less the late penalty: the one formula of a total."""
    return None if total is None else total * (1 - penalty_percent / 100)


def _results() -> sa.Table:
    return metadata.tables["results"]  # declared by grader.gradebook on this metadata


def _submissions() -> sa.Table:
    return metadata.tables["submissions"]


def retotal(conn: sa.Connection, submission_id: int) -> tuple[float | None, float | None]:
    """Store a submission's total again from its parts; returns (old, new)."""
    results, submissions = _results(), _submissions()
    parts = conn.execute(sa.select(sa.func.sum(results.c.score)).where(results.c.submission_id == submission_id)).scalar()
    row = conn.execute(sa.select(submissions.c.score, submissions.c.penalty_percent).where(
        submissions.c.id == submission_id)).one()
    total = net(parts, row.penalty_percent or 0.0)
    conn.execute(submissions.update().where(submissions.c.id == submission_id).values(score=total))
    return row.score, total


def log(conn: sa.Connection, *, by: str, kind: ChangeKind, submission_id: int, problem_id: str = "", part: str = "",
        old: float | None, new: float | None, reason: str = "") -> None:
    """Write one audit row for a change of ``submission_id`` (its assignment and student looked up here)."""
    submissions = _submissions()
    sub = conn.execute(sa.select(submissions.c.assignment, submissions.c.student_id).where(
        submissions.c.id == submission_id)).one()
    conn.execute(changes.insert().values(at=now(), by=by, kind=kind, assignment=sub.assignment, student_id=sub.student_id,
                                         submission_id=submission_id, problem_id=problem_id, part=part, old=old, new=new,
                                         reason=reason))


def scores_of(conn: sa.Connection, submission_id: int) -> dict[tuple[str, str], float]:
    """(problem id, part) -> the score stored, before a regrade replaces the rows."""
    results = _results()
    query = sa.select(results.c.problem_id, results.c.part, results.c.score).where(results.c.submission_id == submission_id)
    return {(r.problem_id, r.part): r.score for r in conn.execute(query)}


def overrides_of(conn: sa.Connection, submission_id: int) -> dict[tuple[str, str], Override]:
    return overrides_of_each(conn, [submission_id]).get(submission_id, {})


def overrides_of_each(conn: sa.Connection, ids: Sequence[int]) -> dict[int, dict[tuple[str, str], Override]]:
    """Submission id -> its overrides, for those of ``ids`` that have any, in one query."""
    found: dict[int, dict[tuple[str, str], Override]] = {}
    for r in conn.execute(sa.select(overrides).where(overrides.c.submission_id.in_(ids))):
        found.setdefault(r.submission_id, {})[(r.problem_id, r.part)] = Override(r.score, r.computed, r.reason, r.by, r.at)
    return found


def carry_overrides(conn: sa.Connection, submission_id: int, rows: list[Any]) -> tuple[list[Any], dict[tuple[str, str], float]]:
    """A regrade's rows with every override put back over the fresh result (the override's ``computed``
    follows the fresh one); also the parts whose computed score moved under an override: key -> computed now."""
    held = overrides_of(conn, submission_id)
    out, moved = [], {}
    for row in rows:
        key = (row.problem_id, row.part)
        if key in held:
            if row.score != held[key].computed:
                moved[key] = row.score
                conn.execute(overrides.update().where((overrides.c.submission_id == submission_id)
                                                      & (overrides.c.problem_id == key[0]) & (overrides.c.part == key[1]))
                             .values(computed=row.score))
            row = replace(row, score=held[key].score)
        out.append(row)
    return out, moved


def log_regrade(conn: sa.Connection, submission_id: int, before: dict[tuple[str, str], float], rows: Iterable[_Scored],
                moved: dict[tuple[str, str], float], by: str) -> None:
    """Log each part a regrade scored differently, and each override kept over a computed score that moved."""
    after = {(r.problem_id, r.part): r.score for r in rows}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old is None and key not in moved:
            continue  # graded for the first time (a file kept after the cutoff, say): not a change
        if key in moved:
            why = f"graded again: the override stands over the computed score, now {moved[key]:g}"
        elif old == new:
            continue
        else:
            why = "graded again: the part scored differently"
        log(conn, by=by, kind=ChangeKind.REGRADE, submission_id=submission_id, problem_id=key[0], part=key[1],
            old=old, new=new, reason=why)


def _part(conn: sa.Connection, submission_id: int, problem_id: str, part: str) -> sa.Row:
    results = _results()
    key = (results.c.submission_id == submission_id) & (results.c.problem_id == problem_id) & (results.c.part == part)
    row = conn.execute(sa.select(results.c.score, results.c.max_score, results.c.manual, results.c.verdict).where(key)).first()
    if row is None:
        raise GradeChangeError(f"submission {submission_id} has no graded part {problem_id}/{part}")
    return row


def _rescore(conn: sa.Connection, submission_id: int, problem_id: str, part: str, old: float, new: float, *, by: str,
             kind: ChangeKind, reason: str) -> None:
    """A part's score changed: stored, the total again, one audit row."""
    results = _results()
    conn.execute(results.update().where((results.c.submission_id == submission_id) & (results.c.problem_id == problem_id)
                                        & (results.c.part == part)).values(score=new))
    retotal(conn, submission_id)
    log(conn, by=by, kind=kind, submission_id=submission_id, problem_id=problem_id, part=part, old=old, new=new,
        reason=reason)


def _override_key(submission_id: int, problem_id: str, part: str):
    return (overrides.c.submission_id == submission_id) & (overrides.c.problem_id == problem_id) & (overrides.c.part == part)


def set_override(engine: sa.Engine, submission_id: int, problem_id: str, part: str, score: float, reason: str, by: str,
                 kind: ChangeKind = ChangeKind.OVERRIDE) -> None:
    """Set a computed part's score, with a reason (required): stored in the part's row, so every total and
    page follows, kept over later regrades, logged. GradeChangeError for a hand-graded part (grade it by
    hand instead), a score outside 0..max or no reason."""
    with engine.begin() as conn:
        override(conn, submission_id, problem_id, part, score, reason, by, kind)


def override(conn: sa.Connection, submission_id: int, problem_id: str, part: str, score: float, reason: str, by: str,
             kind: ChangeKind = ChangeKind.OVERRIDE) -> None:
    """:func:`set_override` inside the caller's transaction."""
    reason = reason.strip()
    if not reason:
        raise GradeChangeError(f"{problem_id}/{part}: an override needs a reason")
    row = _part(conn, submission_id, problem_id, part)
    if row.manual:
        raise GradeChangeError(f"{problem_id}/{part} is a free-text answer: grade it by hand, not by an override")
    if not 0 <= score <= row.max_score:
        raise GradeChangeError(f"{problem_id}/{part}: score {score:g} is outside 0..{row.max_score:g}")
    held = conn.execute(sa.select(overrides.c.computed).where(_override_key(submission_id, problem_id, part))).first()
    values = dict(score=score, reason=reason, by=by, at=now())
    if held is None:
        conn.execute(overrides.insert().values(submission_id=submission_id, problem_id=problem_id, part=part,
                                               computed=row.score, **values))
    else:
        conn.execute(overrides.update().where(_override_key(submission_id, problem_id, part)).values(**values))
    _rescore(conn, submission_id, problem_id, part, row.score, score, by=by, kind=kind, reason=reason)


def hand_grade(conn: sa.Connection, submission_id: int, problem_id: str, part: str, score: float, feedback: str, *,
               by: str, kind: ChangeKind = ChangeKind.HAND, reason: str = "") -> bool:
    """A free-text part's hand grade (clamped to 0..max) with its comment, logged, inside the caller's
    transaction; False when there is no such part."""
    results = _results()
    key = (results.c.submission_id == submission_id) & (results.c.problem_id == problem_id) & (results.c.part == part)
    row = conn.execute(sa.select(results.c.max_score, results.c.score, results.c.verdict).where(key)).first()
    if row is None:
        return False
    new = min(max(score, 0.0), row.max_score)
    conn.execute(results.update().where(key).values(score=new, feedback=feedback, verdict=Verdict.MANUAL))
    retotal(conn, submission_id)
    log(conn, by=by, kind=kind, submission_id=submission_id, problem_id=problem_id, part=part,
        old=None if row.verdict == Verdict.PENDING else row.score, new=new, reason=reason or feedback)
    return True


def remove_override(engine: sa.Engine, submission_id: int, problem_id: str, part: str, reason: str, by: str) -> None:
    """Take an override back: the computed score counts again (logged, with a reason)."""
    reason = reason.strip()
    if not reason:
        raise GradeChangeError(f"{problem_id}/{part}: taking an override back needs a reason")
    with engine.begin() as conn:
        row = _part(conn, submission_id, problem_id, part)
        held = conn.execute(sa.select(overrides.c.computed).where(_override_key(submission_id, problem_id, part))).first()
        if held is None:
            raise GradeChangeError(f"submission {submission_id} has no override of {problem_id}/{part}")
        conn.execute(overrides.delete().where(_override_key(submission_id, problem_id, part)))
        _rescore(conn, submission_id, problem_id, part, row.score, held.computed, by=by, kind=ChangeKind.UNOVERRIDE,
                 reason=reason)


def history(engine: sa.Engine, assignment: str | None = None, student_id: str | None = None) -> list[Change]:
    """The audit log, newest first, of one assignment and/or student (everything when neither is given)."""
    query = sa.select(changes).order_by(changes.c.id.desc())
    if assignment:
        query = query.where(changes.c.assignment == assignment)
    if student_id:
        query = query.where(changes.c.student_id == student_id)
    with engine.connect() as conn:
        return [Change(**r._mapping) for r in conn.execute(query)]


def override_count(engine: sa.Engine, assignment: str) -> int:
    """How many parts of the assignment's submissions carry an instructor's override."""
    submissions = _submissions()
    query = sa.select(sa.func.count()).select_from(overrides.join(submissions, overrides.c.submission_id == submissions.c.id)) \
        .where(submissions.c.assignment == assignment)
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())
