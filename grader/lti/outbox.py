"""The grade outbox: every score bound for an LMS is a row first, and leaves it only when the LMS accepted it.

A score the LMS has already accepted (or one already waiting) is not queued again, so posting twice
changes nothing there; a changed score (a regrade, an override, a hand grade) replaces the one
waiting. A failed post (a timeout, a 5xx, an expired token that a fresh one does not cure, any
refusal) stays in the outbox with the error and is tried again after a backoff that doubles, from a
minute up to six hours: nothing is lost, and a platform that is down is not hammered.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa

from grader.assignment import load_assignment
from grader.config import Course
from grader.errors import AutogradeError, LtiError
from grader.gradebook import Gradebook
from grader.lti import claims as c
from grader.lti.grades import TargetScore, ensure_lineitem, scores_url
from grader.lti.services import PlatformClient
from grader.lti.tables import OutboxStatus, outbox

__all__ = ["DrainResult", "backoff", "drain", "enqueue"]

_SCORE_SCOPES = (c.Scope.LINEITEM.value, c.Scope.RESULT_READONLY.value, c.Scope.SCORE.value)


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 6 * 3600))


def enqueue(book: Gradebook, assignment: str, scores: list[TargetScore], now: dt.datetime | None = None) -> int:
    """Queue the scores the LMS does not have yet; how many were queued."""
    now = now or dt.datetime.now(dt.UTC)
    queued = 0
    with book.engine.begin() as conn:
        for s in scores:
            text = json.dumps(s.score, sort_keys=True)
            key = ((outbox.c.issuer == s.issuer) & (outbox.c.context_id == s.context_id)
                   & (outbox.c.assignment == assignment) & (outbox.c.user_id == s.score["userId"]))
            latest = conn.execute(sa.select(outbox.c.id, outbox.c.score, outbox.c.status).where(key)
                                  .order_by(outbox.c.id.desc()).limit(1)).first()
            if latest is not None and latest.score == text:
                continue  # sent already, or waiting to be: the same again changes nothing
            if latest is not None and latest.status == OutboxStatus.PENDING:
                conn.execute(outbox.update().where(outbox.c.id == latest.id).values(score=text, next_at=now))
            else:
                conn.execute(outbox.insert().values(
                    issuer=s.issuer, context_id=s.context_id, assignment=assignment, user_id=s.score["userId"],
                    student_id=s.student_id, score=text, status=OutboxStatus.PENDING.value, attempts=0, next_at=now,
                    last_error="", created_at=now))
            queued += 1
    return queued


@dataclass
class DrainResult:
    sent: int = 0
    failed: list[str] = field(default_factory=list)  # "student: why", each still in the outbox
    waiting: int = 0                                 # in the outbox, not yet due for another try


def drain(course: Course, book: Gradebook, client_for: Callable[[str], PlatformClient], now: dt.datetime | None = None,
          assignment: str | None = None) -> DrainResult:
    """Post every score that is due; failures stay queued with their error and a later time to try again."""
    now = now or dt.datetime.now(dt.UTC)
    result = DrainResult()
    pending = outbox.c.status == OutboxStatus.PENDING.value
    if assignment is not None:
        pending &= outbox.c.assignment == assignment
    with book.engine.connect() as conn:
        due = conn.execute(sa.select(outbox).where(pending & (outbox.c.next_at <= now)).order_by(outbox.c.id)).all()
        result.waiting = conn.execute(sa.select(sa.func.count()).select_from(outbox).where(
            pending & (outbox.c.next_at > now))).scalar_one()
    for row in due:
        try:
            _post(course, book, client_for(row.issuer), row, now)
        except AutogradeError as exc:  # an LtiError, or the course's own files gone wrong meanwhile: kept, tried again
            attempts = row.attempts + 1
            with book.engine.begin() as conn:
                conn.execute(outbox.update().where(outbox.c.id == row.id).values(
                    attempts=attempts, next_at=now + backoff(attempts), last_error=str(exc)[:2000]))
            result.failed.append(f"{row.student_id} ({row.context_id}): {exc}")
            continue
        with book.engine.begin() as conn:
            conn.execute(outbox.update().where(outbox.c.id == row.id).values(
                status=OutboxStatus.SENT.value, sent_at=now, attempts=row.attempts + 1, last_error=""))
        result.sent += 1
    return result


def _post(course: Course, book: Gradebook, client: PlatformClient, row, now: dt.datetime) -> None:
    score = json.loads(row.score)
    assignment = load_assignment(course, row.assignment)
    lineitem = ensure_lineitem(book, client, row.issuer, row.context_id, assignment, score["scoreMaximum"])
    # a timestamp of the send: a platform keeps the score with the latest one, so a retried old value never wins
    body = {**score, "timestamp": now.isoformat(timespec="milliseconds").replace("+00:00", "Z")}
    client.call("POST", scores_url(lineitem), _SCORE_SCOPES, body=body, content_type=c.SCORE_MEDIA)


def issuer_names(course: Course) -> dict[str, str]:
    """Each configured issuer's platform name (several names of one issuer: the first)."""
    names: dict[str, str] = {}
    for name, platform in course.config.lti.platforms.items():
        names.setdefault(platform.issuer, name)
    return names


def client_factory(course: Course, http) -> Callable[[str], PlatformClient]:
    """A client per issuer, made once; an issuer no longer configured is an LtiError (its scores wait)."""
    made: dict[str, PlatformClient] = {}
    names = issuer_names(course)

    def client_for(issuer: str) -> PlatformClient:
        if issuer not in names:
            raise LtiError(f"{issuer} is no longer under [lti.platforms] in autograde.toml")
        if issuer not in made:
            made[issuer] = PlatformClient(course, names[issuer], http)
        return made[issuer]

    return client_for
