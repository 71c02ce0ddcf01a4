"""The instructor's grading pages: hand grading one question at a time across students, a submission's
parts with overrides, and the audit log.

Hand grading reads and writes exactly what ``autograde manual export/import`` do
(:mod:`grader.report.manual`: the same answers, the same checks, the same recording); a group of
answers that are equal once whitespace and case are set aside is graded by one form, each member
logged. Who may do what (docs/security.md): staff hand-grade and read submissions; only an
instructor overrides a computed score or reads the audit log.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from grader import changes
from grader.assignment import Assignment, load_assignment
from grader.errors import AutogradeError, GradeChangeError, GradeRightsError, UploadError
from grader.report import manual
from grader.report.records import points
from grader.service_tables import PrincipalKind, Role
from grader.web.look import render
from grader.web.pages import page
from grader.web.service import Service, form_fields, require, service_of

__all__ = ["refused", "routes"]


def _html(template: str, **context) -> HTMLResponse:
    return HTMLResponse(render(template, **context))


@contextlib.contextmanager
def refused(status: int = 400) -> Iterator[None]:
    """A grade change the gradebook refused is the caller's to correct: a page saying why, not a server error."""
    try:
        yield
    except GradeRightsError as exc:
        raise UploadError(403, str(exc)) from None
    except GradeChangeError as exc:
        raise UploadError(status, str(exc)) from None


def _assignment(service: Service, name: str) -> Assignment:
    try:
        return load_assignment(service.course, name)
    except AutogradeError:
        raise UploadError(404, f"there is no assignment {name!r}") from None


def _question_answers(service: Service, assignment: Assignment, problem_id: str) -> list[manual.Answer]:
    return [a for a in manual.answers(service.course, assignment, service.book, pending_only=False) if a.problem_id == problem_id]


@page
async def questions(request: Request) -> Response:
    who = require(request, kind=PrincipalKind.STAFF)
    service = service_of(request)
    assignment = _assignment(service, request.path_params["assignment"])
    found = await run_in_threadpool(lambda: list(manual.answers(service.course, assignment, service.book, pending_only=False)))
    rows = [(q, sum(a.problem_id == q.id and not a.graded for a in found), sum(a.problem_id == q.id and a.graded for a in found))
            for q in assignment.questions]
    return _html("grading.html.j2", title=f"{assignment.config.title}: hand grading", who=who, assignment=assignment,
                 rows=rows)


def _question(assignment: Assignment, problem_id: str):
    question = next((q for q in assignment.questions if q.id == problem_id), None)
    if question is None:
        raise UploadError(404, f"{assignment.name} has no free-text question {problem_id!r}")
    return question


@page
async def question(request: Request) -> Response:
    who = require(request, kind=PrincipalKind.STAFF)
    service = service_of(request)
    assignment = _assignment(service, request.path_params["assignment"])
    q = _question(assignment, request.path_params["problem"])
    groups = manual.grouped(await run_in_threadpool(_question_answers, service, assignment, q.id))
    ids = [x.id for x in assignment.questions]
    at = ids.index(q.id)
    return _html("question.html.j2", title=f"{assignment.config.title}: {q.id}", who=who, assignment=assignment, question=q,
                 groups=groups, points=points, done=request.query_params.get("graded", ""),
                 before=ids[at - 1] if at else None, after=ids[at + 1] if at + 1 < len(ids) else None)


@page
async def grade_group(request: Request) -> Response:
    """One form, every member of a group: the rows a sheet would hold, checked and recorded as an import is."""
    who = require(request, kind=PrincipalKind.STAFF)
    service = service_of(request)
    assignment = _assignment(service, request.path_params["assignment"])
    q = _question(assignment, request.path_params["problem"])
    fields = await form_fields(request, who)
    members = []
    for member in fields.get("members", "").split():
        sub_id, _, part = member.partition(":")
        members.append({"submission_id": sub_id, "problem_id": q.id, "part": part,
                        "score": fields.get("score", "").strip(), "feedback": fields.get("feedback", "").strip()})
    if not members:
        raise UploadError(400, "this form names no answers to grade")
    if not fields.get("score", "").strip():
        raise UploadError(400, "give a score")

    def record() -> int:
        grades, _, errors = manual.check_rows("the form", assignment, service.book, list(enumerate(members, 1)))
        if errors:
            raise UploadError(409, "; ".join(errors) + " (reload the page: answers changed since it was shown)")
        manual.record_grades(service.book, grades, who.id)
        return len(grades)

    graded = await run_in_threadpool(record)
    return RedirectResponse(f"/staff/{assignment.name}/grading/{q.id}?graded={graded}", status_code=303)


