"""An instructor's regrade from the dashboard: one student's latest submission, or everyone's.

A regrade is a queue item of its own (``regrade`` set), pointing at the graded file, so the server's
worker grades it again through ``autograde grade --regrade``'s own batch: hand grades and overrides
are kept, and a part whose score moves is logged. It is not an upload: it is not in the student's
history nor counted against their upload limit. Only an instructor may ask (docs/security.md).
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from grader.errors import UploadError
from grader.gradebook import Gradebook
from grader.late import submission_time
from grader.service_tables import Role
from grader.web import queue as q
from grader.web.dashboard import dashboard
from grader.web.pages import page
from grader.web.service import form_fields, require, service_of

__all__ = ["queue_regrades", "routes"]


def queue_regrades(book: Gradebook, assignment: str, student_id: str = "") -> int:
    """Queue the latest graded (or failed) submission of ``student_id``, or of every student; returns how many."""
    rows = [r for r in book.submissions(assignment) if not student_id or r.student_id == student_id]
    queued = 0
    for row in rows:
        when = submission_time(row.submitted_at)
        if when is None:  # a submission the gradebook holds without a time cannot be put in the queue's order
            continue
        q.enqueue(book.engine, assignment=assignment, student_id=row.student_id, path=book.stored_path(row.path),
                  submitted_at=when, validation={}, late=bool(row.late_days), regrade=True)
        queued += 1
    return queued


@page
async def regrade(request: Request) -> Response:
    who = require(request, role=Role.INSTRUCTOR)
    service = service_of(request)
    name = request.path_params["assignment"]
    fields = await form_fields(request, who)
    student = fields.get("student", "")
    board = await run_in_threadpool(dashboard, service.course, service.book, name)  # 404 for an unknown assignment
    if student and student not in {r.student_id for r in board.rows}:
        raise UploadError(404, f"{student!r} is not on the roster")
    if await run_in_threadpool(queue_regrades, service.book, name, student) == 0:
        raise UploadError(409, "nothing to regrade: no graded submission" + (f" of {student}" if student else ""))
    service.worker.wake.set()
    return RedirectResponse(f"/staff/{name}", status_code=303)


def routes() -> list[Route]:
    return [Route("/staff/{assignment}/regrade", regrade, methods=["POST"])]
