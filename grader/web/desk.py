"""What the service does for a signed-in person, free of web types: list, accept uploads, show results.

An upload goes through the checks of ``autograde submit`` in an order that lets each refusal carry
its own HTTP status (:class:`~grader.errors.UploadError`), then ``validate`` and the submission
:class:`~grader.submit.Inbox` file it exactly as ``submit`` does, and it is queued for grading.
What a student is told of a result is cut to the feedback policy here, once, for pages and API alike.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from grader.assignment import Assignment, assignment_names, load_assignment
from grader.config import Course, OnSubmit
from grader.errors import AutogradeError, ConfigError, SubmissionError, UploadError
from grader.generate import release_path
from grader.gradebook import Gradebook
from grader.late import Deadline, deadlines, shown
from grader.notebook.build import METADATA_KEY
from grader.notebook.read import read_notebook
from grader.sandbox.executors import ExecutorName
from grader.service_tables import QueueStatus, utcnow
from grader.submit import Inbox, ValidationReport, check_stamp, validate
from grader.web import queue as q

__all__ = ["AssignmentView", "Desk", "stored_bytes"]

_POLICY_RANK = {"receipt": 0, "validity": 1, "score": 2, "full": 3}


@dataclass(frozen=True)
class AssignmentView:
    name: str
    title: str
    due: str          # the student's own (an extension's), as people read it; "" without one
    closes: str
    extended: bool
    latest: q.QueueItem | None


class Desk:
    """One course's submission desk for the service."""

    def __init__(self, course: Course, book: Gradebook, executor: ExecutorName = ExecutorName.FORK):
        self.course, self.book, self.executor = course, book, executor
        self.clock = utcnow  # what "now" is for deadlines (a test sets its own)
        self._filing = threading.Lock()  # the quota's check and the filing it allows are one step

    # -- what a student may see ------------------------------------------------------------------
    def released(self, student_id: str) -> list[str]:
        return [a for a in assignment_names(self.course) if release_path(self.course, a, student_id).is_file()]

    def assignment(self, student_id: str, name: str) -> Assignment:
        """An assignment released to this student; UploadError 404 otherwise (whether it exists is not said)."""
        if name not in self.released(student_id):
            raise UploadError(404, f"there is no assignment {name!r} for you")
        return load_assignment(self.course, name)

    def deadline(self, assignment: Assignment, student_id: str) -> Deadline | None:
        try:
            return deadlines(self.course, assignment).for_student(student_id)
        except ConfigError:
            return None  # a broken extensions file is the instructor's to fix; grade says how

    def overview(self, student_id: str) -> list[AssignmentView]:
        views = []
        for name in self.released(student_id):
            assignment = load_assignment(self.course, name)
            d = self.deadline(assignment, student_id)
            mine = q.history(self.book.engine, student_id, name)
            views.append(AssignmentView(name, assignment.config.title, shown(d.due) if d and d.due else "",
                                        shown(d.closes) if d and d.closes else "", bool(d and d.extended),
                                        mine[0] if mine else None))
        return views

    def notebook(self, student_id: str, name: str) -> Path:
        self.assignment(student_id, name)
        return release_path(self.course, name, student_id)

    def policy(self, assignment: str) -> OnSubmit:
        try:
            own = load_assignment(self.course, assignment).config.feedback.on_submit
        except AutogradeError:
            own = None
        return own or self.course.config.feedback.on_submit

    # -- an upload -------------------------------------------------------------------------------
    def accept(self, student_id: str, name: str, filename: str, data: bytes, now: dt.datetime | None = None) -> q.QueueItem:
        """Check, validate, file and queue one upload; UploadError with the status that says why not."""
        now = now or self.clock()
        self.assignment(student_id, name)  # 404 unless it is released to this student
        if q.recent_uploads(self.book.engine, student_id, now - dt.timedelta(hours=1)) >= self.course.config.web.uploads_per_hour:
            raise UploadError(429, f"too many uploads: at most {self.course.config.web.uploads_per_hour} an hour; try again later")
        limit = self.course.config.limits.submission_mb
        if len(data) > limit * 1_000_000:
            raise UploadError(413, f"{filename}: {len(data) / 1e6:.1f} MB is larger than the {limit:g} MB limit")
        self._check_quota(student_id, filename, len(data))  # early, before a kernel validates it; again as it is filed
        try:
            nb = read_notebook(data, filename)
        except SubmissionError as exc:
            raise UploadError(415, f"not a notebook: {exc}") from None
        record = nb.metadata.get(METADATA_KEY)
        if not isinstance(record, dict) or not isinstance(record.get("problems"), list):  # as submit reads it
            raise UploadError(415, f"{filename}: not an autograde notebook (no {METADATA_KEY} record in its metadata)")
        if record.get("assignment") != name:
            raise UploadError(400, f"{filename} belongs to assignment {record.get('assignment')!r}, not {name!r}")
        identity = check_stamp(self.course, name, student_id, nb)
        if identity is not None and identity.flagged:
            raise UploadError(403, f"{filename}: {identity.message()}; upload your own notebook")
        try:
            report = validate(Path(filename), self.course.config.limits, data, self.course, self.executor, student_id)
            with self._filing:
                self._check_quota(student_id, filename, len(data))
                filed = Inbox.open(self.course, name).submit(Path(filename), student_id, run=False, now=now, data=data)
        except SubmissionError as exc:
            raise UploadError(400, str(exc)) from None
        assert filed.path is not None  # filed for real (a dry run alone writes nothing)
        late = filed.lateness
        after_cutoff = bool(late and late.after_cutoff)
        return q.enqueue(self.book.engine, assignment=name, student_id=student_id, path=self.book.stored_path(filed.path),
                         submitted_at=now, validation=_validation(report), late=bool(late and late.late),
                         status=QueueStatus.AFTER_CUTOFF if after_cutoff else QueueStatus.QUEUED,
                         reason=late.describe() if late else "")

    def _check_quota(self, student_id: str, filename: str, size: int) -> None:
        """UploadError 413 when filing ``size`` more bytes would take the student past ``web.quota_mb``."""
        quota = self.course.config.web.quota_mb * 1_000_000
        kept = stored_bytes(self.course.folder("submitted") / student_id)
        if kept + size > quota:
            raise UploadError(413, f"{filename} ({size / 1e6:.2f} MB) would take your stored uploads past your "
                                   f"{quota / 1e6:g} MB quota (you keep {kept / 1e6:.2f} MB): ask your instructor to make room")

    # -- what is shown of an upload --------------------------------------------------------------
    def shown(self, item: q.QueueItem, staff: bool = False) -> dict:
        """An upload as a student may see it under the assignment's policy (staff see everything)."""
        policy = "full" if staff else self.policy(item.assignment)
        out: dict = {"id": item.id, "student_id": item.student_id, "assignment": item.assignment,
                     "status": item.status.value, "submitted_at": item.submitted_at.isoformat(timespec="seconds"),
                     "when": shown(item.submitted_at),  # as people read it
                     "late": item.late, "note": item.reason,
                     "policy": policy}
        if _POLICY_RANK[policy] >= 1:
            out["validation"] = item.validation
        if item.status is QueueStatus.GRADED and item.gradebook_id is not None and _POLICY_RANK[policy] >= 2:
            row = next((r for r in self.book.submissions(item.assignment, latest_only=False) if r.id == item.gradebook_id), None)
            if row is not None:
                out["score"], out["max_score"] = row.score, row.max_score
                if policy == "full":
                    out["parts"] = [{k: getattr(r, k) for k in ("problem_id", "part", "score", "max_score", "verdict", "feedback")}
                                    for r in self.book.part_rows(row.id)]
        return out


def stored_bytes(folder: Path) -> int:
    """The bytes of every file under ``folder`` (0 when it does not exist); links are counted, never followed."""
    total = 0
    for where, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(where, name)).st_size
            except FileNotFoundError:
                continue
    return total


def _validation(report: ValidationReport) -> dict:
    """What validate said, as plain JSON: whether each answer is there and well formed, never whether it is right."""
    return {"complete": report.complete, "run_status": report.run_status, "run_reason": report.run_reason,
            "errors": list(report.errors), "problems": [asdict(p) for p in report.problems]}
