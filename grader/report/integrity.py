"""``autograde integrity``: answers that look copied across variants, as evidence for a person to judge.

For every graded part a student got wrong for their own variant, it looks for classmates whose
variant's right answer, or whose own wrong answer, is that value; estimates how likely each match
is by chance from the part's answers over the roster (:mod:`grader.report.coincidence`); adds a
pair's matches into one score; and lists the pairs at or above a threshold, highest first, with the
evidence (parts, values, both submission times, what their notebooks share, a notebook released to
someone else: :mod:`grader.report.notebook_evidence`) and the expected number of pairs that high by
chance, from shuffles of the roster. Nothing here grades, accuses or writes to a student's feedback.

The result is a typed, JSON-serialisable :class:`IntegrityResult`: the terminal table, the report's
section and ``--format json`` are views of it (and a web page can be another).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from grader.assignment import Assignment, load_assignment
from grader.config import Course
from grader.errors import AutogradeError
from grader.gradebook import PartRecord
from grader.late import submission_time
from grader.outcomes import SubmissionStatus, Verdict
from grader.report.coincidence import (
    MAX_CHANCE,
    Answers,
    Match,
    MatchKind,
    answer_key,
    match_problem,
    null_distribution,
    pair_scores,
)
from grader.report.notebook_evidence import ClassNotebooks, read_class_notebooks
from grader.report.records import opened
from grader.variants import Variant, variants

__all__ = ["FALSE_PAIRS", "MIN_THRESHOLD", "PERMUTATIONS", "WRONG", "AnswerMatch", "IntegrityResult", "MatchKind", "PairEvidence",
           "Released", "check_integrity", "class_answers", "find_pairs"]

FALSE_PAIRS = 0.05
"""The default threshold is the lowest score at which the shuffles expect at most this many chance pairs."""
MIN_THRESHOLD = 3.0
"""The default threshold is never lower: a match's chance is at least 1/(n+1), so one problem's match
alone stays below it in a class of fewer than 999 students."""
PERMUTATIONS = 100
"""Shuffles of the roster behind the expected number of chance pairs."""
WRONG = frozenset({Verdict.WRONG, Verdict.PARTIAL, Verdict.CARRIED})
"""Gradebook verdicts of a part answered, but not right for the student's own variant."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class AnswerMatch(_Model):
    """Where a pair's answers to one problem meet: the parts, and the values shared."""

    problem_id: str
    parts: tuple[str, ...]
    values: dict[str, Any] = Field(description="Part -> the shared value, as the wrong student gave it.")
    kind: MatchKind
    wrong: str = Field(description="The student for whom the value is wrong.")
    source: str = Field(description="The student whose right answer (or own wrong answer) it is.")
    wrong_alternative: str | None = Field(None, description="Of a question pool, the version each of them got.")
    source_alternative: str | None = None
    named_mistake: str | None = Field(None, description="When the wrong answer is also a named mistake of its own variant.")
    chance: float = Field(description="Estimated chance that the source student has these values at hand by coincidence.")
    evidence: float = Field(description="-log10(chance): what the match adds to the pair's score.")

    def shown_values(self, limit: int = 60) -> dict[str, str]:
        """Each shared value as short text."""
        return {part: _shown(value, limit) for part, value in self.values.items()}

    @property
    def sentence(self) -> str:
        """The match in words, for a table or a page."""
        values = "; ".join(f"{part} = {value}" for part, value in self.shown_values().items())
        whose = "right answer" if self.kind is MatchKind.their_right_answer else "own wrong answer"
        where = f"{self.problem_id}" + (f" (versions {self.wrong_alternative} / {self.source_alternative})"
                                        if self.wrong_alternative or self.source_alternative else "")
        mistake = f", also their named mistake {self.named_mistake}" if self.named_mistake else ""
        return (f"{where}: {values}: wrong for {self.wrong}{mistake}; {self.source}'s {whose} "
                f"(chance about 1 in {max(1, round(1 / self.chance)):,})")


