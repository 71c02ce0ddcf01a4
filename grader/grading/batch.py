"""Plan a grading batch: find submissions, pick each student's latest, build jobs, record results.

Identity comes from where a submission sits (``submitted/<student>/<assignment>/...``) and from
the roster; the variant is recomputed from the course secret. Nothing in the notebook is trusted.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from grader.assignment import Assignment, load_assignment
from grader.config import SAFE_ID, Course, Student
from grader.errors import FamilyError, ReleaseChangedError, SubmissionError
from grader.gradebook import Gradebook, LateMark, PartRecord
from grader.grading.hide import sandbox_for
from grader.grading.jobs import ExecutionOutcome, SubmissionJob
from grader.grading.score import PartRow, ScoringPolicy
from grader.identity import IdentityCheck, RosterStamps, stamp_in_bytes
from grader.late import Deadlines, Lateness, deadlines, shown, submission_time
from grader.limits import Limits
from grader.notebook.read import digest, read_submission_bytes
from grader.notebook.slots import Slot, slots
from grader.outcomes import RunStatus, SubmissionStatus, Verdict
from grader.releases import ReleaseRecord, changes_message, fingerprints
from grader.sandbox.executors import ExecutorName
from grader.sandbox.job import Sandbox
from grader.variants import Variant, solved_variants

__all__ = ["Batch", "Found", "discover", "row_of"]

_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}[-:]\d{2}[-:]\d{2}")


@dataclass(frozen=True)
class Found:
    """One submitted file and where it sits."""

    student_id: str
    path: Path
    submitted_at: str
    stamped: bool = True  # the time is one submit recorded, not a file's modification time

    @property
    def when(self) -> dt.datetime | None:
        """The time lateness is judged by: a copy's modification time says nothing of when it was handed in."""
        return submission_time(self.submitted_at) if self.stamped else None


def _submitted_at(path: Path, folder: Path) -> tuple[str, bool]:
    for part in path.relative_to(folder).parts[:-1]:
        if _STAMP.match(part):
            return part, True
    stamp = path.parent / "timestamp.txt"
    if stamp.is_file() and stamp.stat().st_size < 200:
        return stamp.read_text(errors="replace").strip(), True
    return dt.datetime.fromtimestamp(os.lstat(path).st_mtime, dt.UTC).isoformat(timespec="seconds"), False


def discover(submitted: Path, assignment: str, students: frozenset[str] | None = None) -> list[Found]:
    """Every ``.ipynb`` under ``submitted/<student>/<assignment>/`` (of ``students`` only, if given), oldest first per student."""
    found: list[Found] = []
    if not submitted.is_dir():
        return found
    folders = submitted.iterdir() if students is None else (submitted / sid for sid in students)
    for student_dir in sorted(p for p in folders if p.is_dir() and not p.is_symlink()):
        folder = student_dir / assignment
        if not SAFE_ID.match(student_dir.name) or not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*.ipynb")):
            if any(part.startswith(".") for part in path.relative_to(folder).parts):
                continue  # .ipynb_checkpoints and other hidden copies
            found.append(Found(student_dir.name, path, *_submitted_at(path, folder)))
    return sorted(found, key=lambda f: (f.student_id, f.submitted_at, str(f.path)))


def row_of(row: PartRow) -> PartRecord:
    """A scored part as the gradebook keeps it."""
    r = row.result
    if row.manual:
        verdict = Verdict.PENDING if r.pending else Verdict.UNANSWERED
    elif not r.answered:
        verdict = Verdict.UNANSWERED
    elif r.correct:
        verdict = Verdict.CORRECT
    elif r.carried:
        verdict = Verdict.CARRIED
    else:
        verdict = Verdict.PARTIAL if r.score > 0 else Verdict.WRONG
    return PartRecord(problem_id=row.problem_id, part=row.part, given=r.given, expected=r.expected, score=r.score,
                      max_score=r.max_score, verdict=verdict, feedback=r.feedback, mistake=r.mistake, manual=row.manual)


@dataclass
class Planned:
    """A submission to grade, with everything the grader process needs to score it."""

    found: Found
    student: Student
    sha256: str
    job: SubmissionJob
    variants: dict[str, Variant]
    slots: dict[str, list[Slot]]
    identity: IdentityCheck | None = None  # whose notebook its release stamp says it is: flagged, never trusted


