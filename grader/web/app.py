"""The ASGI application: ``create_app(course)``, its security headers, sessions and who-is-asking checks.

Every route says who may call it (:func:`student`, :func:`staff_member`, :func:`signed_in`) before it
reads anything; pages and the API share the same checks and the same :class:`~grader.web.desk.Desk`.
"""

from __future__ import annotations

import contextlib
import functools
import hmac
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from grader.config import Course
from grader.errors import AuthError, AutogradeError, UploadError
from grader.gradebook import Gradebook
from grader.sandbox.executors import ExecutorName
from grader.web.auth import Principal, Signer
from grader.web.desk import Desk
from grader.web.grading import GradeAssignment, grade_assignment
from grader.web.queue import requeue_running
from grader.web.tables import PrincipalKind, create_tables
from grader.web.worker import Worker

__all__ = ["SESSION_COOKIE", "Service", "create_app"]

SESSION_COOKIE = "autograde_session"
log = logging.getLogger("autograde.web")

SECURITY_HEADERS = [
    # no inline script or style anywhere: the stylesheet is a file of ours, and so would any script be
    (b"content-security-policy", b"default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),  # a sign-in link's token must not leave through the Referer
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),  # pages hold a student's own work: no shared cache keeps them
]


class Service:
    """What every route needs: the course, its gradebook, the signer, the desk and the grading worker."""

    def __init__(self, course: Course, *, executor: ExecutorName = ExecutorName.FORK, grade: GradeAssignment = grade_assignment):
        self.course = course
        self.book = Gradebook(course.config.gradebook, course.root)
        create_tables(self.book.engine)
        self.book.add_students((s.student_id, s.name, s.email) for s in course.roster())
        self.signer = Signer(course, self.book.engine)
        self.desk = Desk(course, self.book, executor)
        self.worker = Worker(course, self.book, grade)


class SecurityHeaders:
    """Adds the security headers to every response, and logs each request with any sign-in token cut out."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *[h for h in SECURITY_HEADERS if h[0] not in names]]
                log.info("%s %s %s", scope["method"], redacted(scope["path"]), message["status"])
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Stops reading a request body past ``limit`` bytes, whether or not it said its length (a chunked upload):
    the endpoint reading it gets UploadError 413, and nothing more is spooled to disk."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        seen = 0

        async def bounded() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise UploadError(413, f"the upload is larger than the {(self.limit - _SLACK) / 1e6:g} MB limit")
            return message

        await self.app(scope, bounded, send)


_SLACK = 100_000  # room for the multipart framing and the form's other fields around the notebook


def redacted(path: str) -> str:
    """A request path as it may be logged: a sign-in link's token never is."""
    return "/signin/[token]" if path.startswith("/signin/") else path


def create_app(course: Course, *, executor: ExecutorName = ExecutorName.FORK, grade: GradeAssignment = grade_assignment,
               worker: bool = True) -> Starlette:
    """The service for one course; ``worker=False`` leaves the queue to be drained by the caller (tests)."""
    from grader.web import api, pages

    service = Service(course, executor=executor, grade=grade)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        back = requeue_running(service.book.engine)  # what a stopped server was grading is graded again, once
        if back:
            log.info("put %d upload(s) back in the grading queue", back)
        if worker:
            service.worker.start()
        try:
            yield
        finally:
            service.worker.stop()
            service.book.close()

    routes: list[Route] = [*pages.routes(), *api.routes()]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.service = service
    app.add_middleware(BodyLimit, limit=course.config.limits.submission_mb * 1_000_000 + _SLACK)
    app.add_middleware(SecurityHeaders)  # added last, so outermost: every response has the headers
    return app


def service_of(request: Request) -> Service:
    return request.app.state.service


def principal(request: Request) -> Principal | None:
    """Who is asking: a bearer token (the API), else the session cookie; None when nobody valid is."""
    signer = service_of(request).signer
    header = request.headers.get("authorization", "")
    try:
        if header.lower().startswith("bearer "):
            return signer.from_token(header[7:].strip())
        cookie = request.cookies.get(SESSION_COOKIE)
        return signer.from_session(cookie) if cookie else None
    except AuthError:
        return None


def require(request: Request, *, kind: PrincipalKind | None = None) -> Principal:
    """The signed-in principal (of ``kind``, if given); UploadError 401 for nobody, 403 for the wrong kind."""
    who = principal(request)
    if who is None:
        raise UploadError(401, "sign in with the link your instructor sent you")
    if kind is not None and who.kind is not kind:
        raise UploadError(403, "this page is not for your account")
    return who


def check_csrf(who: Principal, sent: str | None) -> None:
    """A form (or a cookie-authenticated API call) must echo the session's CSRF token; a bearer token needs none."""
    if not who.csrf:
        return
    if not sent or not hmac.compare_digest(sent, who.csrf):
        raise UploadError(403, "this form has expired or did not come from this site: reload the page and try again")


async def upload_bytes(request: Request, field: str = "notebook") -> tuple[str, bytes, dict]:
    """The uploaded file of a multipart request and its other fields; 413 before reading a body that says it is too large."""
    limit = service_of(request).course.config.limits.submission_mb * 1_000_000
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit + _SLACK:
        raise UploadError(413, f"the upload is larger than the {limit / 1e6:g} MB limit")
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise UploadError(415, f"send the notebook as multipart/form-data, in the field {field!r}")
    async with request.form(max_files=1, max_fields=5) as form:
        upload = form.get(field)
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        if upload is None or isinstance(upload, str):
            raise UploadError(400, f"no file in the field {field!r}")
        data = await upload.read(limit + 1)
        name = Path(upload.filename or "notebook.ipynb").name
    return name, data, fields


Endpoint = Callable[[Request], Awaitable[Response]]


def refusals(respond: Callable[[UploadError], Response]) -> Callable[[Endpoint], Endpoint]:
    """A decorator: a refusal (UploadError) raised by the endpoint becomes ``respond(error)`` (a page, or JSON)."""

    def decorate(handler: Endpoint) -> Endpoint:
        @functools.wraps(handler)
        async def wrapped(request: Request) -> Response:
            try:
                return await handler(request)
            except UploadError as exc:
                return respond(exc)
            except AutogradeError as exc:  # the course's own files are wrong: the instructor's to fix, not the caller's
                log.error("%s %s: %s", request.method, redacted(request.url.path), exc)
                return respond(UploadError(500, "the course cannot be served right now (its configuration has a "
                                                "mistake the server log names): tell your instructor"))

        return wrapped

    return decorate


def set_session(request: Request, response: Response, value: str, max_age: int) -> None:
    response.set_cookie(SESSION_COOKIE, value, max_age=max_age, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/")