class Released(_Model):
    """A notebook handed in by one student that was released to another."""

    handed_in_by: str
    released_to: str
    how: str


class PairEvidence(_Model):
    """Two students, the score of their matches and everything a person needs to judge it."""

    students: tuple[str, str]
    score: float
    chance_pairs_this_high: float = Field(description="Expected number of pairs scoring at least this by chance.")
    matches: tuple[AnswerMatch, ...]
    submitted_at: tuple[str | None, str | None] = Field(description="When each handed in (None: did not submit).")
    identical_cells: tuple[str, ...] = Field((), description="First lines of cells only these two notebooks have.")
    identical_formatting: tuple[str, ...] = Field((), description="Problems whose answer cells only these two format this way.")
    released: tuple[Released, ...] = ()


class IntegrityResult(_Model):
    """Everything ``autograde integrity`` found for one assignment."""

    assignment: str
    title: str
    roster: int
    graded: int
    wrong_answers: int = Field(description="Graded parts answered wrong for the student's own variant: what is matched.")
    threshold: float = Field(description="The score at which a pair is listed.")
    threshold_chosen: bool = Field(description="True when the threshold was chosen from the shuffles (no --threshold).")
    permutations: int
    expected_by_chance: float = Field(description="Expected number of pairs at or above the threshold by chance.")
    pairs: tuple[PairEvidence, ...] = Field(description="Pairs at or above the threshold, highest score first.")
    shared_notebooks: tuple[PairEvidence, ...] = Field((), description="Pairs below the threshold whose notebooks share unusual cells.")
    released: tuple[Released, ...] = Field((), description="Every notebook handed in by someone it was not released to.")
    notes: tuple[str, ...] = ()


def _shown(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, separators=(", ", ": "))
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class Shown:
    """What one student's side of a problem looks like to a person: for the evidence, not the maths."""

    alternative: str | None
    given: Mapping[str, Any]
    mistakes: Mapping[str, str]


@dataclass(frozen=True)
class ClassAnswers:
    """The whole roster's answers, problem by problem, as :func:`find_pairs` takes them."""

    students: tuple[str, ...]                       # the roster, in order; Answers.student indexes it
    problems: tuple[str, ...]
    answers: tuple[tuple[Answers, ...], ...]        # per problem, one per student
    shown: tuple[tuple[Shown, ...], ...]
    submitted_at: Mapping[str, str]                 # graded students only
    notes: tuple[str, ...] = ()

    @property
    def wrong_answers(self) -> int:
        return sum(len(a.wrong) for per_problem in self.answers for a in per_problem)

    def strata(self) -> list[int]:
        """Each student's number of problems with a wrong part (-1: no graded submission): the shuffles
        move answers only between students alike in this."""
        wrong = [sum(bool(per_problem[i].wrong) for per_problem in self.answers) for i in range(len(self.students))]
        return [w if sid in self.submitted_at else -1 for sid, w in zip(self.students, wrong)]


def class_answers(assignment: Assignment, roster_variants: Mapping[str, Mapping[str, Variant]],
                  rows: Mapping[str, Sequence[PartRecord]], submitted_at: Mapping[str, str], sig_figs: int = 3,
                  graded_params: Mapping[tuple[str, str], dict] | None = None) -> ClassAnswers:
    """The roster's answers from the recomputed variants and the graded rows (``rows``: gradebook
    result rows of each graded student; ``graded_params``: the parameters each was graded with, to
    leave out answers graded on other numbers than the assignment gives now)."""
    students = tuple(roster_variants)
    problems = tuple(p.id for p in assignment.computed)
    stale: set[str] = set()
    answers, shown = [], []
    for pid in problems:
        per_problem, seen = [], []
        for i, sid in enumerate(students):
            v = roster_variants[sid][pid]
            student_rows = [r for r in rows.get(sid, ()) if r.problem_id == pid and not r.manual]
            if graded_params is not None and student_rows and graded_params.get((sid, pid)) not in (
                    None, v.params.model_dump(mode="json")):
                stale.add(pid)
                student_rows = []
            a, s = _answers(i, v, student_rows, sig_figs)
            per_problem.append(a)
            seen.append(s)
        answers.append(tuple(per_problem))
        shown.append(tuple(seen))
    notes = tuple(f"{pid}: some students were graded on other numbers than {assignment.name} gives now; "
                  "their answers to it were left out (grade again with --regrade)" for pid in sorted(stale))
    return ClassAnswers(students, problems, tuple(answers), tuple(shown), dict(submitted_at), notes)


