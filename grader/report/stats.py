"""What the instructor report says, as plain numbers: computed from the gradebook, no plotting.

Scores are of the submissions that ran (status ``graded``); those that failed to run, could not
be read or came from someone not on the roster are listed with their reason instead, since their
zeros say nothing about the problems. Free-text answers still waiting for a human grader are left
out of both the points earned and the points available, so a score is "of what is graded so far".
"""

from __future__ import annotations

import dataclasses
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from grader.assignment import Assignment, Pool, Problem
from grader.errors import AutogradeError
from grader.gradebook import Gradebook, PartRecord, SubmissionRecord
from grader.identity import IdentityCheck
from grader.outcomes import SubmissionStatus, Verdict
from grader.report.difficulty import MIN_N, MIN_SPREAD, ParamEffect, parameter_effects
from grader.report.records import lateness_of

__all__ = ["AssignmentStats", "Headline", "LateEntry", "MistakeStats", "PartStats", "ProblemStats", "Trouble", "assignment_stats",
           "headline"]

TROUBLE = (SubmissionStatus.FAILED, SubmissionStatus.INVALID, SubmissionStatus.NOT_ON_ROSTER, SubmissionStatus.AFTER_CUTOFF)
"""Statuses of a submission listed with its reason, in this order."""


@dataclass(frozen=True)
class Headline:
    graded: int
    failed: int
    invalid: int
    not_on_roster: int
    missing: int | None                 # roster students with no submission (None: roster not given)
    scores: tuple[float, ...]           # per graded submission, a fraction of the points graded so far
    pending: int                        # free-text answers waiting for a human grader
    last_graded: str | None
    late: int = 0                       # graded submissions that came after their due date

    @property
    def mean(self) -> float | None:
        return statistics.fmean(self.scores) if self.scores else None

    @property
    def median(self) -> float | None:
        return statistics.median(self.scores) if self.scores else None


@dataclass
class PartStats:
    """Where one part's (or one problem's) points went, summed over the graded submissions.

    The shares add up to 1: credit for right answers, credit carried forward from a wrong earlier
    answer, points lost to wrong answers, to unanswered parts and to answers awaiting hand grading.
    """

    problem_id: str
    part: str | None                     # None: the whole problem
    points: float = 0.0
    earned: float = 0.0
    carried: float = 0.0
    wrong: float = 0.0
    unanswered: float = 0.0
    pending: float = 0.0
    verdicts: Counter[Verdict] = field(default_factory=Counter)

    def add(self, row: PartRecord) -> None:
        top, score, verdict = float(row.max_score), float(row.score), row.verdict
        self.points += top
        self.verdicts[verdict] += 1
        if verdict == Verdict.PENDING:
            self.pending += top
        elif verdict == Verdict.UNANSWERED:
            self.unanswered += top - score
            self.earned += score
        elif verdict == Verdict.CARRIED:
            self.carried += score
            self.wrong += top - score
        else:
            self.earned += score
            self.wrong += top - score

    def share(self, what: str) -> float:
        return getattr(self, what) / self.points if self.points else 0.0

    @property
    def mean(self) -> float | None:
        """Mean fraction of the points, counting carried credit, over what has been graded."""
        graded = self.points - self.pending
        return (self.earned + self.carried) / graded if graded else None

    @property
    def label(self) -> str:
        return self.part or self.problem_id


@dataclass(frozen=True)
class MistakeStats:
    problem_id: str
    name: str
    students: int
    share: float                         # of the graded submissions
    parts: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class ProblemStats:
    """One problem's results. Of a question pool: ``parts`` holds one row per alternative (its
    points over the students who got it) and ``alternatives`` each alternative's own stats."""

    problem_id: str
    title: str
    computed: bool
    total: PartStats
    parts: tuple[PartStats, ...]
    mistakes: tuple[MistakeStats, ...]
    effects: tuple[ParamEffect, ...]
    alternative: str | None = None                 # for the stats of one alternative of a pool
    alternatives: tuple[ProblemStats, ...] = ()    # for a pool: per alternative

    @property
    def label(self) -> str:
        return self.problem_id if self.alternative is None else f"{self.problem_id}/{self.alternative}"

    @property
    def versions(self) -> tuple[ProblemStats, ...]:
        """Of a pool, its alternatives; of any other problem, itself: where parts and mistakes live."""
        return self.alternatives or (self,)


