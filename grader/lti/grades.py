"""Assignment and Grade Services: which scores may go to the LMS, and their line items there.

A student's score is the gradebook total (penalties included, as the exports give it), sent only
once the feedback policy has released it to that student: at once for an assignment whose
``on_submit`` is ``score`` or ``full``, else once their own submissions have closed (cutoff, an
extension's if any, plus grace). A total still waiting for hand grades goes only when asked
(``include_pending``), marked ``Pending``; otherwise ``FullyGraded``. It goes to every LMS course
(context) that student launched from or was listed in, each under that course's line item for the
assignment: found by ``resourceId`` or created, and remembered, so never made twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import httpx
import sqlalchemy as sa

from grader.assignment import Assignment
from grader.config import Course
from grader.errors import LtiError
from grader.gradebook import Gradebook
from grader.late import deadlines
from grader.lti import claims as c
from grader.lti.services import PlatformClient
from grader.lti.tables import contexts, lineitems, members
from grader.outcomes import GradeStatus
from grader.report.records import StudentRecord, points_possible, student_records

__all__ = ["ScorePlan", "TargetScore", "ensure_lineitem", "plan_scores", "remember_lineitem", "scores_url"]

_LINEITEM_SCOPES = (c.Scope.LINEITEM.value, c.Scope.RESULT_READONLY.value, c.Scope.SCORE.value)


@dataclass(frozen=True)
class TargetScore:
    """One score for one student in one LMS course, less the timestamp it gets when sent."""

    issuer: str
    context_id: str
    student_id: str
    score: dict


@dataclass
class ScorePlan:
    scores: list[TargetScore] = field(default_factory=list)
    not_released: list[str] = field(default_factory=list)  # the policy has not released the score to them yet
    pending: list[str] = field(default_factory=list)       # hand grades to come (sent with include_pending)
    not_in_lms: list[str] = field(default_factory=list)    # graded, but in no LMS course the tool knows


def released(course: Course, assignment: Assignment, student_id: str, now: dt.datetime) -> bool:
    policy = assignment.config.feedback.on_submit or course.config.feedback.on_submit
    if policy in ("score", "full"):
        return True
    closes = deadlines(course, assignment).for_student(student_id).closes
    return closes is not None and now >= closes


def plan_scores(course: Course, assignment: Assignment, book: Gradebook, include_pending: bool = False,
                now: dt.datetime | None = None) -> ScorePlan:
    """The scores to send now, and who is left out and why."""
    now = now or dt.datetime.now(dt.UTC)
    plan = ScorePlan()
    with book.engine.connect() as conn:
        where = conn.execute(sa.select(members.c.user_id, members.c.issuer, members.c.context_id).join(
            contexts, (contexts.c.issuer == members.c.issuer) & (contexts.c.context_id == members.c.context_id)
        ).where(contexts.c.lineitems_url.is_not(None))).all()
    contexts_of: dict[str, list[tuple[str, str]]] = {}
    for user_id, issuer, context_id in where:
        contexts_of.setdefault(user_id, []).append((issuer, context_id))
    for record in student_records(course, assignment, book):
        if record.grade_status not in (GradeStatus.GRADED, GradeStatus.PENDING) or record.student is None:
            continue
        if not released(course, assignment, record.student_id, now):
            plan.not_released.append(record.student_id)
            continue
        pending = record.grade_status == GradeStatus.PENDING
        if pending and not include_pending:
            plan.pending.append(record.student_id)
            continue
        targets = contexts_of.get(record.student.lti_sub, []) if record.student.lti_sub else []
        if not targets:
            plan.not_in_lms.append(record.student_id)
        for issuer, context_id in sorted(targets):
            plan.scores.append(TargetScore(issuer, context_id, record.student_id, _score(record, record.student.lti_sub, pending)))
    return plan


def _score(record: StudentRecord, user_id: str, pending: bool) -> dict:
    return {"userId": user_id, "scoreGiven": round(record.score or 0.0, 4),
            "scoreMaximum": round(record.max_score or 0.0, 4), "activityProgress": "Completed",
            "gradingProgress": "Pending" if pending else "FullyGraded"}


def scores_url(lineitem: str) -> str:
    """``{lineitem}/scores``, with the line item's query string (Moodle has one) kept after the path."""
    parts = urlsplit(lineitem)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


def ensure_lineitem(book: Gradebook, client: PlatformClient, issuer: str, context_id: str, assignment: Assignment,
                    maximum: float) -> str:
    """The line item's URL for this assignment in this LMS course: remembered, else found by resourceId, else created."""
    key = (lineitems.c.issuer == issuer) & (lineitems.c.context_id == context_id) & (lineitems.c.assignment == assignment.name)
    with book.engine.connect() as conn:
        known = conn.execute(sa.select(lineitems.c.url).where(key)).scalar()
        container = conn.execute(sa.select(contexts.c.lineitems_url).where(
            (contexts.c.issuer == issuer) & (contexts.c.context_id == context_id))).scalar()
    if known:
        return known
    if not container:
        raise LtiError(f"the LMS course {context_id} gave no line items URL (grade passback is off there)")
    found = client.call("GET", str(_with_query(container, resource_id=assignment.name)), _LINEITEM_SCOPES,
                        accept=c.LINEITEMS_MEDIA)
    items = found.json() if found.content else []
    url = next((i.get("id") for i in items if isinstance(i, dict) and i.get("resourceId") == assignment.name), None)
    if url is None:
        made = client.call("POST", container, _LINEITEM_SCOPES, content_type=c.LINEITEM_MEDIA, accept=c.LINEITEM_MEDIA, body={
            "scoreMaximum": points_possible(assignment, []) or maximum, "label": assignment.config.title,
            "resourceId": assignment.name, "tag": "autograde"})
        url = made.json().get("id")
    if not url:
        raise LtiError(f"the LMS course {context_id} answered a line item without its id", retry=True)
    remember_lineitem(book.engine, issuer, context_id, assignment.name, str(url))
    return str(url)


def remember_lineitem(engine: sa.Engine, issuer: str, context_id: str, assignment: str, url: str) -> None:
    """Keep the line item a launch names for its assignment (a link placed by hand has no resourceId to find it by,
    and making another would give the LMS a second grade column)."""
    key = (lineitems.c.issuer == issuer) & (lineitems.c.context_id == context_id) & (lineitems.c.assignment == assignment)
    with engine.begin() as conn:
        if conn.execute(sa.select(lineitems.c.url).where(key)).scalar() is None:
            conn.execute(lineitems.insert().values(issuer=issuer, context_id=context_id, assignment=assignment, url=url))


def _with_query(url: str, **params: str) -> httpx.URL:
    return httpx.URL(url).copy_merge_params(params)
