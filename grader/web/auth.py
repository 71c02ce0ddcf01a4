"""Who is asking: sign-in links, sessions and CSRF tokens, all signed with a key derived from the course secret.

A sign-in token names a principal (a student id, or a staff member's email) and the generation of
their links when it was made; revoking bumps the generation in the database, which kills every
link and every session made from one. The session cookie carries the same, plus a random CSRF
token that every form must echo (double submit, tied to the session by the cookie's signature).
No framework types here: the CLI writes links with it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from grader.config import Course
from grader.errors import AuthError
from grader.service_tables import PrincipalKind, Role, principals, staff

__all__ = ["Principal", "Signer", "generation", "revoke", "staff_role"]

_SIGN_IN = "autograde-sign-in"
_SESSION = "autograde-session"


@dataclass(frozen=True)
class Principal:
    """A signed-in person: a student, or staff with a role."""

    kind: PrincipalKind
    id: str
    role: Role | None = None   # staff only
    csrf: str = ""             # empty for a bearer token: it carries no ambient authority to protect

    @property
    def is_staff(self) -> bool:
        return self.kind is PrincipalKind.STAFF


def signing_key(course: Course) -> bytes:
    """A key for web signatures only, so that a leaked cookie key reveals nothing of the variant seeds."""
    secret, _ = course.secret()
    return hmac.new(secret, b"autograde web sign-in", hashlib.sha256).digest()


def generation(engine: sa.Engine, kind: PrincipalKind, principal_id: str) -> int:
    with engine.connect() as conn:
        found = conn.execute(sa.select(principals.c.generation).where(
            (principals.c.kind == kind.value) & (principals.c.principal_id == principal_id))).scalar()
    return int(found or 0)


def revoke(engine: sa.Engine, kind: PrincipalKind, principal_id: str) -> int:
    """Invalidate every link and session of one principal; returns the new generation."""
    key = (principals.c.kind == kind.value) & (principals.c.principal_id == principal_id)
    with engine.begin() as conn:
        if conn.execute(principals.update().where(key).values(generation=principals.c.generation + 1)).rowcount == 0:
            conn.execute(principals.insert().values(kind=kind.value, principal_id=principal_id, generation=1))
        return int(conn.execute(sa.select(principals.c.generation).where(key)).scalar_one())


def staff_role(engine: sa.Engine, email: str) -> Role | None:
    with engine.connect() as conn:
        found = conn.execute(sa.select(staff.c.role).where(staff.c.email == email)).scalar()
    return Role(found) if found else None


class Signer:
    """Makes and checks sign-in tokens and session cookies for one course."""

    def __init__(self, course: Course, engine: sa.Engine):
        key = signing_key(course)
        self.engine = engine
        self.max_age = course.config.web.sign_in_days * 86400
        self.students = frozenset(s.student_id for s in course.roster())
        sha256 = {"digest_method": hashlib.sha256}  # itsdangerous signs with SHA-1 unless told
        self._links = URLSafeTimedSerializer(key, salt=_SIGN_IN, signer_kwargs=sha256)
        self._sessions = URLSafeTimedSerializer(key, salt=_SESSION, signer_kwargs=sha256)

    def link_token(self, kind: PrincipalKind, principal_id: str) -> str:
        return self._links.dumps([kind.value, principal_id, generation(self.engine, kind, principal_id)])

    def from_token(self, token: str) -> Principal:
        """The principal a sign-in token names (also a bearer token); AuthError if forged, expired or revoked."""
        return self._check(self._links, token, csrf="")

    def session_cookie(self, principal: Principal) -> tuple[str, Principal]:
        """A new session for a principal, with a fresh CSRF token."""
        csrf = secrets.token_urlsafe(24)
        value = self._sessions.dumps([principal.kind.value, principal.id, generation(self.engine, principal.kind, principal.id), csrf])
        return value, Principal(principal.kind, principal.id, principal.role, csrf)

    def from_session(self, cookie: str) -> Principal:
        return self._check(self._sessions, cookie, csrf=None)

    def _check(self, serializer: URLSafeTimedSerializer, value: str, csrf: str | None) -> Principal:
        try:
            loaded = serializer.loads(value, max_age=self.max_age)
        except SignatureExpired:
            raise AuthError("this sign-in link has expired: ask your instructor for a new one") from None
        except BadSignature:
            raise AuthError("this sign-in link or session is not valid") from None
        if not (isinstance(loaded, list) and len(loaded) == (3 if csrf is not None else 4)):
            raise AuthError("this sign-in link or session is not valid")
        kind, principal_id, made_in = PrincipalKind(loaded[0]), str(loaded[1]), loaded[2]
        if made_in != generation(self.engine, kind, principal_id):
            raise AuthError("this sign-in link has been revoked: ask your instructor for a new one")
        role = None
        if kind is PrincipalKind.STAFF:
            role = staff_role(self.engine, principal_id)
            if role is None:
                raise AuthError("this staff member has been removed")
        elif principal_id not in self.students:
            raise AuthError("this student is no longer on the roster")
        return Principal(kind, principal_id, role, csrf if csrf is not None else str(loaded[3]))
