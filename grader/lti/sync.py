"""The two things ``autograde lti`` does with a platform's services: push an assignment's grades, sync the roster.

Framework-free and given the HTTP client, so the CLI, the server and the tests (a simulated
platform) call the same functions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import httpx
import sqlalchemy as sa

from grader.assignment import load_assignment
from grader.config import Course, Student
from grader.errors import LtiError
from grader.gradebook import Gradebook
from grader.lti import claims as c
from grader.lti.grades import ScorePlan, plan_scores
from grader.lti.outbox import DrainResult, client_factory, drain, enqueue
from grader.lti.people import Newcomer, add_to_roster, by_subject, mark_member
from grader.lti.tables import MemberStatus, contexts, members

__all__ = ["PushResult", "RosterResult", "push", "sync_roster"]

_PAGES = 1000  # a roster of more pages than this is a platform's loop, not a course


@dataclass
class PushResult:
    plan: ScorePlan
    queued: int
    drained: DrainResult


def push(course: Course, assignment: str, http: httpx.Client, include_pending: bool = False,
         now: dt.datetime | None = None) -> PushResult:
    """Queue the assignment's released scores the LMS lacks, then post everything due in the outbox (other
    assignments' earlier failures too: a retry never waits for that assignment's next push)."""
    loaded = load_assignment(course, assignment)
    book = Gradebook(course.config.gradebook, course.root)
    try:
        plan = plan_scores(course, loaded, book, include_pending, now)
        queued = enqueue(book, assignment, plan.scores, now)
        drained = drain(course, book, client_factory(course, http), now)
    finally:
        book.close()
    return PushResult(plan, queued, drained)


@dataclass
class RosterResult:
    added: list[Student] = field(default_factory=list)
    left: list[str] = field(default_factory=list)       # student ids no longer in an LMS course: kept, marked
    contexts: int = 0
    failed: list[str] = field(default_factory=list)     # an LMS course whose roster could not be read, and why


def sync_roster(course: Course, http: httpx.Client) -> RosterResult:
    """Add the learners of every linked LMS course to the roster; mark who left. Nobody is removed or renamed."""
    clients = client_factory(course, http)
    result = RosterResult()
    book = Gradebook(course.config.gradebook, course.root)
    try:
        with book.engine.connect() as conn:
            linked = conn.execute(sa.select(contexts.c.issuer, contexts.c.context_id, contexts.c.memberships_url).where(
                contexts.c.linked.is_(True) & contexts.c.memberships_url.is_not(None)).order_by(contexts.c.issuer, contexts.c.context_id)).all()
        for issuer, context_id, url in linked:
            try:
                listed = _memberships(clients(issuer), url)
            except LtiError as exc:
                result.failed.append(f"{context_id}: {exc}")
                continue
            result.contexts += 1
            _apply(course, book, issuer, context_id, listed, result)
        roster = course.roster()
        book.add_students((s.student_id, s.name, s.email) for s in roster)
    finally:
        book.close()
    return result


def _memberships(client, url: str) -> list[dict]:
    found: list[dict] = []
    next_url: str | None = url
    for _ in range(_PAGES):
        if next_url is None:
            return found
        response = client.call("GET", next_url, (c.Scope.MEMBERSHIPS.value,), accept=c.MEMBERSHIPS_MEDIA)
        body = response.json()
        found += [m for m in body.get("members", []) if isinstance(m, dict) and m.get("user_id")]
        next_url = response.links.get("next", {}).get("url")
    raise LtiError(f"the roster at {url} runs past {_PAGES} pages")


def _apply(course: Course, book: Gradebook, issuer: str, context_id: str, listed: list[dict], result: RosterResult) -> None:
    learners = [m for m in listed if not c.is_staff([str(r) for r in m.get("roles", [])])]
    active = {str(m["user_id"]): m for m in learners if m.get("status", "Active") == "Active"}
    known = by_subject(course)
    added = add_to_roster(course, [Newcomer(uid, str(m.get("name", "")), str(m.get("email", "")),
                                            str(m.get("lis_person_sourcedid", "")))
                                   for uid, m in sorted(active.items()) if uid not in known])
    result.added += added
    known = by_subject(course)
    for uid in sorted(active):
        mark_member(book.engine, issuer, context_id, uid, known[uid].student_id)
    with book.engine.connect() as conn:
        were = conn.execute(sa.select(members.c.user_id, members.c.student_id).where(
            (members.c.issuer == issuer) & (members.c.context_id == context_id)
            & (members.c.status == MemberStatus.ACTIVE.value))).all()
    for uid, student_id in were:
        if uid not in active:
            mark_member(book.engine, issuer, context_id, uid, student_id, MemberStatus.LEFT)
            result.left.append(student_id)
