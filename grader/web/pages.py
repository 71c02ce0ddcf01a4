"""Server-rendered pages: sign-in, a student's assignments, upload and history, the staff dashboard."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from grader.errors import AuthError, UploadError
from grader.service_tables import PrincipalKind
from grader.web import queue as q
from grader.web.dashboard import dashboard
from grader.web.feedback import FEEDBACK_CSP, feedback_access, feedback_page, solution_notebook
from grader.web.look import SCRIPTS, render, stylesheet
from grader.web.service import SESSION_COOKIE, check_csrf, principal, refusals, require, service_of, set_session, upload_bytes

__all__ = ["routes"]

page = refusals(lambda exc: HTMLResponse(render("error.html.j2", title="Not possible", message=str(exc), status=exc.status),
                                         status_code=exc.status))


def _html(template: str, status: int = 200, **context) -> HTMLResponse:
    return HTMLResponse(render(template, **context), status_code=status)


@page
async def home(request: Request) -> Response:
    who = principal(request)
    if who is None:
        return _html("signed_out.html.j2", title="Sign in")
    return RedirectResponse("/staff" if who.is_staff else "/me", status_code=303)


@page
async def sign_in(request: Request) -> Response:
    service = service_of(request)
    try:
        who = service.signer.from_token(request.path_params["token"])
    except AuthError as exc:
        raise UploadError(401, str(exc)) from None
    value, _ = service.signer.session_cookie(who)
    # a redirect, so the token leaves the address bar (and, with no-referrer, goes nowhere else)
    response = RedirectResponse("/staff" if who.is_staff else "/me", status_code=303)
    set_session(request, response, value, service.signer.max_age)
    return response


@page
async def sign_out(request: Request) -> Response:
    who = require(request)
    form = await request.form(max_files=0, max_fields=2)
    token = form.get("csrf")
    check_csrf(who, token if isinstance(token, str) else None)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@page
async def student_home(request: Request) -> Response:
    who = require(request, kind=PrincipalKind.STUDENT)
    views = await run_in_threadpool(service_of(request).desk.overview, who.id)
    return _html("student_home.html.j2", title="Your assignments", who=who, views=views)


@page
async def student_assignment(request: Request) -> Response:
    who = require(request, kind=PrincipalKind.STUDENT)
    desk = service_of(request).desk
    assignment = desk.assignment(who.id, request.path_params["assignment"])
    deadline = desk.deadline(assignment, who.id)
    items = [desk.shown(i) for i in q.history(desk.book.engine, who.id, assignment.name)]
    return _html("student_assignment.html.j2", title=assignment.config.title, who=who, assignment=assignment,
                 deadline=deadline, items=items, access=feedback_access(desk.course, assignment, who.id, desk.clock()))


@page
async def feedback(request: Request) -> Response:
    """The student's feedback page, once submissions close for them: ``autograde feedback``'s page, self-contained."""
    who = require(request, kind=PrincipalKind.STUDENT)
    desk = service_of(request).desk
    assignment = desk.assignment(who.id, request.path_params["assignment"])
    html = await run_in_threadpool(feedback_page, desk.course, desk.book, assignment, who.id, desk.clock(),
                                   f"/me/{assignment.name}")
    return HTMLResponse(html, headers={"content-security-policy": FEEDBACK_CSP.decode()})


@page
async def solution(request: Request) -> Response:
    who = require(request, kind=PrincipalKind.STUDENT)
    desk = service_of(request).desk
    assignment = desk.assignment(who.id, request.path_params["assignment"])
    path = solution_notebook(desk.course, assignment, who.id, desk.clock())
    return FileResponse(path, media_type="application/x-ipynb+json", filename=f"{assignment.name}-solution.ipynb")


@page
async def download(request: Request) -> Response:
    who = require(request, kind=PrincipalKind.STUDENT)
    name = request.path_params["assignment"]
    path = service_of(request).desk.notebook(who.id, name)
    return FileResponse(path, media_type="application/x-ipynb+json", filename=f"{name}.ipynb")


@page
async def upload(request: Request) -> Response:
    who = require(request, kind=PrincipalKind.STUDENT)
    filename, data, fields = await upload_bytes(request)
    check_csrf(who, fields.get("csrf"))
    desk = service_of(request).desk
    item = await run_in_threadpool(desk.accept, who.id, request.path_params["assignment"], filename, data)
    service_of(request).worker.wake.set()
    return RedirectResponse(f"/me/submissions/{item.id}", status_code=303)


@page
async def submission(request: Request) -> Response:
    who = require(request)
    desk = service_of(request).desk
    item = q.get(desk.book.engine, request.path_params["id"])
    if item is None or (not who.is_staff and item.student_id != who.id):
        raise UploadError(404, "there is no such submission of yours")  # another's is not said to exist
    return _html("submission.html.j2", title=f"Submission {item.id}", who=who, item=desk.shown(item, staff=who.is_staff),
                 waiting=not item.status.done)


@page
async def staff_home(request: Request) -> Response:
    who = require(request, kind=PrincipalKind.STAFF)
    from grader.assignment import assignment_names

    return _html("staff_home.html.j2", title="Assignments", who=who, names=assignment_names(service_of(request).course))


@page
async def staff_assignment(request: Request) -> Response:
    who = require(request, kind=PrincipalKind.STAFF)
    service = service_of(request)
    board = await run_in_threadpool(dashboard, service.course, service.book, request.path_params["assignment"])
    return _html("dashboard.html.j2", title=f"{board.title}: dashboard", who=who, board=board)


async def style(request: Request) -> Response:
    return Response(stylesheet(), media_type="text/css")


async def script(request: Request) -> Response:
    path = SCRIPTS.get(request.path_params["name"])
    if path is None:
        return Response("not found", status_code=404, media_type="text/plain")
    return Response(path.read_bytes(), media_type="text/javascript")


def routes() -> list[Route]:
    return [
        Route("/", home),
        Route("/signin/{token}", sign_in),
        Route("/signout", sign_out, methods=["POST"]),
        Route("/me", student_home),
        Route("/me/submissions/{id:int}", submission),
        Route("/me/{assignment}", student_assignment),
        Route("/me/{assignment}/notebook", download),
        Route("/me/{assignment}/feedback", feedback),
        Route("/me/{assignment}/solution", solution),
        Route("/me/{assignment}/upload", upload, methods=["POST"]),
        Route("/staff", staff_home),
        Route("/staff/{assignment}", staff_assignment),
        Route("/static/style.css", style),
        Route("/static/{name}", script),
    ]
