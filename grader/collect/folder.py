"""A plain folder (or zip) of notebooks named by student: ``<student_id>.ipynb`` or ``<student_id>/...``.

The student id is the roster's ``student_id``; the time is each file's own modification time (a
zip's entry time), the only record there is: a copy made without keeping times (``cp`` without
``-p``) carries the time of the copy, so check the table of ``--dry-run``, or pass ``--untimed``.
"""

from __future__ import annotations

from grader.collect.archive import Entry
from grader.collect.layout import Claim, Context, Layout

__all__ = ["LAYOUT", "claim", "owner"]

LAYOUT = Layout.FOLDER


def owner(path: str) -> str:
    """The student id a path names: its first folder, or a top-level file's name without its extension."""
    first, _, rest = path.partition("/")
    return first if rest else first.rsplit(".", 1)[0]


def claim(entries: list[Entry], context: Context, read=None) -> list[Claim]:
    claims = []
    for entry in entries:
        sid = owner(entry.path)
        if sid not in context.student_ids:
            claims.append(Claim(entry, unmatched=f"{sid!r} is not a student id on the roster"))
            continue
        when, source = context.entry_time(entry)
        claims.append(Claim(entry, sid, when, source))
    return claims
