"""The service's LTI 1.3 side: routes for the LMS (login, launch, deep linking, keys, configuration).

:func:`routes` is empty for a course without ``[lti.platforms]``, and then nothing of the JOSE
library is imported. :func:`security_headers` lets the configured platforms frame the pages.
"""

from __future__ import annotations

from starlette.routing import Route

from grader.config import Course

__all__ = ["routes", "security_headers"]


def routes(course: Course) -> list[Route]:
    if not course.config.lti.platforms:
        return []
    from grader.web.lti.endpoints import lti_routes

    return lti_routes()


def security_headers(course: Course, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The service's security headers, with the configured platforms' origins allowed to frame its pages.

    A launch lands in the LMS's iframe and goes on to the student's pages there, so every page (not
    the launch alone) must be framable by those origins, and by no other; X-Frame-Options cannot
    name an origin, so it is left out (CSP's frame-ancestors supersedes it in every current browser)."""
    origins = sorted({o for p in course.config.lti.platforms.values() for o in p.origins})
    if not origins:
        return headers
    framed = f"frame-ancestors 'self' {' '.join(origins)}".encode()
    return [(name, value.replace(b"frame-ancestors 'none'", framed)) for name, value in headers if name != b"x-frame-options"]
