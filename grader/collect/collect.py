"""File an LMS's bulk download of submissions, each file exactly as ``submit`` files one.

The layout (:mod:`canvas`, :mod:`moodle`, :mod:`blackboard`, :mod:`folder`) says whose each file is
and when it was handed in; ``submit`` checks it (a notebook, of this assignment, on the roster) and
files it with that time, judged by the late-work rule. Collecting is idempotent: a file whose bytes
the student already has under ``submitted/`` is "already there" and adds nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TypedDict
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from grader.collect import blackboard, canvas, folder, moodle
from grader.collect.archive import MB, Archive, ArchiveLimits, Entry, EntryRefused, open_archive
from grader.collect.layout import Claim, Context, Layout, unwrap
from grader.config import Course
from grader.errors import CollectError, SubmissionError
from grader.late import Lateness
from grader.notebook.read import digest, read_submission_bytes
from grader.private import write_private
from grader.submit import Inbox

__all__ = ["CollectResult", "CollectedFile", "Outcome", "collect", "detect"]

MODULES = {m.LAYOUT: m for m in (canvas, moodle, blackboard, folder)}
_LMS = (canvas, moodle, blackboard)


class Outcome(str, Enum):
    IMPORTED = "imported"
    ALREADY_THERE = "already there"
    UNMATCHED = "unmatched"
    REFUSED = "refused"


@dataclass(frozen=True)
class CollectedFile:
    """One file of the download and what became of it."""

    name: str
    outcome: Outcome
    student_id: str | None = None
    when: dt.datetime | None = None
    time_source: str = ""
    lateness: Lateness | None = None
    lms_late: bool | None = None
    reason: str = ""
    path: Path | None = None          # where it was filed (or the copy already there); None in a dry run


class _Claimed(TypedDict):
    """The fields of a ``CollectedFile`` that its claim gives, whatever the outcome."""

    name: str
    student_id: str | None
    when: dt.datetime | None
    time_source: str
    lms_late: bool | None


@dataclass
class CollectResult:
    assignment: str
    source: Path
    layout: Layout | None
    dry_run: bool
    files: list[CollectedFile] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        return Counter(f.outcome for f in self.files)[outcome]

    def summary(self) -> str:
        imported = "would import" if self.dry_run else "imported"
        return (f"{imported} {self.count(Outcome.IMPORTED)}, already there {self.count(Outcome.ALREADY_THERE)}, "
                f"unmatched {self.count(Outcome.UNMATCHED)}, refused {self.count(Outcome.REFUSED)}")


def collect(course: Course, assignment: str, source: Path, *, layout: Layout | None = None,
            worksheet: Path | None = None, timezone: str | None = None, untimed: bool = False,
            dry_run: bool = False, force: bool = False, limits: ArchiveLimits | None = None) -> CollectResult:
    """Collect ``source`` (a zip archive or a folder) for ``assignment``; nothing is written when ``dry_run``.

    Raises :class:`CollectError` when the download cannot be collected as a whole (not an archive, its
    layout unclear, a Moodle download without its worksheet, times without a zone and no ``timezone``).
    """
    inbox = Inbox.open(course, assignment)
    context = Context(tuple(course.roster()), _zone(timezone), untimed, Path(worksheet) if worksheet else None)
    limits = limits or ArchiveLimits(file_bytes=course.config.limits.submission_mb * MB)
    with open_archive(Path(source), limits) as archive:
        entries = unwrap(archive.entries, context.student_ids)
        chosen = layout or detect(entries, context, Path(source))
        claims = MODULES[chosen].claim(entries, context, archive.read) if chosen else []
        filer = _Filer(inbox, Path(source), chosen, dry_run, force)
        files = [filer.file(claim, archive) for claim in sorted(claims, key=_in_time)]
    files += [CollectedFile(r.name, Outcome.REFUSED, reason=r.reason) for r in archive.refused]
    return CollectResult(inbox.assignment.name, Path(source), chosen, dry_run, sorted(files, key=lambda f: f.name))


def detect(entries: list[Entry], context: Context, source: Path) -> Layout | None:
    """The layout the files' names follow; a :class:`CollectError` naming the candidates when several fit."""
    if not entries:
        return None
    seen = {m.LAYOUT: sum(1 for e in entries if m.recognises(e.path)) for m in _LMS}
    seen[Layout.FOLDER] = sum(1 for e in entries if folder.owner(e.path) in context.student_ids)
    found = {layout: n for layout, n in seen.items() if n}
    if len(found) == 1:
        return next(iter(found))
    if not found:
        raise CollectError(f"{source.name}: no file is named as a Canvas, Moodle or Blackboard download names them, "
                           "nor after a student id on the roster: say which layout with --from")
    candidates = " or ".join(f"{layout.value} ({n} file{'s' if n != 1 else ''})" for layout, n in found.items())
    raise CollectError(f"{source.name}: the names fit {candidates}: say which with --from")


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CollectError(f"--timezone {name!r} is not a time zone (such as Europe/London or America/New_York)") from None