def _answers(index: int, v: Variant, rows: Sequence[PartRecord], sig_figs: int) -> tuple[Answers, Shown]:
    parts = v.family.parts(v.params)
    right = {name: answer_key(part.expected, sig_figs) for name, part in parts.items()}
    mistakes = tuple({name: answer_key(value, sig_figs) for name, value in v.family.read(v.params, m.answer)[0].items()}
                     for m in v.family.mistakes(v.params))
    given, wrong, raw, named = {}, set(), {}, {}
    for row in rows:
        name = row.part
        key = answer_key(row.given, sig_figs)
        if name not in parts or key is None:
            continue
        given[name], raw[name] = key, row.given
        if row.verdict in WRONG:
            wrong.add(name)
            if row.mistake:
                named[name] = row.mistake
    answers = Answers(index, right, mistakes, given, frozenset(wrong))
    return answers, Shown(v.alternative, raw, named)


def find_pairs(data: ClassAnswers, threshold: float | None = None, permutations: int = PERMUTATIONS,
               max_chance: float = MAX_CHANCE) -> tuple[list[PairEvidence], float, float]:
    """The pairs scoring at least ``threshold``, highest first, the expected number of pairs that high
    by chance, and the threshold (by default the lowest score, at least ``MIN_THRESHOLD``, at which
    the shuffles expect at most ``FALSE_PAIRS`` chance pairs)."""
    matches = [match_problem(q, per_problem, max_chance) for q, per_problem in enumerate(data.answers)]
    floor = MIN_THRESHOLD if threshold is None else min(threshold, MIN_THRESHOLD)
    null = null_distribution(matches, data.strata(), permutations, floor=floor)
    threshold = null.threshold_for(FALSE_PAIRS) if threshold is None else threshold
    scored = pair_scores(m for per_problem in matches for m in per_problem)
    pairs = [_evidence(data, pair, score, kept, null.expected_at_least(score))
             for pair, (score, kept) in scored.items() if score >= threshold - 1e-9]
    pairs.sort(key=lambda p: (-p.score, p.students))
    return pairs, null.expected_at_least(threshold), threshold


def _evidence(data: ClassAnswers, pair: tuple[int, int], score: float, kept: list[Match], chance: float) -> PairEvidence:
    a, b = (data.students[i] for i in pair)
    return PairEvidence(students=(a, b), score=round(score, 2), chance_pairs_this_high=round(chance, 3),
                        matches=tuple(_answer_match(data, m) for m in kept),
                        submitted_at=(data.submitted_at.get(a), data.submitted_at.get(b)))


def _answer_match(data: ClassAnswers, m: Match) -> AnswerMatch:
    wrong, source = data.shown[m.problem][m.wrong], data.shown[m.problem][m.source]
    named = next((wrong.mistakes[p] for p in m.parts if p in wrong.mistakes), None)
    return AnswerMatch(problem_id=data.problems[m.problem], parts=m.parts, values={p: wrong.given[p] for p in m.parts},
                       kind=m.kind, wrong=data.students[m.wrong], source=data.students[m.source],
                       wrong_alternative=wrong.alternative, source_alternative=source.alternative,
                       named_mistake=named, chance=round(m.chance, 6), evidence=round(m.evidence, 2))


