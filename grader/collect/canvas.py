"""Canvas: the zip of "Download Submissions" on an assignment's page.

Flat files named ``<name>[_LATE]_<user id>_<attachment id>_<file name>``: ``<name>`` is the
student's sortable name in lower case with every character but letters, digits and ``_`` taken out
(and any ``_<digits>_`` in it joined up), ``LATE`` is Canvas's own late mark, and the user id is
the roster's ``canvas_id``. Under anonymous grading the name and id are ``anon_<anonymous id>``,
which maps to nobody. Checked against Canvas's ``ContentZipper`` (instructure/canvas-lms,
lib/content_zipper.rb at commit 05e9653c12ef).

Canvas writes no submission time into the zip, and every entry's time is the moment it built the
zip (rubyzip's default), so an entry's time would make every file late: a Canvas file is filed
without a time and never counted late here; its ``LATE`` mark is shown, and Canvas's own late
policy acts on the grades exported to it.
"""

from __future__ import annotations

import re

from grader.collect.archive import Entry
from grader.collect.layout import Claim, Context, Layout

__all__ = ["LAYOUT", "claim", "recognises"]

LAYOUT = Layout.CANVAS
_ANONYMOUS = re.compile(r"^(?P<late>LATE_)?anon_(?P<anon>[A-Za-z0-9]+)_(?P<attachment>\d+)_(?P<file>[^/]+)$")
_NAMED = re.compile(r"^(?P<name>[^/]*?)(?P<late>_LATE)?_(?P<user>\d+)_(?P<attachment>\d+)_(?P<file>[^/]+)$")
_IDS = re.compile(r"(?=_(\d+)_\d+_[^/])")  # every place "_<user id>_<attachment id>_<file>" could begin
_TEXT = re.compile(r"^(?P<name>[^/]*?)(?P<late>_LATE)?_(?P<user>\d+)_(?P<kind>text|link)\.html$")  # online text, URL
_NO_TIME = "none: Canvas's download holds no submission times (filed without one: never counted late)"


def recognises(path: str) -> bool:
    return bool(_ANONYMOUS.match(path) or _NAMED.match(path) or _TEXT.match(path))


def claim(entries: list[Entry], context: Context, read=None) -> list[Claim]:
    students = context.by("canvas_id")
    claims = []
    for entry in entries:
        if found := _ANONYMOUS.match(entry.path):  # before _NAMED: an anonymous id may be all digits
            claims.append(Claim(entry, lms_late=bool(found["late"]), time_source=_NO_TIME, unmatched=(
                f"anonymous grading hides whose it is (anon_{found['anon']}): turn off anonymity in Canvas "
                "and download again")))
        elif found := _TEXT.match(entry.path):
            student = students.get(found["user"])
            claims.append(Claim(entry, student.student_id if student else None, None, _NO_TIME, bool(found["late"]),
                                refused=f"a {found['kind']} entry typed into Canvas, not a file: not a notebook"))
        elif _NAMED.match(entry.path):
            user, late, problem = _user(entry.path, students)
            claims.append(Claim(entry, students[user].student_id if user else None, None, _NO_TIME, late, problem))
        else:
            claims.append(Claim(entry, unmatched="not named as Canvas names a submission "
                                                 "(<name>_<user id>_<attachment id>_<file>)"))
    return claims


def _user(path: str, students: dict) -> tuple[str | None, bool, str]:
    """The user id, Canvas's late mark, or why no one: Canvas joins up ``_<digits>_`` in a name, but a
    name may still end in ``_<digits>`` (``smith_2_1001_...``), so every place the ids could begin is
    tried and the roster decides."""
    places = [(m.start(), m[1]) for m in _IDS.finditer(path)]
    known = {user: at for at, user in reversed(places) if user in students}
    if len(known) == 1:
        (user, at), = known.items()
        return user, path[:at].endswith("_LATE"), ""
    at, user = places[0]
    if known:
        return None, path[:at].endswith("_LATE"), f"the name could be Canvas user {' or '.join(sorted(known))}: which is unclear"
    return None, path[:at].endswith("_LATE"), f"Canvas user {user} is no one's canvas_id on the roster"