def _submission(service: Service, assignment: Assignment, submission_id: int):
    found = next((s for s in service.book.submissions(assignment.name, latest_only=False) if s.id == submission_id), None)
    if found is None:
        raise UploadError(404, f"{assignment.name} has no submission {submission_id}")
    return found


@page
async def submission(request: Request) -> Response:
    who = require(request, kind=PrincipalKind.STAFF)
    service = service_of(request)
    assignment = _assignment(service, request.path_params["assignment"])
    sub = _submission(service, assignment, request.path_params["id"])
    rows = service.book.part_rows(sub.id)
    order = {p.id: i for i, p in enumerate(assignment.problems)}
    rows.sort(key=lambda r: (order.get(r.problem_id, len(order)), r.problem_id))
    return _html("graded_submission.html.j2", title=f"{sub.student_id}: {assignment.config.title}", who=who, sub=sub,
                 rows=rows, points=points, assignment=assignment,
                 may_override=who.role is Role.INSTRUCTOR, changed=request.query_params.get("changed", ""))


@page
async def override(request: Request) -> Response:
    who = require(request, role=Role.INSTRUCTOR)
    service = service_of(request)
    assignment = _assignment(service, request.path_params["assignment"])
    sub = _submission(service, assignment, request.path_params["id"])
    fields = await form_fields(request, who)
    pid, part, reason = fields.get("problem_id", ""), fields.get("part", ""), fields.get("reason", "")
    with refused():
        if fields.get("action") == "remove":
            await run_in_threadpool(changes.remove_override, service.book.engine, sub.id, pid, part, reason, who.id)
        else:
            try:
                score = float(fields.get("score", ""))
            except ValueError:
                raise UploadError(400, f"{pid}/{part}: the score must be a number") from None
            await run_in_threadpool(changes.set_override, service.book.engine, sub.id, pid, part, score, reason, who.id)
    return RedirectResponse(f"/staff/{assignment.name}/submissions/{sub.id}?changed={pid}/{part}", status_code=303)


def _log_filters(request: Request) -> tuple[str | None, str | None]:
    return request.query_params.get("assignment") or None, request.query_params.get("student") or None


@page
async def audit(request: Request) -> Response:
    who = require(request, role=Role.INSTRUCTOR)
    service = service_of(request)
    assignment, student = _log_filters(request)
    entries = await run_in_threadpool(changes.history, service.book.engine, assignment, student)
    from grader.assignment import assignment_names

    return _html("audit.html.j2", title="Grade changes", who=who, entries=entries, assignment=assignment or "",
                 student=student or "", names=assignment_names(service.course), points=points)


@page
async def audit_csv(request: Request) -> Response:
    require(request, role=Role.INSTRUCTOR)
    from grader.report.export import changes_text

    entries = await run_in_threadpool(changes.history, service_of(request).book.engine, *_log_filters(request))
    return Response(changes_text(entries).encode("utf-8-sig"), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": 'attachment; filename="grade-changes.csv"'})


def routes() -> list[Route]:
    return [
        Route("/staff/audit", audit),
        Route("/staff/audit.csv", audit_csv),
        Route("/staff/{assignment}/grading", questions),
        Route("/staff/{assignment}/grading/{problem}", question),
        Route("/staff/{assignment}/grading/{problem}", grade_group, methods=["POST"]),
        Route("/staff/{assignment}/submissions/{id:int}", submission),
        Route("/staff/{assignment}/submissions/{id:int}/override", override, methods=["POST"]),
    ]