def check_integrity(course: Course, assignment_name: str, *, threshold: float | None = None,
                    permutations: int = PERMUTATIONS) -> IntegrityResult:
    """Look for answers copied across variants in an assignment's latest graded submissions
    (``threshold``: a pair's score to be listed; by default chosen from the shuffles, see :func:`find_pairs`)."""
    assignment = load_assignment(course, assignment_name)
    secret, _ = course.secret()
    roster = [s.student_id for s in course.roster()]
    with opened(course) as book:
        graded = {s.student_id: s for s in book.submissions(assignment.name) if s.status == SubmissionStatus.GRADED and s.student_id in roster}
        parts = book.parts_of(sub.id for sub in graded.values())
        rows = {sid: parts[sub.id] for sid, sub in graded.items()}
        graded_params = book.variant_params(assignment.name)
    roster_variants = {sid: variants(secret, course.config.course, assignment, sid) for sid in roster}
    when = {sid: (t.isoformat() if (t := submission_time(s.submitted_at)) else s.submitted_at) for sid, s in graded.items()}
    data = class_answers(assignment, roster_variants, rows, when,
                         course.config.tolerance.sig_figs, graded_params)
    chosen = threshold is None
    pairs, expected, threshold = find_pairs(data, threshold, permutations)
    notebooks = read_class_notebooks(course.root, assignment, graded, roster_variants,
                                     course.config.limits.submission_mb * 1_000_000)
    return _result(assignment, data, pairs, expected, notebooks, threshold, chosen, permutations)


def _result(assignment: Assignment, data: ClassAnswers, pairs: list[PairEvidence], expected: float,
            notebooks: ClassNotebooks, threshold: float, chosen: bool, permutations: int) -> IntegrityResult:
    released = tuple(Released(handed_in_by=sid, released_to=to, how=how) for sid, (to, how) in sorted(notebooks.released_to.items()))
    listed = {p.students for p in pairs}
    pairs = [_with_notebooks(p, notebooks, released) for p in pairs]
    shared = []
    for a, b in notebooks.pairs():
        if (a, b) not in listed and notebooks.shared(a, b).count >= 2:
            shared.append(_with_notebooks(PairEvidence(students=(a, b), score=0.0, chance_pairs_this_high=0.0, matches=(),
                                                       submitted_at=(data.submitted_at.get(a), data.submitted_at.get(b))),
                                          notebooks, released))
    notes = list(data.notes)
    if notebooks.unreadable:
        notes.append(f"{len(notebooks.unreadable)} graded notebook(s) could not be read for their cells "
                     f"({', '.join(sorted(notebooks.unreadable)[:5])}): their answers are still compared")
    return IntegrityResult(assignment=assignment.name, title=assignment.config.title, roster=len(data.students),
                           graded=len(data.submitted_at), wrong_answers=data.wrong_answers,
                           threshold=round(threshold, 2), threshold_chosen=chosen, permutations=permutations, expected_by_chance=round(expected, 3), pairs=tuple(pairs),
                           shared_notebooks=tuple(shared), released=released, notes=tuple(notes))


def _with_notebooks(pair: PairEvidence, notebooks: ClassNotebooks, released: Sequence[Released]) -> PairEvidence:
    shared = notebooks.shared(*pair.students)
    return pair.model_copy(update={
        "identical_cells": shared.identical_cells, "identical_formatting": shared.identical_formatting,
        "released": tuple(r for r in released if {r.handed_in_by, r.released_to} <= set(pair.students))})


def integrity_or_none(course: Course, assignment_name: str) -> tuple[IntegrityResult | None, str]:
    """For the report: the result, or None and why it could not be computed."""
    try:
        return check_integrity(course, assignment_name), ""
    except AutogradeError as exc:
        return None, str(exc)
