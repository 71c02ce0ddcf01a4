"""Moodle: "Download all submissions" of an assignment, with its grading worksheet.

One folder per student and plugin, ``<Full Name>_<participant id>_assignsubmission_file_/<file>``
("Download submissions in folders", the default since Moodle 3.1), or flat files
``<Full Name>_<participant id>_assignsubmission_file_<file>`` without it. Underscores in the name are
spaces; a group assignment puts ``<group>-`` before it; blind marking writes ``Participant``.
Checked against mod/assign's ``download_submissions`` (moodle/moodle, mod/assign/locallib.php).

The participant id is drawn afresh for each assignment, so it is mapped through the assignment's
grading worksheet ("Download grading worksheet", a CSV): its ``Identifier`` column holds
``Participant <id>``, ``Email address`` the student's email (the roster's ``email``), and ``Last
modified (submission)`` Moodle's record of the submission's time, in the downloading user's time
zone and without naming it (``--timezone``). Without that time, the archive entry's time is used.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

from grader.collect.archive import Entry
from grader.collect.layout import Claim, Context, Layout
from grader.errors import CollectError

__all__ = ["LAYOUT", "Participant", "claim", "read_worksheet", "recognises"]

LAYOUT = Layout.MOODLE
_PATH = re.compile(r"^(?P<name>[^/_]+)_(?P<participant>\d+)_assignsubmission_(?P<plugin>[a-z0-9]+)_(?P<rest>/.+|[^/]+)$")
_ID = re.compile(r"(\d+)\s*$")
_MONTHS = {m: i for i, m in enumerate(("january", "february", "march", "april", "may", "june", "july", "august",
                                       "september", "october", "november", "december"), start=1)}
# userdate()'s English formats: "Monday, 7 December 2026, 11:45 PM" (en) and "Monday, December 7, 2026, 11:45 PM" (en_us)
_WHEN = re.compile(r"^\w+, (?:(?P<day>\d{1,2}) (?P<month>[A-Za-z]+)|(?P<month_us>[A-Za-z]+) (?P<day_us>\d{1,2})),? "
                   r"(?P<year>\d{4}),? (?P<hour>\d{1,2}):(?P<minute>\d{2})(?: ?(?P<half>[AaPp][Mm]))?$")
_COLUMNS = ("Identifier", "Email address")


@dataclass(frozen=True)
class Participant:
    """One row of the grading worksheet."""

    participant: str
    name: str
    email: str
    modified: dt.datetime | None      # naive: Moodle's local time
    line: int


def recognises(path: str) -> bool:
    return bool(_PATH.match(path))


def read_worksheet(path: Path) -> dict[str, Participant]:
    """The worksheet's participants by id; a :class:`CollectError` naming the file and line when it is not one."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CollectError(f"{path}: the worksheet does not exist") from None
    except UnicodeDecodeError:
        raise CollectError(f"{path}: not UTF-8 text (download the worksheet from Moodle again)") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    if missing := [c for c in _COLUMNS if c not in header]:
        raise CollectError(f"{path}:1: no column {', '.join(repr(c) for c in missing)}: not Moodle's grading worksheet "
                           "(download it with Moodle's language set to English)")
    reader.fieldnames = header
    found: dict[str, Participant] = {}
    for line, row in enumerate(reader, start=2):
        row = {k: (v or "").strip() for k, v in row.items() if isinstance(k, str)}
        if not (match := _ID.search(row["Identifier"])):
            raise CollectError(f"{path}:{line}: identifier {row['Identifier']!r} is not 'Participant <number>'")
        modified = _when(row.get("Last modified (submission)", ""), f"{path}:{line}")
        found[match[1]] = Participant(match[1], row.get("Full name", ""), row["Email address"], modified, line)
    return found


def _when(text: str, where: str) -> dt.datetime | None:
    if text in ("", "-"):
        return None
    if not (found := _WHEN.match(text)):
        raise CollectError(f"{where}: 'Last modified (submission)' {text!r} is not a date Moodle writes in English")
    month = _MONTHS.get((found["month"] or found["month_us"]).lower())
    hour = int(found["hour"])
    if found["half"]:
        hour = hour % 12 + (12 if found["half"].lower() == "pm" else 0)
    try:
        return dt.datetime(int(found["year"]), month or 0, int(found["day"] or found["day_us"]), hour, int(found["minute"]))
    except ValueError:
        raise CollectError(f"{where}: 'Last modified (submission)' {text!r} is not a date") from None


def claim(entries: list[Entry], context: Context, read=None) -> list[Claim]:
    if context.worksheet is None:
        raise CollectError("a Moodle download needs the assignment's grading worksheet, which maps its participant "
                           "ids to students: pass --worksheet FILE (Moodle: the assignment's 'Download grading worksheet')")
    sheet = read_worksheet(context.worksheet)
    students = context.by("email")
    claims = []
    for entry in entries:
        found = _PATH.match(entry.path)
        row = sheet.get(found["participant"]) if found else None
        problem = _problem(found, row, students, context.worksheet)
        if problem or row is None:  # no row is always a problem
            claims.append(Claim(entry, unmatched=problem))
            continue
        student = students[row.email.casefold()]
        when: dt.datetime | None
        if row.modified is not None and not context.untimed:
            when, source = context.local_time(row.modified, "Moodle's worksheet"), f"Moodle's worksheet ({context.zone})"
        else:
            when, source = context.entry_time(entry)
        claims.append(Claim(entry, student.student_id, when, source))
    return claims


def _problem(found, row: Participant | None, students: dict, worksheet: Path) -> str:
    if found is None:
        return "not named as Moodle names a submission (<Full Name>_<participant id>_assignsubmission_file_/<file>)"
    if row is None:
        return f"participant {found['participant']} is not in {worksheet.name} (is it this assignment's worksheet?)"
    if not row.email:
        return (f"{worksheet.name}:{row.line} gives no email for participant {row.participant} (blind marking? "
                "reveal identities in Moodle and download the worksheet again)")
    named, listed = _letters(found["name"]), _letters(row.name)
    if named != "participant" and listed and not named.endswith(listed):  # "<group>-<name>" for group work
        return (f"{worksheet.name}:{row.line} calls participant {row.participant} {row.name!r}, the archive "
                f"{found['name']!r}: is the worksheet from this assignment?")
    if row.email.casefold() not in students:
        return f"no student on the roster has the email {row.email!r} ({worksheet.name}:{row.line})"
    return ""


def _letters(name: str) -> str:
    """A name as both of Moodle's spellings keep it (clean_filename drops some punctuation)."""
    return re.sub(r"\W+", "", name.casefold())
