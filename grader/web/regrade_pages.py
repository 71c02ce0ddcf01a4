"""Regrade requests on the web: a student asks about one problem of their graded submission; staff
answer in a queue (:mod:`grader.regrades` does the work). A TA declines, or accepts with new hand
grades of free-text parts; changing a computed score is an override, an instructor's right."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from grader import regrades
from grader.errors import UploadError
from grader.outcomes import SubmissionStatus
from grader.report.records import points
from grader.service_tables import PrincipalKind, Role
from grader.web.look import render
from grader.web.marking import refused
from grader.web.pages import page
from grader.web.service import form_fields, require, service_of

__all__ = ["routes"]


@page
async def student_requests(request: Request) -> Response:
    who = require(request, kind=PrincipalKind.STUDENT)
    service = service_of(request)
    assignment = service.desk.assignment(who.id, request.path_params["assignment"])  # 404 unless released to them

    def gather():
        latest = next((s for s in service.book.submissions(assignment.name) if s.student_id == who.id), None)
        graded = latest is not None and latest.status == SubmissionStatus.GRADED
        problems = sorted({r.problem_id for r in service.book.part_rows(latest.id)}) if graded and latest else []
        order = {p.id: i for i, p in enumerate(assignment.problems)}
        return sorted(problems, key=lambda p: order.get(p, len(order))), regrades.requests(
            service.book, student_id=who.id, assignment=assignment.name)

    problems, mine = await run_in_threadpool(gather)
    return HTMLResponse(render("student_regrades.html.j2", title=f"{assignment.config.title}: regrade requests", who=who,
                               assignment=assignment, problems=problems, requests=mine,
                               sent=request.query_params.get("sent") == "1"))


@page
async def ask(request: Request) -> Response:
    who = require(request, kind=PrincipalKind.STUDENT)
    service = service_of(request)
    assignment = service.desk.assignment(who.id, request.path_params["assignment"])
    fields = await form_fields(request, who)
    with refused(409):
        await run_in_threadpool(regrades.open_request, service.book, assignment.name, who.id, fields.get("problem_id", ""),
                                fields.get("message", ""))
    return RedirectResponse(f"/me/{assignment.name}/regrades?sent=1", status_code=303)


@page
async def queue(request: Request) -> Response:
    who = require(request, kind=PrincipalKind.STAFF)
    service = service_of(request)

    def gather():
        found = regrades.requests(service.book)
        parts = {r.id: [p for p in service.book.part_rows(r.submission_id) if p.problem_id == r.problem_id] for r in found}
        return found, parts

    found, parts = await run_in_threadpool(gather)
    return HTMLResponse(render("regrade_queue.html.j2", title="Regrade requests", who=who, requests=found, parts=parts,
                               points=points, instructor=who.role is Role.INSTRUCTOR,
                               answered=request.query_params.get("answered", "")))


@page
async def reply(request: Request) -> Response:
    who = require(request, kind=PrincipalKind.STAFF)
    service = service_of(request)
    fields = await form_fields(request, who)
    scores = None
    if fields.get("action") == "accept":
        try:
            scores = {name[len("score:"):]: float(value) for name, value in fields.items() if name.startswith("score:")}
        except ValueError:
            raise UploadError(400, "every score must be a number") from None
    with refused(409):
        await run_in_threadpool(lambda: regrades.answer(service.book, request.path_params["id"], by=who.id,
                                                        reply=fields.get("reply", ""), scores=scores,
                                                        may_override=who.role is Role.INSTRUCTOR))
    return RedirectResponse(f"/staff/requests?answered={request.path_params['id']}", status_code=303)


def routes() -> list[Route]:
    return [
        Route("/me/{assignment}/regrades", student_requests),
        Route("/me/{assignment}/regrades", ask, methods=["POST"]),
        Route("/staff/requests", queue),
        Route("/staff/requests/{id:int}", reply, methods=["POST"]),
    ]
