"""The JSON API: the signed-in student's assignments, an upload, a submission's status.

Authenticated by ``Authorization: Bearer <sign-in token>`` (scripts, ``autograde submit --server``) or
by the session cookie, in which case a POST must echo the session's CSRF token in ``X-CSRF-Token``.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from grader.errors import UploadError
from grader.service_tables import PrincipalKind
from grader.web import queue as q
from grader.web.service import check_csrf, refusals, require, service_of, upload_bytes

__all__ = ["routes"]

endpoint = refusals(lambda exc: JSONResponse({"error": str(exc)}, status_code=exc.status))


@endpoint
async def assignments(request: Request) -> Response:
    who = require(request, kind=PrincipalKind.STUDENT)
    views = await run_in_threadpool(service_of(request).desk.overview, who.id)
    return JSONResponse({"assignments": [
        {"name": v.name, "title": v.title, "due": v.due or None, "closes": v.closes or None, "extended": v.extended,
         "latest": {"id": v.latest.id, "status": v.latest.status.value} if v.latest else None} for v in views]})


@endpoint
async def submit(request: Request) -> Response:
    who = require(request, kind=PrincipalKind.STUDENT)
    check_csrf(who, request.headers.get("x-csrf-token"))
    filename, data, _ = await upload_bytes(request)
    service = service_of(request)
    item = await run_in_threadpool(service.desk.accept, who.id, request.path_params["assignment"], filename, data)
    service.worker.wake.set()
    return JSONResponse(service.desk.shown(item), status_code=202)


@endpoint
async def submission(request: Request) -> Response:
    who = require(request)
    desk = service_of(request).desk
    item = q.get(desk.book.engine, request.path_params["id"])
    if item is None or (not who.is_staff and item.student_id != who.id):
        raise UploadError(404, "there is no such submission of yours")
    return JSONResponse(desk.shown(item, staff=who.is_staff))


def routes() -> list[Route]:
    return [
        Route("/api/assignments", assignments),
        Route("/api/assignments/{assignment}/submissions", submit, methods=["POST"]),
        Route("/api/submissions/{id:int}", submission),
    ]
