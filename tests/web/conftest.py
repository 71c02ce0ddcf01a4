"""A served course: a small course with released notebooks, the app, and a client per kind of caller."""

from __future__ import annotations

import json
from collections import Counter

import httpx
import nbformat
import pytest
import sqlalchemy as sa

from grader.config import Course
from grader.generate import release_path
from grader.gradebook import Gradebook, PartRecord
from grader.outcomes import SubmissionStatus, Verdict
from grader.service_tables import PrincipalKind, Role, staff
from grader.web import create_app
from grader.web.app import SESSION_COOKIE

SECRET_VALUE = 987654321.125  # an expected value no response may carry under the validity policy


@pytest.fixture
def anyio_backend():
    return "asyncio"


class FakeGrading:
    """Grades like a batch (each student's latest ungraded file, recorded in the gradebook) without kernels,
    counting how often each file was graded: a fake at the adapter's seam."""

    def __init__(self):
        self.graded: Counter[str] = Counter()
        self.batches = 0

    def warm(self) -> None:
        """Nothing to warm up: the worker's process calls it as it calls the real grading's."""

    def __call__(self, course: Course, assignment: str, students: frozenset[str] = frozenset()) -> str:
        self.batches += 1
        book = Gradebook(course.config.gradebook, course.root)
        try:
            done = {book.stored_path(r.path) for r in book.submissions(assignment, latest_only=False)}
            for student_folder in sorted(course.folder("submitted").glob(f"*/{assignment}")):
                latest = sorted(student_folder.glob(f"*/{assignment}.ipynb"))[-1]
                key = book.stored_path(latest)
                if key in done:
                    continue
                self.graded[key] += 1
                book.record(assignment=assignment, student_id=student_folder.parent.name, path=str(latest),
                            sha256="0" * 64, submitted_at=latest.parent.name, status=SubmissionStatus.GRADED, rows=[
                                PartRecord(problem_id="q1", part="out_channels", given=1, expected=SECRET_VALUE, score=1.5,
                                           max_score=2.0, verdict=Verdict.PARTIAL, feedback=f"Expected {SECRET_VALUE}."),
                            ])
        finally:
            book.close()
        return ""


class Served:
    """The app and a way to make clients signed in as anyone."""

    def __init__(self, course: Course, grading: FakeGrading, app):
        self.course, self.grading, self.app = course, grading, app
        self.service = app.state.service

    def link(self, kind: PrincipalKind, who: str) -> str:
        return self.service.signer.link_token(kind, who)

    def client(self, who: str | None = None, *, staff_role: str | None = None) -> httpx.AsyncClient:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://testserver")
        if who is not None:
            kind = PrincipalKind.STAFF if staff_role else PrincipalKind.STUDENT
            if staff_role:
                with self.service.book.engine.begin() as conn:
                    conn.execute(sa.delete(staff).where(staff.c.email == who))
                    conn.execute(staff.insert().values(email=who, role=staff_role))
            from grader.web.auth import Principal

            value, principal = self.service.signer.session_cookie(Principal(kind, who, Role(staff_role) if staff_role else None))
            client.cookies.set(SESSION_COOKIE, value)
            client.csrf = principal.csrf  # type: ignore[attr-defined]
        return client

    def notebook(self, student: str, answers: dict[str, str] | None = None, assignment: str = "a1") -> bytes:
        nb = nbformat.read(release_path(self.course, assignment, student), as_version=4)
        for cell in nb.cells:
            if cell.get("id") in (answers or {}):
                cell.source = answers[cell["id"]]
        return nbformat.writes(nb).encode()

    def typed(self, student: str, assignment: str = "a1") -> bytes:
        """The student's notebook with every computed answer typed in right: literals, graded without running."""
        from grader.assignment import load_assignment
        from grader.notebook.build import answer_cell
        from grader.notebook.slots import slots
        from grader.variants import variants

        nb = nbformat.read(release_path(self.course, assignment, student), as_version=4)
        secret, _ = self.course.secret()
        for pid, v in variants(secret, self.course.config.course, load_assignment(self.course, assignment), student).items():
            answer = v.answer()
            problem_slots = slots(pid, v.family, v.params)
            values = [answer[s.part] for s in problem_slots] if v.family.layout == "object" else [answer]
            next(c for c in nb.cells if c.get("id") == pid).source = answer_cell(pid, problem_slots, values)["source"]
        return nbformat.writes(nb).encode()


@pytest.fixture
def served(released):
    course = released()
    grading = FakeGrading()
    served = Served(course, grading, create_app(course, executor="fork", grade=grading, worker=False))
    yield served
    served.service.book.close()  # before a PostgreSQL test database is dropped under its connections


async def upload(client: httpx.AsyncClient, data: bytes, assignment: str = "a1", *, api: bool = True,
                 csrf: str | None = None, name: str = "a1.ipynb") -> httpx.Response:
    files = {"notebook": (name, data, "application/x-ipynb+json")}
    if api:
        headers = {"x-csrf-token": csrf if csrf is not None else getattr(client, "csrf", "")}
        return await client.post(f"/api/assignments/{assignment}/submissions", files=files, headers=headers)
    form = {"csrf": csrf if csrf is not None else getattr(client, "csrf", "")}
    return await client.post(f"/me/{assignment}/upload", files=files, data=form)


def body_text(response: httpx.Response) -> str:
    return response.text if "json" not in response.headers.get("content-type", "") else json.dumps(response.json())
