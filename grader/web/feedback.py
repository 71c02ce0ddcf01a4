"""A student's feedback in the service: their page and worked solution, once submissions close for them.

Before the student's own close (:attr:`grader.late.Deadline.closes`: their cutoff, an extension's if
any, plus the grace) the service tells them no more than ``feedback.on_submit`` allows, whatever
``show_expected`` says: they could still hand in what a page showed them. After it, the page is the
one ``autograde feedback`` writes (:class:`~grader.report.feedback.FeedbackWriter`, rendered for this
student alone), so it shows expected values and worked solutions exactly as ``show_expected`` and
``show_solution`` allow. Free of web types: refusals are :class:`~grader.errors.UploadError`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from grader.assignment import Assignment
from grader.config import Course
from grader.errors import ConfigError, UploadError
from grader.generate import release_path
from grader.gradebook import Gradebook
from grader.late import deadlines, shown

__all__ = ["FEEDBACK_CSP", "FeedbackAccess", "feedback_access", "feedback_page", "solution_notebook"]

FEEDBACK_CSP = b"default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
"""The feedback page is self-contained (its stylesheet inline, as in the file ``autograde feedback`` writes):
it may have inline style, and nothing else: no script, no image, no form, no frame."""


@dataclass(frozen=True)
class FeedbackAccess:
    """What of their feedback one student may open now."""

    closes: dt.datetime | None  # when submissions close for them (None: no due date, so never)
    page: bool                  # the feedback page
    solution: bool              # the whole worked-solution notebook (every problem's answer)

    def why_not(self) -> str:
        if self.closes is None:
            return "This assignment has no due date, so its feedback page never opens"
        return f"Your feedback page opens once submissions close for you ({shown(self.closes)})"


def feedback_access(course: Course, assignment: Assignment, student_id: str, now: dt.datetime) -> FeedbackAccess:
    try:
        closes = deadlines(course, assignment).for_student(student_id).closes
    except ConfigError:
        closes = None  # a broken extensions file: nothing opens until the instructor fixes it (grade says how)
    after = closes is not None and now > closes
    # the notebook holds every problem's solution: only a policy that shows every one may hand it out
    whole = course.config.feedback.solution_policy in ("after_due", "always")
    return FeedbackAccess(closes, after, after and whole)


def feedback_page(course: Course, book: Gradebook, assignment: Assignment, student_id: str, now: dt.datetime,
                  back: str = "") -> str:
    """The student's feedback page as ``autograde feedback`` renders it; UploadError 403 before it opens,
    404 while nothing of theirs is graded."""
    from grader.report.feedback import PAGE_STATUSES, FeedbackWriter  # nbconvert is slow to import
    from grader.report.records import student_records

    access = feedback_access(course, assignment, student_id, now)
    if not access.page:
        raise UploadError(403, access.why_not())
    record = next(iter(student_records(course, assignment, book, only=student_id)), None)
    if record is None or record.status not in PAGE_STATUSES:
        raise UploadError(404, f"nothing of yours for {assignment.name} has been graded")
    return FeedbackWriter(course, assignment, now).page(record, back=back)


def solution_notebook(course: Course, assignment: Assignment, student_id: str, now: dt.datetime) -> Path:
    """The student's worked-solution notebook (their own numbers); UploadError 403 unless the policy allows it now."""
    access = feedback_access(course, assignment, student_id, now)
    if not access.page:
        raise UploadError(403, access.why_not().replace("feedback page", "worked solution"))
    if not access.solution:
        raise UploadError(403, "this course shows worked solutions only in your feedback page, for the problems it names")
    path = release_path(course, assignment.name, student_id, worked=True)
    if not path.is_file():
        raise UploadError(404, f"no worked solution of {assignment.name} has been made for you: tell your instructor")
    return path
