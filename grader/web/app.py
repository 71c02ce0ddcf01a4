"""The ASGI application: ``create_app(course)``, its security headers and its body limit.

Every route says who may call it (:func:`~grader.web.service.require`) before it reads anything;
pages and the API share the same checks (:mod:`grader.web.service`) and the same
:class:`~grader.web.desk.Desk`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from grader.config import Course
from grader.errors import UploadError
from grader.sandbox.executors import ExecutorName
from grader.web.grading import GradeAssignment
from grader.web.queue import requeue_running
from grader.web.service import _SLACK, SESSION_COOKIE, Service, log, redacted

__all__ = ["SESSION_COOKIE", "Service", "create_app"]

SECURITY_HEADERS = [
    # no inline script or style anywhere: the stylesheet is a file of ours, and so would any script be
    (b"content-security-policy", b"default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),  # a sign-in link's token must not leave through the Referer
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),  # pages hold a student's own work: no shared cache keeps them
]


class SecurityHeaders:
    """Adds the security headers to every response, and logs each request with any sign-in token cut out."""

    def __init__(self, app: ASGIApp, headers: list[tuple[bytes, bytes]] = SECURITY_HEADERS):
        self.app, self.headers = app, headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *[h for h in self.headers if h[0] not in names]]
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


def create_app(course: Course, *, executor: ExecutorName = ExecutorName.FORK, grade: GradeAssignment | None = None,
               worker: bool = True) -> Starlette:
    """The service for one course; ``worker=False`` leaves the queue to be drained by the caller (tests)."""
    from grader.web import api, lti, marking, pages, regrade_pages, regrading, reports

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

    # the grading pages first: /staff/audit and /staff/requests before the pages' /staff/{assignment}
    routes: list[Route] = [*marking.routes(), *regrade_pages.routes(), *regrading.routes(), *pages.routes(), *api.routes(), *reports.routes(), *lti.routes(course)]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.service = service
    app.add_middleware(BodyLimit, limit=course.config.limits.submission_mb * 1_000_000 + _SLACK)
    app.add_middleware(SecurityHeaders, headers=lti.security_headers(course, SECURITY_HEADERS))  # added last, so outermost: every response has the headers
    return app
