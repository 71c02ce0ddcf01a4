"""Every status and verdict autograde records or reports, in one place at the bottom of the imports.

Each is a ``StrEnum`` whose values are the words the gradebook, the exports and the pages have
always written: a member compares equal to its word and prints as it, so files keep their bytes.
The gradebook's columns accept only these values (see :mod:`grader.migrations`).
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["DONE", "ChangeKind", "GradeStatus", "IdentityStatus", "RequestStatus", "RunStatus", "SubmissionStatus", "ValidationStatus", "Verdict"]


class RunStatus(StrEnum):
    """How running one submission ended."""

    OK = "ok"
    TIMEOUT = "timeout"    # a cell or the whole notebook ran out of time: what it answered before counts
    DIED = "died"          # the kernel died: likewise
    FAILED = "failed"      # it could not be run at all (the grader's trouble, or a worker that died)
    INVALID = "invalid"    # not a notebook that can be read: never ran


class SubmissionStatus(StrEnum):
    """What the gradebook says of one submitted file."""

    GRADED = "graded"
    FAILED = "failed"
    INVALID = "invalid"
    NOT_ON_ROSTER = "not_on_roster"
    SUPERSEDED = "superseded"        # a later submission of the same student was graded instead
    AFTER_CUTOFF = "after_cutoff"    # kept, not graded

    @classmethod
    def of_run(cls, run: RunStatus) -> SubmissionStatus:
        """A run that timed out or died is graded on what it answered; one that never ran is not."""
        return {RunStatus.INVALID: cls.INVALID, RunStatus.FAILED: cls.FAILED}.get(run, cls.GRADED)


DONE = frozenset({SubmissionStatus.GRADED, SubmissionStatus.FAILED, SubmissionStatus.INVALID,
                  SubmissionStatus.NOT_ON_ROSTER})
"""Statuses of a file a rerun leaves alone (unless asked to grade again)."""


class GradeStatus(StrEnum):
    """A student's standing in an assignment, as exports and pages say it: the status of their
    latest submission, ``pending`` for a graded one with hand grades to come, ``missing`` for none."""

    GRADED = "graded"
    PENDING = "pending"
    MISSING = "missing"
    FAILED = "failed"
    INVALID = "invalid"
    NOT_ON_ROSTER = "not_on_roster"
    SUPERSEDED = "superseded"
    AFTER_CUTOFF = "after_cutoff"


class Verdict(StrEnum):
    """What the gradebook says of one graded part."""

    CORRECT = "correct"
    PARTIAL = "partial"        # some of its points
    WRONG = "wrong"
    CARRIED = "carried"        # right from the student's own wrong earlier value
    UNANSWERED = "unanswered"
    PENDING = "pending"        # a written answer waiting for a hand grade
    MANUAL = "manual"          # graded by hand


class IdentityStatus(StrEnum):
    """What a notebook's release stamp says of the student who hands it in (see :mod:`grader.identity`)."""

    MATCH = "match"                  # released to this student
    OTHER_STUDENT = "other_student"  # released to another student on the roster
    UNKNOWN_STAMP = "unknown_stamp"  # a stamp of nobody on the roster: altered, or another course or assignment
    UNSTAMPED = "unstamped"          # no stamp: released before stamps existed, or removed


class ValidationStatus(StrEnum):
    """What ``autograde validate`` says of one problem's answer before it is handed in."""

    ANSWERED = "answered"
    MISSING = "missing"
    WRONG_FORM = "wrong_form"
    ERROR = "error"            # its answer cell raised
    PENDING = "pending"        # a written answer: graded by hand
    UNKNOWN = "unknown"        # its family cannot be found here: not checked


class ChangeKind(StrEnum):
    """What changed a grade after grading, as the audit log says it (see :mod:`grader.changes`)."""

    HAND = "hand"                  # a free-text answer graded by hand (the web page or manual import)
    OVERRIDE = "override"          # a computed part's score set by an instructor, with a reason
    UNOVERRIDE = "unoverride"      # an override taken back: the computed score counts again
    REGRADE = "regrade"            # graded again, and a part's score came out different
    REQUEST = "request"            # a student's regrade request accepted with a new score
    LATE = "late"                  # the total re-marked for lateness (an extension or a policy changed)


class RequestStatus(StrEnum):
    """Where a student's regrade request of one problem is."""

    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
