"""Who an LTI subject is in the course: the roster's ``lti_sub``, never a name; and adding people from the LMS.

The roster file stays the one truth (``autograde generate`` reads it): a student the LMS adds is a
new row of it, with a ``student_id`` made safe from their SIS id or login, and their LMS ids; the
rows already there are copied unchanged, so nobody's variant moves. Who is in which LMS course, and
who left one, is kept in ``lti_members``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from grader.config import LMS_COLUMNS, SAFE_ID, Course, Student, load_roster
from grader.errors import ConfigError
from grader.lti.tables import MemberStatus, contexts, members

__all__ = ["Newcomer", "add_to_roster", "by_subject", "is_linked", "mark_member", "record_context", "safe_student_id"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Newcomer:
    """Someone the LMS says is in the course, as the tool would add them."""

    subject: str
    name: str = ""
    email: str = ""
    sis_id: str = ""
    login: str = ""


def by_subject(course: Course) -> dict[str, Student]:
    return {s.lti_sub: s for s in course.roster() if s.lti_sub}


def safe_student_id(person: Newcomer, taken: set[str]) -> str:
    """A student id from the login, else the SIS id, else the email's name, else the subject's hash; never one taken."""
    for source in (person.login, person.sis_id, person.email.split("@")[0]):
        base = _UNSAFE.sub("-", source).strip("-._")[:56]
        if base and SAFE_ID.match(base):
            break
    else:
        base = "lti-" + hashlib.sha256(person.subject.encode()).hexdigest()[:12]
    candidate, n = base, 1
    while candidate.lower() in {t.lower() for t in taken}:  # folder names: a case-insensitive disk must not merge two
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def add_to_roster(course: Course, people: Iterable[Newcomer]) -> list[Student]:
    """Append these people to the roster file (new rows only, every old row and column as it was); the added students."""
    path = course.path(course.config.roster)
    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(text.splitlines()))
    columns = list(csv.DictReader(text.splitlines()).fieldnames or ["student_id"])
    known = {s.lti_sub for s in course.roster() if s.lti_sub}
    taken = {r.get("student_id", "").strip() for r in rows}
    added: list[Student] = []
    for person in people:
        if person.subject in known:
            continue
        sid = safe_student_id(person, taken)
        taken.add(sid)
        known.add(person.subject)
        added.append(Student(sid, person.name, person.email, sis_id=person.sis_id, login=person.login, lti_sub=person.subject))
    if not added:
        return []
    for column in ("name", "email", *LMS_COLUMNS):
        if column not in columns:
            columns.append(column)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    for s in added:
        writer.writerow({"student_id": s.student_id, "name": s.name, "email": s.email, "sis_id": s.sis_id,
                         "login": s.login, "lti_sub": s.lti_sub})
    temporary = path.with_name(f".{path.name}.lti-{os.getpid()}")
    temporary.write_text(out.getvalue(), encoding="utf-8")
    try:
        load_roster(temporary)  # the new file must read as a roster before it replaces the old one
    except ConfigError as exc:
        temporary.unlink()
        raise ConfigError(f"{path}: adding students from the LMS would make it unreadable ({exc}); it was left as it was") from None
    os.replace(temporary, path)
    return added


def record_context(engine: sa.Engine, issuer: str, context_id: str, deployment_id: str, title: str,
                   lineitems_url: str | None, memberships_url: str | None, linked: bool) -> None:
    """Keep what a launch said of its LMS course; a staff launch links it (its students belong to this course)."""
    key = (contexts.c.issuer == issuer) & (contexts.c.context_id == context_id)
    values = {"deployment_id": deployment_id, "title": title}
    values |= {k: v for k, v in (("lineitems_url", lineitems_url), ("memberships_url", memberships_url)) if v}
    with engine.begin() as conn:
        if conn.execute(sa.select(contexts.c.linked).where(key)).first() is None:
            conn.execute(contexts.insert().values(issuer=issuer, context_id=context_id, linked=linked, **values))
        else:
            conn.execute(contexts.update().where(key).values(**values, **({"linked": True} if linked else {})))


def is_linked(engine: sa.Engine, issuer: str, context_id: str) -> bool:
    with engine.connect() as conn:
        return bool(conn.execute(sa.select(contexts.c.linked).where(
            (contexts.c.issuer == issuer) & (contexts.c.context_id == context_id))).scalar())


def mark_member(engine: sa.Engine, issuer: str, context_id: str, user_id: str, student_id: str,
                status: MemberStatus = MemberStatus.ACTIVE) -> None:
    key = (members.c.issuer == issuer) & (members.c.context_id == context_id) & (members.c.user_id == user_id)
    with engine.begin() as conn:
        if conn.execute(members.update().where(key).values(student_id=student_id, status=status.value)).rowcount == 0:
            conn.execute(members.insert().values(issuer=issuer, context_id=context_id, user_id=user_id,
                                                 student_id=student_id, status=status.value))