@dataclass(frozen=True)
class Trouble:
    """A submission that was not graded normally, and why."""

    student_id: str
    status: SubmissionStatus
    reason: str
    path: str
    submitted_at: str


@dataclass(frozen=True)
class LateEntry:
    """A student whose submission came late, after the cutoff, or under an extension."""

    student_id: str
    status: SubmissionStatus
    late_days: int | None
    penalty_percent: float
    extended: bool
    note: str                            # the late rule's sentence


@dataclass(frozen=True)
class AssignmentStats:
    assignment: str
    title: str
    headline: Headline
    problems: tuple[ProblemStats, ...]
    trouble: tuple[Trouble, ...]
    min_n: int = MIN_N                   # the thresholds the parameter effects were flagged with
    min_spread: float = MIN_SPREAD
    late: tuple[LateEntry, ...] = ()
    not_theirs: tuple[IdentityCheck, ...] = ()  # graded notebooks released to someone else (grader.identity)

    @property
    def pools(self) -> list[ProblemStats]:
        return [p for p in self.problems if p.alternatives]

    @property
    def mistakes(self) -> list[MistakeStats]:
        return [m for p in self.problems for m in p.mistakes]

    @property
    def effects(self) -> list[ParamEffect]:
        return [e for p in self.problems for e in p.effects]

    @property
    def flagged(self) -> list[ParamEffect]:
        """Flagged effects, clear ones first, widest gap first."""
        return sorted((e for e in self.effects if e.flagged),
                      key=lambda e: (not e.clear, -(e.spread or 0), e.problem_id, e.param))


def _score(rows: list[PartRecord]) -> float | None:
    counted = [r for r in rows if r.verdict != Verdict.PENDING]
    top = sum(r.max_score for r in counted)
    return sum(r.score for r in counted) / top if top else None


def _headline(subs: list[SubmissionRecord], results: dict[int, list[PartRecord]], roster: Iterable[str] | None) -> Headline:
    counts = Counter(s.status for s in subs)
    graded = [s for s in subs if s.status == SubmissionStatus.GRADED]
    # what the student gets: net of any late penalty
    scores = tuple(x * (1 - (s.penalty_percent or 0) / 100) for s in graded if (x := _score(results[s.id])) is not None)
    missing = None
    if roster is not None:
        submitted = {s.student_id for s in subs}
        missing = sum(1 for sid in roster if sid not in submitted)
    stamps = [s.graded_at for s in subs if s.graded_at]
    return Headline(graded=counts[SubmissionStatus.GRADED], failed=counts[SubmissionStatus.FAILED],
                    invalid=counts[SubmissionStatus.INVALID], not_on_roster=counts[SubmissionStatus.NOT_ON_ROSTER],
                    missing=missing, scores=scores,
                    pending=sum(r.verdict == Verdict.PENDING for s in graded for r in results[s.id]),
                    last_graded=max(stamps) if stamps else None, late=sum(bool(s.late_days) for s in graded))


def _late(subs: list[SubmissionRecord], every: list[SubmissionRecord], assignment: Assignment) -> tuple[LateEntry, ...]:
    """Each student's graded (or kept) submission that was late or extended, and any file kept after
    the cutoff behind an earlier one that was graded: the instructor may want to grade it after all."""
    latest = {s.id for s in subs}
    entries = []
    for s in every:
        late = lateness_of(s, assignment.due)
        if late is None or s.id not in latest and s.status != SubmissionStatus.AFTER_CUTOFF:
            continue
        if late.late or late.after_cutoff or late.deadline.extended:
            note = late.describe() + ("" if s.id in latest else " Kept, not graded: an earlier submission was.")
            entries.append(LateEntry(s.student_id, s.status, late.late_days, late.penalty_percent,
                                     late.deadline.extended, note))
    return tuple(sorted(entries, key=lambda e: e.student_id))


