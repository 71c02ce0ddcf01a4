"""Students' regrade requests: one open request per problem of a graded submission, answered by staff.

A request names the student's latest graded submission of an assignment and one problem, with a
message. Staff decline it with a reply, or accept it with new scores for the problem's parts: a
free-text part is graded by hand again, a computed part is overridden (an instructor's right, see
docs/security.md); either way the change is logged with the reply as its reason. No web types here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from grader import changes
from grader.changes import regrade_requests as table
from grader.errors import GradeChangeError, GradeRightsError
from grader.gradebook import Gradebook
from grader.outcomes import ChangeKind, RequestStatus, SubmissionStatus

__all__ = ["RegradeRequest", "answer", "open_request", "requests"]

MESSAGE_CHARS = 4000


@dataclass(frozen=True)
class RegradeRequest:
    id: int
    assignment: str
    student_id: str
    submission_id: int
    problem_id: str
    message: str
    opened_at: str
    status: RequestStatus
    reply: str
    answered_by: str
    answered_at: str | None


def _of(row: sa.Row) -> RegradeRequest:
    return RegradeRequest(**{k: v for k, v in row._mapping.items() if k != "open_key"})


def open_request(book: Gradebook, assignment: str, student_id: str, problem_id: str, message: str) -> RegradeRequest:
    """Ask for a regrade of one problem of the student's latest graded submission; GradeChangeError when there
    is none, the problem has no graded part, the message is empty or too long, or a request is open already."""
    message = message.strip()
    if not message:
        raise GradeChangeError("say what you would like looked at again")
    if len(message) > MESSAGE_CHARS:
        raise GradeChangeError(f"the message is longer than {MESSAGE_CHARS} characters")
    latest = next((s for s in book.submissions(assignment) if s.student_id == student_id), None)
    if latest is None or latest.status != SubmissionStatus.GRADED:
        raise GradeChangeError(f"you have no graded submission of {assignment}")
    if not any(r.problem_id == problem_id for r in book.part_rows(latest.id)):
        raise GradeChangeError(f"{problem_id!r} is not a graded problem of your submission")
    key = f"{assignment}/{student_id}/{problem_id}"
    try:
        with book.engine.begin() as conn:
            new = conn.execute(table.insert().values(
                assignment=assignment, student_id=student_id, submission_id=latest.id, problem_id=problem_id,
                message=message, opened_at=changes.now(), status=RequestStatus.OPEN, reply="", answered_by="",
                open_key=key)).inserted_primary_key
    except sa.exc.IntegrityError:  # the database's one-open-request rule: safe against two tabs at once
        raise GradeChangeError(f"you have a request about {problem_id} open already: wait for its answer") from None
    assert new is not None  # an INSERT of one row always has its key
    made = get(book, int(new[0]))
    assert made is not None  # just written, in a committed transaction
    return made


def get(book: Gradebook, request_id: int) -> RegradeRequest | None:
    with book.engine.connect() as conn:
        row = conn.execute(sa.select(table).where(table.c.id == request_id)).first()
    return _of(row) if row else None


def requests(book: Gradebook, *, student_id: str | None = None, assignment: str | None = None) -> list[RegradeRequest]:
    """Requests, open ones first, oldest first within each (a student's own, or everyone's for staff)."""
    query = sa.select(table).order_by((table.c.status != RequestStatus.OPEN.value), table.c.id)
    if student_id is not None:
        query = query.where(table.c.student_id == student_id)
    if assignment is not None:
        query = query.where(table.c.assignment == assignment)
    with book.engine.connect() as conn:
        return [_of(r) for r in conn.execute(query)]


def answer(book: Gradebook, request_id: int, *, by: str, reply: str, scores: Mapping[str, float] | None = None,
           may_override: bool = False) -> RegradeRequest:
    """Decline (``scores`` None) or accept with new scores (part -> score) of the request's problem.

    A changed free-text part is graded by hand again; a changed computed part is overridden, which only
    ``may_override`` (an instructor) may do. The reply is required and is every change's logged reason."""
    reply = reply.strip()
    request = get(book, request_id)
    if request is None:
        raise GradeChangeError(f"there is no regrade request {request_id}")
    if request.status is not RequestStatus.OPEN:
        raise GradeChangeError(f"request {request_id} was answered already ({request.status.value})")
    if not reply:
        raise GradeChangeError("write a reply: the student reads it")
    parts = {r.part: r for r in book.part_rows(request.submission_id) if r.problem_id == request.problem_id}
    changed = {part: score for part, score in (scores or {}).items() if part not in parts or parts[part].score != score}
    unknown = sorted(set(changed) - set(parts))
    if unknown:
        raise GradeChangeError(f"{request.problem_id} has no part {', '.join(unknown)}")
    if not may_override and any(not parts[p].manual for p in changed):
        raise GradeRightsError("changing a computed score is an override: only an instructor may accept this request")
    for part, score in changed.items():
        if not 0 <= score <= parts[part].max_score:
            raise GradeChangeError(f"{request.problem_id}/{part}: score {score:g} is outside 0..{parts[part].max_score:g}")
    status = RequestStatus.DECLINED if scores is None else RequestStatus.ACCEPTED
    with book.engine.begin() as conn:  # every new score and the answer, or nothing
        # answered only if still open: of two staff answering at once, the second changes nothing
        done = conn.execute(table.update().where((table.c.id == request_id) & (table.c.status == RequestStatus.OPEN.value))
                            .values(status=status, reply=reply, answered_by=by, answered_at=changes.now(), open_key=None))
        if done.rowcount != 1:
            raise GradeChangeError(f"request {request_id} was answered already")
        for part, score in changed.items():
            if parts[part].manual:
                changes.hand_grade(conn, request.submission_id, request.problem_id, part, score, reply, by=by,
                                   kind=ChangeKind.REQUEST, reason=reply)
            else:
                changes.override(conn, request.submission_id, request.problem_id, part, score, reply, by,
                                 kind=ChangeKind.REQUEST)
    return get(book, request_id)  # type: ignore[return-value]
