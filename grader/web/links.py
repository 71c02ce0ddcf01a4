"""Sign-in links as people receive them: a student's, a staff member's (added with a role), the demo's.

No framework types: ``autograde tokens``, ``autograde staff add`` and ``autograde serve --demo`` use it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from grader.config import Course
from grader.gradebook import Gradebook
from grader.service_tables import PrincipalKind, Role, staff
from grader.web.auth import Signer

__all__ = ["DEMO_INSTRUCTOR", "SignInLink", "add_staff", "demo_links", "link", "open_signer"]

DEMO_INSTRUCTOR = "instructor@demo.invalid"  # .invalid: a name no mail can reach (RFC 2606)


@dataclass(frozen=True)
class SignInLink:
    who: str    # a student id, or a staff member's email
    role: str   # "student", "instructor" or "ta"
    url: str


@contextlib.contextmanager
def open_signer(course: Course) -> Iterator[tuple[Gradebook, Signer]]:
    """The course's gradebook (its schema holds the service's tables) and its signer, closed at the end."""
    book = Gradebook(course.config.gradebook, course.root)
    try:
        yield book, Signer(course, book.engine)
    finally:
        book.close()


def link(signer: Signer, base_url: str, kind: PrincipalKind, who: str) -> str:
    return f"{base_url.rstrip('/')}/signin/{signer.link_token(kind, who)}"


def add_staff(book: Gradebook, email: str, role: Role) -> None:
    """Add a staff member, or change their role."""
    with book.engine.begin() as conn:
        if conn.execute(staff.update().where(staff.c.email == email).values(role=role.value)).rowcount == 0:
            conn.execute(staff.insert().values(email=email, role=role.value))


def demo_links(course: Course, base_url: str, students: int = 2) -> list[SignInLink]:
    """Links for the roster's first ``students`` students and a demo instructor (added as staff)."""
    with open_signer(course) as (book, signer):
        add_staff(book, DEMO_INSTRUCTOR, Role.INSTRUCTOR)
        found = [SignInLink(s.student_id, "student", link(signer, base_url, PrincipalKind.STUDENT, s.student_id))
                 for s in course.roster()[:students]]
        return [*found, SignInLink(DEMO_INSTRUCTOR, "instructor", link(signer, base_url, PrincipalKind.STAFF, DEMO_INSTRUCTOR))]
