"""What every LMS layout shares: whose file each entry is (a :class:`Claim`), and when it was handed in.

A layout module (canvas, moodle, blackboard, folder) has ``LAYOUT``, ``recognises(path)`` (does
this name follow the LMS's pattern?) and ``claim(entries, context)``. A student is found by the
LMS's own id on the roster, never by a display name alone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from enum import Enum
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

from grader.collect.archive import Entry
from grader.config import Student
from grader.errors import CollectError

__all__ = ["Claim", "Context", "Layout", "unwrap"]


class Layout(str, Enum):
    CANVAS = "canvas"
    MOODLE = "moodle"
    BLACKBOARD = "blackboard"
    FOLDER = "folder"


@dataclass(frozen=True)
class Claim:
    """One file of the download: whose it is and when it was handed in, or why that cannot be said."""

    entry: Entry
    student_id: str | None = None
    when: dt.datetime | None = None   # UTC; None: filed without a time (never counted late)
    time_source: str = ""             # where ``when`` comes from, as the table says it
    lms_late: bool | None = None      # the LMS's own late mark, where it gives one (Canvas)
    unmatched: str = ""               # why it maps to nobody on the roster
    refused: str = ""                 # why it maps but may not be filed (a time that contradicts itself)


@dataclass(frozen=True)
class Context:
    """What a layout needs to claim entries: the roster, the LMS's time zone, the options."""

    roster: tuple[Student, ...]
    zone: ZoneInfo | None = None
    untimed: bool = False
    worksheet: Path | None = None

    @cached_property
    def student_ids(self) -> frozenset[str]:
        return frozenset(s.student_id for s in self.roster)

    def by(self, column: str) -> dict[str, Student]:
        """Roster students by one LMS column (``canvas_id``, ``login``) or ``email`` (case-folded)."""
        fold = column == "email"
        return {(getattr(s, column).casefold() if fold else getattr(s, column)): s
                for s in self.roster if getattr(s, column)}

    def local_time(self, naive: dt.datetime, what: str) -> dt.datetime:
        """A time an LMS wrote without its zone, read in ``--timezone``."""
        if self.zone is None:
            raise CollectError(f"the times in {what} carry no time zone: pass --timezone with the zone they are in "
                               "(e.g. Europe/London or America/New_York), or --untimed to file without times")
        return naive.replace(tzinfo=self.zone).astimezone(dt.UTC)

    def entry_time(self, entry: Entry) -> tuple[dt.datetime | None, str]:
        """The archive entry's own time, when the LMS gives none."""
        if self.untimed:
            return None, "none (--untimed)"
        if entry.modified is None:
            return None, "none: the entry has no time"
        if entry.modified.tzinfo is None:
            return self.local_time(entry.modified, "this zip archive's entries"), f"the archive entry's time ({self.zone})"
        return entry.modified.astimezone(dt.UTC), "the archive entry's time"


def unwrap(entries: list[Entry], keep: frozenset[str]) -> list[Entry]:
    """Entries below the one folder that holds them all (a download unzipped, then zipped again),
    unless that folder is a name the layouts need (a student id, a Moodle submission folder)."""
    while entries:
        firsts = {e.path.split("/", 1)[0] for e in entries}
        if len(firsts) != 1 or any("/" not in e.path for e in entries):
            break
        top = firsts.pop()
        if top in keep or "_assignsubmission_" in top:
            break
        entries = [dataclasses.replace(e, local=e.path[len(top) + 1:]) for e in entries]
    return entries