def _in_time(claim: Claim) -> tuple:
    # each student's files oldest first, so that a repeat is the later one and folders come in order
    return (claim.student_id or "", claim.when is not None, claim.when or dt.datetime.min, claim.entry.name)


@dataclass
class _Filer:
    """Files claims through ``submit``, remembering what each student already has."""

    inbox: Inbox
    source: Path
    layout: Layout | None
    dry_run: bool
    force: bool = False  # file a notebook released to another student all the same (grading flags it)
    _have: dict[str, dict[str, Path | None]] = field(default_factory=dict)

    def file(self, claim: Claim, archive: Archive) -> CollectedFile:
        row = _Claimed(name=claim.entry.name, student_id=claim.student_id, when=claim.when,
                       time_source=claim.time_source, lms_late=claim.lms_late)
        student = claim.student_id
        if claim.unmatched or claim.refused or student is None:  # a claim of no one says why: unmatched
            return CollectedFile(**row, outcome=Outcome.UNMATCHED if claim.unmatched else Outcome.REFUSED,
                                 reason=claim.unmatched or claim.refused)
        try:
            data = archive.read(claim.entry)
        except EntryRefused as exc:
            return CollectedFile(**row, outcome=Outcome.REFUSED, reason=str(exc))
        have, sha = self._had(student), digest(data)
        if sha in have:
            return CollectedFile(**row, outcome=Outcome.ALREADY_THERE, path=have[sha],
                                 reason="the same file is already filed for this student")
        try:
            result = self.inbox.submit(Path(claim.entry.name), student, run=False, now=claim.when, data=data,
                                       untimed=claim.when is None, dry_run=self.dry_run, force=self.force)
        except SubmissionError as exc:
            return CollectedFile(**row, outcome=Outcome.REFUSED, reason=str(exc))
        have[sha] = result.path
        if result.path is not None:
            self._note(result.path, claim)
        return CollectedFile(**row, outcome=Outcome.IMPORTED, lateness=result.lateness, path=result.path)

    def _had(self, student_id: str) -> dict[str, Path | None]:
        """The digests of the student's files already under submitted/ for this assignment."""
        if student_id not in self._have:
            course = self.inbox.course
            root = course.folder("submitted") / student_id
            cap = course.config.limits.submission_mb * MB
            found: dict[str, Path | None] = {}
            for path in sorted((root / self.inbox.assignment.name).rglob("*.ipynb")):
                if any(part.startswith(".") for part in path.relative_to(root).parts):
                    continue
                try:
                    found.setdefault(digest(read_submission_bytes(path, cap, root)), path)
                except SubmissionError:
                    continue  # what grading cannot read either is no copy of anything
            self._have[student_id] = found
        return self._have[student_id]

    def _note(self, path: Path, claim: Claim) -> None:
        """Where a collected file came from, beside it (grading reads only the notebook)."""
        late = "" if claim.lms_late is None else f"the LMS marks it {'late' if claim.lms_late else 'on time'}\n"
        write_private(path.parent / "collected.txt", (
            f"collected from {self.source.name} ({self.layout.value if self.layout else '?'}): {claim.entry.name}\n"
            f"submission time from: {claim.time_source}\n{late}").encode())