def headline(book: Gradebook, assignment_name: str, roster: Iterable[str] | None = None) -> Headline:
    """The report's headline alone: counts and scores of every latest submission in the gradebook."""
    subs = book.submissions(assignment_name)
    return _headline(subs, book.parts_of((s.id for s in subs), values=False), roster)


def _part_order(problem: Problem | None, names: set[str], params: list[dict]) -> list[str]:
    """Parts in the order the family's solver lists them (the notebook's order), else by name."""
    order: list[str] = []
    if problem is not None:
        for p in params:
            if names <= set(order):
                break
            try:
                order += [n for n in problem.family.parts(problem.family.params(p)) if n not in order]
            except AutogradeError:
                continue  # parameters the family no longer accepts: fall back to names
    return [n for n in order if n in names] + sorted(names - set(order))


def _message(problem: Problem | None, name: str, params: dict | None, feedback: str) -> str:
    """The mistake's own sentence from its family, or else the feedback a student got for it."""
    if problem is not None and params is not None:
        try:
            for m in problem.family.mistakes(problem.family.params(params)):
                if m.name == name:
                    return m.message
        except AutogradeError:
            pass
    return feedback


def _mistakes(pid: str, problem: Problem | None, rows: list[tuple[str, PartRecord]], graded: int,
              params: dict[tuple[str, str], dict], top: int, label: str = "") -> tuple[MistakeStats, ...]:
    students: dict[str, set[str]] = defaultdict(set)
    parts: dict[str, set[str]] = defaultdict(set)
    example: dict[str, tuple[str, str]] = {}
    for sid, row in rows:
        name = row.mistake
        if not name:
            continue
        students[name].add(sid)
        parts[name].add(row.part)
        if name not in example or sid < example[name][0]:
            example[name] = (sid, row.feedback)
    ranked = sorted(students, key=lambda n: (-len(students[n]), n))[:top]
    return tuple(
        MistakeStats(problem_id=label or pid, name=n, students=len(students[n]), share=len(students[n]) / graded if graded else 0.0,
                     parts=tuple(sorted(parts[n])),
                     message=_message(problem, n, params.get((example[n][0], pid)), example[n][1]))
        for n in ranked)


@dataclass(frozen=True)
class _Limits:
    """What every problem's stats are computed with."""

    graded: int
    params: dict[tuple[str, str], dict]
    top_mistakes: int
    min_n: int
    min_spread: float


def _problem_stats(pid: str, title: str, problem: Problem | None, rows: list[tuple[str, PartRecord]], limits: _Limits,
                   alternative: str | None = None) -> ProblemStats:
    label = pid if alternative is None else f"{pid}/{alternative}"
    params = limits.params
    total = PartStats(pid, None)
    by_part: dict[str, PartStats] = {}
    per_student: dict[str, list[PartRecord]] = defaultdict(list)
    for sid, row in rows:
        total.add(row)
        by_part.setdefault(row.part, PartStats(pid, row.part)).add(row)
        per_student[sid].append(row)
    students = sorted(per_student)
    names = _part_order(problem, set(by_part), [params[(sid, pid)] for sid in students if (sid, pid) in params])
    effects: list[ParamEffect] = []
    if problem is not None:
        samples = [(params[(sid, pid)], score) for sid in students
                   if (sid, pid) in params and (score := _score(per_student[sid])) is not None]
        effects = parameter_effects(label, samples, min_n=limits.min_n, min_spread=limits.min_spread)
    return ProblemStats(problem_id=pid, title=title, computed=problem is not None, total=total,
                        parts=tuple(by_part[n] for n in names),
                        mistakes=_mistakes(pid, problem, rows, limits.graded, params, limits.top_mistakes, label),
                        effects=tuple(effects), alternative=alternative)


