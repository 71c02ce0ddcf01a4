"""The LMS's routes: the tool's keys and registration, OIDC login, the launch, deep linking.

Cookies of the launch flow are ``SameSite=None; Secure``: the LMS shows the tool in its iframe, a
third-party context where a Lax cookie is never sent. The session a launch opens is the one a
sign-in link opens (:mod:`grader.web.auth`), for the roster student whose ``lti_sub`` is the launch's
subject, or for the staff member whose email the launch gives and who has a staff role in the LMS.
"""

from __future__ import annotations

import httpx
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from grader.assignment import assignment_names, load_assignment
from grader.config import Course
from grader.errors import UploadError
from grader.lti import claims as c
from grader.lti.config import origin
from grader.lti.grades import remember_lineitem
from grader.lti.keys import PlatformKeys, tool_jwks
from grader.lti.launch import STATE_MINUTES, Launch, begin_login, check_launch
from grader.lti.linking import deep_link_response, registration
from grader.lti.people import Newcomer, add_to_roster, by_subject, is_linked, mark_member, record_context
from grader.service_tables import PrincipalKind
from grader.web.auth import Principal, signing_key, staff_role
from grader.web.look import render
from grader.web.pages import page
from grader.web.service import SESSION_COOKIE, Service, check_csrf, require, service_of

__all__ = ["LtiTool", "lti_routes", "tool_of"]

STATE_COOKIE = "autograde_lti_state"


class LtiTool:
    """What the LTI routes share: the service, an HTTP client for the platforms, their keys."""

    def __init__(self, service: Service, http: httpx.Client | None = None):
        self.service, self.course = service, service.course
        self.http = http or httpx.Client(timeout=10, follow_redirects=False)
        self.keys = PlatformKeys(self.http)
        self.links = URLSafeTimedSerializer(signing_key(self.course), salt="autograde-lti-deep-link")


def tool_of(request: Request) -> LtiTool:
    tool = getattr(request.app.state, "lti", None)
    if tool is None:
        tool = request.app.state.lti = LtiTool(service_of(request))
    return tool


def base_url(course: Course, request: Request) -> str:
    return (course.config.base_url or str(request.base_url)).rstrip("/")


async def jwks(request: Request) -> Response:
    return JSONResponse(tool_jwks(tool_of(request).course.root), headers={"cache-control": "public, max-age=3600"})


async def config_json(request: Request) -> Response:
    course = tool_of(request).course
    return JSONResponse(registration(course.config.lti.title, base_url(course, request)))


@page
async def login(request: Request) -> Response:
    """OIDC login initiation (GET or POST, as the platform likes): to the platform's authorization endpoint."""
    tool = tool_of(request)
    params = dict(request.query_params)
    if request.method == "POST":
        params |= {k: v for k, v in (await request.form(max_files=0, max_fields=20)).items() if isinstance(v, str)}
    url, state = begin_login(tool.service.book.engine, tool.course.config.lti, params,
                             base_url(tool.course, request) + "/lti/launch")
    response = RedirectResponse(url, status_code=302)
    response.set_cookie(STATE_COOKIE, state, max_age=STATE_MINUTES * 60, httponly=True, samesite="none", secure=True,
                        path="/lti")
    return response


@page
async def launch(request: Request) -> Response:
    tool = tool_of(request)
    form = await request.form(max_files=0, max_fields=10)
    id_token, state = form.get("id_token"), form.get("state")
    checked = await run_in_threadpool(
        check_launch, tool.service.book.engine, tool.course.config.lti, tool.keys,
        id_token if isinstance(id_token, str) else "", state if isinstance(state, str) else "", request.cookies.get(STATE_COOKIE))
    who = await run_in_threadpool(_principal, tool, checked)
    value, session = tool.service.signer.session_cookie(who)
    if checked.message_type is c.MessageType.DEEP_LINKING:
        response: Response = _choose(tool, checked, session)
    else:
        response = RedirectResponse(_landing(tool, checked, who), status_code=303)
    response.set_cookie(SESSION_COOKIE, value, max_age=tool.service.signer.max_age, httponly=True, samesite="none",
                        secure=True, path="/")
    return response


