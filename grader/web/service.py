"""What every route of the service needs: the :class:`Service` of the course, who is asking, the
CSRF check, the upload's bytes, and refusals turned into responses. Pages and the API import this
module; the application (:mod:`grader.web.app`) puts the routes together."""

from __future__ import annotations

import functools
import hmac
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from grader.config import Course
from grader.errors import AuthError, AutogradeError, UploadError
from grader.gradebook import Gradebook
from grader.sandbox.executors import ExecutorName
from grader.service_tables import PrincipalKind, Role
from grader.web.auth import Principal, Signer
from grader.web.desk import Desk
from grader.web.grading import BatchGrading, GradeAssignment
from grader.web.worker import Worker

__all__ = ["SESSION_COOKIE", "Service", "check_csrf", "form_fields", "principal", "redacted", "refusals", "require", "service_of",
           "set_session", "upload_bytes"]

SESSION_COOKIE = "autograde_session"
log = logging.getLogger("autograde.web")


class Service:
    """What every route needs: the course, its gradebook, the signer, the desk and the grading worker."""

    def __init__(self, course: Course, *, executor: ExecutorName = ExecutorName.FORK, grade: GradeAssignment | None = None):
        self.course = course
        self.book = Gradebook(course.config.gradebook, course.root)
        self.book.add_students((s.student_id, s.name, s.email) for s in course.roster())
        self.signer = Signer(course, self.book.engine)
        self.desk = Desk(course, self.book, executor)
        self.worker = Worker(course, self.book, grade or BatchGrading(executor))


_SLACK = 100_000  # room for the multipart framing and the form's other fields around the notebook


def redacted(path: str) -> str:
    """A request path as it may be logged: a sign-in link's token never is."""
    return "/signin/[token]" if path.startswith("/signin/") else path


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


def require(request: Request, *, kind: PrincipalKind | None = None, role: Role | None = None) -> Principal:
    """The signed-in principal (of ``kind``, and staff of ``role``, if given); UploadError 401 for nobody,
    403 for the wrong kind or role (``role`` implies staff)."""
    who = principal(request)
    if who is None:
        raise UploadError(401, "sign in with the link your instructor sent you")
    if (kind is not None and who.kind is not kind) or (role is not None and not who.is_staff):
        raise UploadError(403, "this page is not for your account")
    if role is not None and who.role is not role:
        raise UploadError(403, f"only an {role.value} may do this")
    return who


def check_csrf(who: Principal, sent: str | None) -> None:
    """A form (or a cookie-authenticated API call) must echo the session's CSRF token; a bearer token needs none."""
    if not who.csrf:
        return
    if not sent or not hmac.compare_digest(sent, who.csrf):
        raise UploadError(403, "this form has expired or did not come from this site: reload the page and try again")


async def form_fields(request: Request, who: Principal, max_fields: int = 20) -> dict[str, str]:
    """A posted form's text fields, once its CSRF token is checked (UploadError 403 otherwise)."""
    async with request.form(max_files=0, max_fields=max_fields) as form:
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
    check_csrf(who, fields.get("csrf"))
    return fields


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