@dataclass
class Batch:
    """One grading run of one assignment (see :meth:`plan`)."""

    course: Course
    assignment: Assignment
    executor: ExecutorName = ExecutorName.KERNEL
    submitted: Path | None = None
    regrade: bool = False
    include_after_cutoff: bool = False
    accept_changes: bool = False  # grade against parameters that changed since release
    gradebook: Gradebook | None = None
    workers: int | None = None  # local workers (default: the course's setting, else the machine's cores); 0: this process
    cluster: str | None = None  # a Dask scheduler's address (default: the course's setting)
    students: frozenset[str] | None = None  # only these students' submissions (the server's: those whose uploads are queued)
    planned: list[Planned] = field(default_factory=list)
    skipped: list[Found] = field(default_factory=list)      # already graded (resume)
    unknown: list[Found] = field(default_factory=list)      # not on the roster
    unreadable: list[tuple[Found, str]] = field(default_factory=list)
    superseded: list[Found] = field(default_factory=list)
    broken: list[tuple[Found, str]] = field(default_factory=list)  # a family's own code raised: not graded, not recorded
    after_cutoff: list[Found] = field(default_factory=list)  # kept, not graded (unless include_after_cutoff)
    lateness: dict[Path, Lateness] = field(default_factory=dict)
    roster_stamps: RosterStamps | None = field(default=None, repr=False)  # checks each notebook's release stamp

    @classmethod
    def open(cls, course: Course, assignment: str, **kw) -> Batch:
        return cls(course=course, assignment=load_assignment(course, assignment), **kw)

    @property
    def address(self) -> str | None:
        """The Dask scheduler to grade on, if any: asked for, else the course's."""
        return self.cluster or self.course.config.cluster

    @property
    def policy(self) -> ScoringPolicy:
        return ScoringPolicy(self.course.config.tolerance, self.course.config.carry_forward)

    @cached_property
    def sandbox(self) -> Sandbox:
        """What this batch's runs must not see: the same for every submission (worked out for each
        one, it cost 1.5-3 ms a submission, serially, before any run could start)."""
        return sandbox_for(self.course)

    @cached_property
    def deadlines(self) -> Deadlines:
        return deadlines(self.course, self.assignment)

    def late_mark(self, f: Found, graded: bool = True) -> LateMark:
        late = self.lateness[f.path]
        due = late.deadline.due
        return LateMark(due.isoformat() if due else None, late.late_days, late.penalty_percent if graded else 0.0)

    @property
    def limits(self) -> Limits:
        return self.course.config.limits

    def plan(self, on_planned: Callable[[int, Planned], None] | None = None) -> Batch:
        """Pick the latest submission per student; skip those already graded (unless regrading).
        ``on_planned(index, planned)`` is called as each is planned (its run may start meanwhile:
        a batch refused at the end, for changed releases, records none of them)."""
        root = self.submitted or self.course.folder("submitted")
        roster = {s.student_id: s for s in self.course.roster()}
        secret, _ = self.course.secret()
        self.roster_stamps = RosterStamps(secret, self.course.config.course, self.assignment.name, roster)
        latest: dict[str, Found] = {}
        graded = self.gradebook.graded_files(self.assignment.name) if self.gradebook and not self.regrade else set()
        for f in discover(root, self.assignment.name, self.students):
            late = self.lateness[f.path] = self.deadlines.for_student(f.student_id).judge(f.when)
            if late.after_cutoff and not self.include_after_cutoff:
                self.after_cutoff.append(f)
                continue
            if f.student_id in latest:
                self.superseded.append(latest[f.student_id])
            latest[f.student_id] = f
        for f in latest.values():
            if f.student_id not in roster:
                self.unknown.append(f)
                continue
            try:
                # a link may not lead out of the student's own folder (to another student's, say)
                data = read_submission_bytes(f.path, self.course.config.limits.submission_mb * 1_000_000, root / f.student_id)
            except SubmissionError as exc:
                self.unreadable.append((f, str(exc)))
                continue
            sha = digest(data)
            if (f.student_id, self.gradebook.stored_path(f.path) if self.gradebook else "", sha) in graded:
                self.skipped.append(f)
                continue
            try:
                planned = self._planned(f, roster[f.student_id], data, sha, secret)
            except FamilyError as exc:  # the course's code, not the student's: left for a rerun once fixed
                self.broken.append((f, str(exc)))
                continue
            self.planned.append(planned)
            if on_planned is not None:
                on_planned(len(self.planned) - 1, planned)
        if not self.accept_changes:
            self._refuse_changed_releases()
        return self

    def _refuse_changed_releases(self) -> None:
        """A student graded on numbers other than those released to them is refused, naming the problems."""
        record = ReleaseRecord.load(self.course, self.assignment.name)
        changes: dict[str, list[str]] = {}
        for p in self.planned:
            for pid in record.changed(p.student.student_id, fingerprints(p.variants)):
                changes.setdefault(pid, []).append(p.student.student_id)
        if changes:
            raise ReleaseChangedError(
                f"the parameters of problems already released changed since generate: {changes_message(changes)}; "
                f"grading would use numbers those students never saw. Restore assignments/{self.assignment.name}/"
                "assignment.toml, or run generate --force to release new notebooks, or grade with --accept-changes")

    def _planned(self, f: Found, student: Student, data: bytes, sha: str, secret: bytes) -> Planned:
        course = self.course
        # a course's own family runs all its code here, so none of it can fail mid-scoring
        vs = solved_variants(secret, course.config.course, self.assignment, student.student_id)
        slot_map = {pid: slots(pid, v.family, v.params) for pid, v in vs.items()}
        params = {pid: v.params.model_dump(mode="json") for pid, v in vs.items()}
        job = SubmissionJob(key=f"{student.student_id}/{self.assignment.name}", data=data, params=params,
                            slots=slot_map, questions=tuple(q.id for q in self.assignment.questions),
                            limits=self.limits, executor=ExecutorName(self.executor),
                            sandbox=self.sandbox,
                            alternatives={pid: v.alternative for pid, v in vs.items() if v.alternative is not None})
        return Planned(f, student, sha, job, vs, slot_map)

    # -- recording ----------------------------------------------------------------------------
    def record_plan(self) -> None:
        """Record what is not graded this run: unknown students, unreadable files, older submissions."""
        if self.gradebook is None:
            return
        name = self.assignment.name
        self.gradebook.add_students((s.student_id, s.name, s.email) for s in self.course.roster())
        for f in self.unknown:
            self.gradebook.record(assignment=name, student_id=f.student_id, path=str(f.path), sha256="",
                                  submitted_at=f.submitted_at, status=SubmissionStatus.NOT_ON_ROSTER,
                                  reason=f"{f.student_id} is not on the roster: reported, not graded")
        for f, reason in self.unreadable:
            self.gradebook.record(assignment=name, student_id=f.student_id, path=str(f.path), sha256="",
                                  submitted_at=f.submitted_at, status=SubmissionStatus.INVALID, reason=reason)
        for f in self.superseded:
            self.gradebook.record(assignment=name, student_id=f.student_id, path=str(f.path), sha256="",
                                  submitted_at=f.submitted_at, status=SubmissionStatus.SUPERSEDED, reason="a later submission was graded")
        for f in self.after_cutoff:
            self.gradebook.record(assignment=name, student_id=f.student_id, path=str(f.path), sha256="",
                                  submitted_at=f.submitted_at, status=SubmissionStatus.AFTER_CUTOFF, late=self.late_mark(f, graded=False),
                                  reason=f"submitted {shown(f.when)}, after the cutoff ({shown(self.lateness[f.path].deadline.cutoff)}): "
                                         "kept, not graded (grade --include-after-cutoff grades it)")
        # an extension granted or a policy changed since: re-mark what is not graded again
        self.gradebook.set_late(name, [(f.student_id, str(f.path), self.late_mark(f)) for f in self.skipped])

    def identify(self, planned: Planned, outcome: ExecutionOutcome) -> None:
        """Check the release stamp the run read in the notebook (parsing each notebook here too cost
        the grading process 0.3 ms a student). A run that never read the notebook (unreadable to
        it, or its worker died) brings none back: then the bytes are read here, as before."""
        if self.roster_stamps is None:
            return
        found = outcome.stamp
        if found is None and outcome.status in (RunStatus.INVALID, RunStatus.FAILED):
            found = stamp_in_bytes(planned.job.data)
        planned.identity = self.roster_stamps.check(planned.student.student_id, found)

    def record(self, planned: Planned, outcome: ExecutionOutcome, rows: Iterable[PartRow]) -> None:
        if self.gradebook is None:
            return
        status = SubmissionStatus.of_run(RunStatus(outcome.status))
        self.gradebook.record(assignment=self.assignment.name, student_id=planned.student.student_id,
                              variants={pid: (v.family.name, planned.job.params[pid]) for pid, v in planned.variants.items()},
                              path=str(planned.found.path), sha256=planned.sha256, submitted_at=planned.found.submitted_at,
                              status=status, reason=outcome.reason, rows=[row_of(r) for r in rows],
                              seconds=outcome.seconds, executor=outcome.executor, late=self.late_mark(planned.found),
                              alternatives=planned.job.alternatives,
                              identity=planned.identity.status if planned.identity else None,
                              released_to=planned.identity.released_to if planned.identity else "")