def _principal(tool: LtiTool, launch: Launch) -> Principal:
    """Who the launch signs in; UploadError 403 with what to do for anyone the course does not know."""
    engine = tool.service.book.engine
    role = staff_role(engine, launch.email) if launch.is_staff and launch.email else None
    record_context(engine, launch.issuer, launch.context_id, launch.deployment_id, launch.context_title,
                   launch.lineitems_url, launch.memberships_url, linked=role is not None)
    if launch.lineitem_url and launch.assignment in assignment_names(tool.course):
        remember_lineitem(engine, launch.issuer, launch.context_id, launch.assignment, launch.lineitem_url)
    if launch.is_staff:
        if role is None:
            raise UploadError(403, f"you are staff in the LMS, but not of this course in autograde: ask its instructor to "
                                   f"run `autograde staff add {launch.email or 'YOUR-EMAIL'} --role ta`")
        return Principal(PrincipalKind.STAFF, launch.email, role)
    if launch.message_type is c.MessageType.DEEP_LINKING:
        raise UploadError(403, "only the course's staff can place an assignment in the LMS course")
    student = by_subject(tool.course).get(launch.subject)
    if student is None:
        student = _add_from_launch(tool, launch)
    mark_member(engine, launch.issuer, launch.context_id, launch.subject, student.student_id)
    return Principal(PrincipalKind.STUDENT, student.student_id)


def _add_from_launch(tool: LtiTool, launch: Launch):
    lti = tool.course.config.lti
    if not (lti.roster_sync and is_linked(tool.service.book.engine, launch.issuer, launch.context_id)):
        raise UploadError(403, "you are not on this course's roster in autograde yet: please contact your instructor "
                               "(they can add you, or turn on roster_sync)")
    added = add_to_roster(tool.course, [Newcomer(launch.subject, launch.name, launch.email, launch.sis_id)])
    roster = tool.course.roster()
    tool.service.signer.students = frozenset(s.student_id for s in roster)
    tool.service.book.add_students((s.student_id, s.name, s.email) for s in roster)
    return added[0] if added else by_subject(tool.course)[launch.subject]


def _landing(tool: LtiTool, launch: Launch, who: Principal) -> str:
    """The page a launch opens: the placed assignment's, when it names one the person may see."""
    if who.is_staff:
        return f"/staff/{launch.assignment}" if launch.assignment in assignment_names(tool.course) else "/staff"
    released = tool.service.desk.released(who.id)
    return f"/me/{launch.assignment}" if launch.assignment in released else "/me"


def _choose(tool: LtiTool, launch: Launch, session: Principal) -> Response:
    """Deep linking: the instructor picks which assignment to place in the LMS course (a form of this new session)."""
    link = tool.links.dumps([launch.platform, launch.deployment_id, launch.deep_link_return_url, launch.deep_link_data])
    choices = [(name, load_assignment(tool.course, name).config.title) for name in assignment_names(tool.course)]
    html = render("lti_choose.html.j2", title="Place an assignment", who=session, link=link, choices=choices,
                  context=launch.context_title)
    return HTMLResponse(html)


@page
async def deep_link(request: Request) -> Response:
    """The chosen assignment, sent back to the LMS as a signed deep-linking response (a form the instructor posts)."""
    tool = tool_of(request)
    who = require(request, kind=PrincipalKind.STAFF)
    form = await request.form(max_files=0, max_fields=5)
    csrf, link, assignment = form.get("csrf"), form.get("link"), form.get("assignment")
    check_csrf(who, csrf if isinstance(csrf, str) else None)
    try:
        platform, deployment, return_url, data = tool.links.loads(str(link), max_age=3600)
    except BadSignature:
        raise UploadError(400, "this placement has expired: start it again from the LMS") from None
    if assignment not in assignment_names(tool.course):
        raise UploadError(404, f"there is no assignment {assignment!r}")
    jwt_text = deep_link_response(tool.course, platform, deployment, data, str(assignment), base_url(tool.course, request))
    html = render("lti_return.html.j2", title="Place an assignment", who=who, return_url=return_url, jwt=jwt_text,
                  assignment=load_assignment(tool.course, str(assignment)).config.title)
    # this one form goes to the LMS: CSP's form-action must name its origin
    csp = f"default-src 'self'; base-uri 'none'; form-action 'self' {origin(return_url)}"
    return HTMLResponse(html, headers={"content-security-policy": _framed(tool, csp)})


def _framed(tool: LtiTool, csp: str) -> str:
    origins = sorted({o for p in tool.course.config.lti.platforms.values() for o in p.origins})
    return f"{csp}; frame-ancestors 'self' {' '.join(origins)}"


def lti_routes() -> list[Route]:
    return [
        Route("/lti/jwks.json", jwks),
        Route("/lti/config.json", config_json),
        Route("/lti/login", login, methods=["GET", "POST"]),
        Route("/lti/launch", launch, methods=["POST"]),
        Route("/lti/deep-link", deep_link, methods=["POST"]),
    ]
