"""Whose notebook is this? A stamp in each released notebook: HMAC(secret, course / assignment / student).

The stamp decides nothing: who submitted and which variant is graded still come from the
submission's folder and the roster. It lets ``validate``, ``submit`` and ``grade`` notice a
notebook released to another student (a copied notebook) and name whose it was; nobody without
the course secret can make a stamp for someone else, and the stamps of two students or two
assignments never match.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from grader.outcomes import IdentityStatus

__all__ = ["STAMP_KEY", "IdentityCheck", "IdentityStatus", "RosterStamps", "notebook_stamp", "stamp", "stamp_in_bytes"]

STAMP_KEY = "release_stamp"
"""The key of the stamp inside the notebook's ``metadata.autograde`` record."""
_HEX = re.compile(r"^[0-9a-f]{32}$")


def stamp(secret: bytes, course: str, assignment: str, student_id: str) -> str:
    """The stamp of one student's notebook of one assignment (32 hex digits)."""
    # its own first field, so a stamp is never a variant's seed (those are course/assignment/problem/student)
    message = "\x1f".join(("release-stamp", course, assignment, student_id)).encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


def notebook_stamp(metadata: Any) -> str | None:
    """The stamp in a notebook's metadata, or None when there is none (or it is not one)."""
    record = metadata.get("autograde") if isinstance(metadata, Mapping) else None
    value = record.get(STAMP_KEY) if isinstance(record, Mapping) else None
    return value if isinstance(value, str) and _HEX.match(value) else None


def stamp_in_bytes(data: bytes) -> str | None:
    """The stamp of a submitted file's bytes; None when it is not a stamped notebook."""
    try:
        raw = json.loads(data)
    except (ValueError, RecursionError):
        return None
    return notebook_stamp(raw.get("metadata")) if isinstance(raw, dict) else None


@dataclass(frozen=True)
class IdentityCheck:
    """What a notebook's stamp says about the student who hands it in."""

    student_id: str
    status: IdentityStatus
    released_to: str = ""  # the roster student it was released to, when that is someone else

    @classmethod
    def stored(cls, student_id: str, status: IdentityStatus | None, released_to: str = "") -> IdentityCheck | None:
        """The check as a gradebook row keeps it (None for a row graded before stamps were checked)."""
        return None if status is None else cls(student_id, IdentityStatus(status), released_to or "")

    @property
    def flagged(self) -> bool:
        """A notebook that was not released to this student (an unstamped one is only noted)."""
        return self.status in (IdentityStatus.OTHER_STUDENT, IdentityStatus.UNKNOWN_STAMP)

    def message(self) -> str:
        """One sentence for the person reading: empty when the notebook is the student's own."""
        if self.status is IdentityStatus.OTHER_STUDENT:
            return f"this notebook was released to {self.released_to}, not to {self.student_id}"
        if self.status is IdentityStatus.UNKNOWN_STAMP:
            return (f"this notebook's release stamp is not {self.student_id}'s nor any other student's on the roster "
                    "(changed by hand, or from another assignment or course)")
        if self.status is IdentityStatus.UNSTAMPED:
            return "this notebook carries no release stamp (released before stamps, or the stamp was removed)"
        return ""


class RosterStamps:
    """The stamps of a roster for one assignment: checks a notebook's stamp and names whose it is."""

    def __init__(self, secret: bytes, course: str, assignment: str, student_ids: Iterable[str]):
        self._secret, self._course, self._assignment = secret, course, assignment
        self._ids = list(student_ids)
        self._owners: dict[str, str] | None = None  # worked out once, the first time a stamp is someone else's

    def of(self, student_id: str) -> str:
        return stamp(self._secret, self._course, self._assignment, student_id)

    def check(self, student_id: str, found: str | None) -> IdentityCheck:
        if found is None:
            return IdentityCheck(student_id, IdentityStatus.UNSTAMPED)
        if hmac.compare_digest(found, self.of(student_id)):
            return IdentityCheck(student_id, IdentityStatus.MATCH)
        if self._owners is None:
            self._owners = {self.of(sid): sid for sid in self._ids}
        owner = self._owners.get(found)
        if owner is None:
            return IdentityCheck(student_id, IdentityStatus.UNKNOWN_STAMP)
        return IdentityCheck(student_id, IdentityStatus.OTHER_STUDENT, owner)