def _pool_stats(pool: Pool, rows: list[tuple[str, PartRecord]], chosen: dict[tuple[str, str], str], limits: _Limits) -> ProblemStats:
    """A pool: its total, one row per alternative, each alternative's own stats, and whether the
    alternatives differ in difficulty (compared like a parameter's values)."""
    pid = pool.id
    total = PartStats(pid, None)
    by_alternative: dict[str, list[tuple[str, PartRecord]]] = defaultdict(list)
    for sid, row in rows:
        total.add(row)
        if (sid, pid) in chosen:  # graded before the pool existed: in the total only
            by_alternative[chosen[(sid, pid)]].append((sid, row))
    names = [a.alternative for a in pool.alternatives if a.alternative in by_alternative]
    names += sorted(set(by_alternative) - set(names))  # an alternative since removed from the pool
    alternatives = []
    for name in names:
        problem = next((a for a in pool.alternatives if a.alternative == name), None)
        title = problem.title if problem is not None else name
        alternatives.append(_problem_stats(pid, title, problem, by_alternative[name], limits, alternative=name))
    per_student: dict[str, list[PartRecord]] = defaultdict(list)
    for sid, row in rows:
        per_student[sid].append(row)
    samples = [({"alternative": chosen[(sid, pid)]}, score) for sid, student_rows in sorted(per_student.items())
               if (sid, pid) in chosen and (score := _score(student_rows)) is not None]
    effects = parameter_effects(pid, samples, min_n=limits.min_n, min_spread=limits.min_spread)
    return ProblemStats(problem_id=pid, title=pool.title, computed=True, total=total,
                        parts=tuple(_alternative_row(a) for a in alternatives),
                        mistakes=tuple(m for a in alternatives for m in a.mistakes),
                        effects=tuple(effects) + tuple(e for a in alternatives for e in a.effects),
                        alternatives=tuple(alternatives))


def _alternative_row(stats: ProblemStats) -> PartStats:
    """An alternative's total, as one row under its pool."""
    return dataclasses.replace(stats.total, part=stats.alternative, verdicts=Counter(stats.total.verdicts))


def assignment_stats(book: Gradebook, assignment: Assignment, roster: Iterable[str] | None = None, *,
                     top_mistakes: int = 5, min_n: int = MIN_N, min_spread: float = MIN_SPREAD) -> AssignmentStats:
    """Everything the instructor report shows for one assignment, from the gradebook.

    Args:
        roster: student ids expected to submit; when given, the headline counts those who did not.
        top_mistakes: named mistakes kept per problem, most students first.
        min_n, min_spread: when a parameter's effect is flagged (see :mod:`grader.report.difficulty`).
    """
    subs = book.submissions(assignment.name)
    results = book.parts_of(s.id for s in subs)
    graded = [s for s in subs if s.status == SubmissionStatus.GRADED]
    params = book.variant_params(assignment.name)
    chosen = book.variant_alternatives(assignment.name)
    limits = _Limits(len(graded), params, top_mistakes, min_n, min_spread)

    rows_by_problem: dict[str, list[tuple[str, PartRecord]]] = defaultdict(list)
    for s in graded:
        for row in results[s.id]:
            rows_by_problem[row.problem_id].append((s.student_id, row))
    known = [p.id for p in assignment.problems]
    order = known + sorted(set(rows_by_problem) - set(known))

    problems = []
    for pid in order:
        item = next((p for p in assignment.problems if p.id == pid), None)
        rows = rows_by_problem.get(pid, [])
        if isinstance(item, Pool):
            problems.append(_pool_stats(item, rows, chosen, limits))
            continue
        problem = item if isinstance(item, Problem) else None
        title = (item.title or item.id) if item is not None else pid
        problems.append(_problem_stats(pid, title, problem, rows, limits))

    trouble = tuple(Trouble(s.student_id, s.status, s.reason, s.path, s.submitted_at)
                    for s in sorted(subs, key=lambda s: (TROUBLE.index(s.status) if s.status in TROUBLE else 0, s.student_id))
                    if s.status in TROUBLE)
    return AssignmentStats(assignment=assignment.name, title=assignment.config.title,
                           headline=_headline(subs, results, roster), problems=tuple(problems), trouble=trouble,
                           min_n=min_n, min_spread=min_spread, not_theirs=_not_theirs(subs),
                           late=_late(subs, book.submissions(assignment.name, latest_only=False), assignment))


def _not_theirs(subs: list[SubmissionRecord]) -> tuple[IdentityCheck, ...]:
    checks = (IdentityCheck.stored(s.student_id, s.identity, s.released_to) for s in subs)
    return tuple(c for c in checks if c is not None and c.flagged)
