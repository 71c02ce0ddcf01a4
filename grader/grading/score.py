"""Score a run's answers against the recomputed variants, part by part, in the grader's process."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from grader.answers import Tolerance
from grader.assignment import Assignment, Problem, QuestionConfig
from grader.checking import CheckResult, PartResult, check, split_points, storable, unreadable
from grader.grading.jobs import ExecutionOutcome
from grader.notebook.slots import Slot, to_answer
from grader.outcomes import RunStatus
from grader.variants import Variant

__all__ = ["PartRow", "ScoringPolicy", "manual_part", "part_rows", "score_problem"]

RUN_TROUBLE = {
    RunStatus.TIMEOUT: "the notebook ran out of time",
    RunStatus.DIED: "the kernel died",
    RunStatus.FAILED: "the notebook could not be run",
    RunStatus.INVALID: "the submission could not be read",
}


@dataclass(frozen=True)
class ScoringPolicy:
    tolerance: Tolerance = field(default_factory=Tolerance)
    carry_forward: float = 1.0


@dataclass
class PartRow:
    """One graded part of one submission: what a gradebook row and a pytest item hold."""

    problem_id: str
    part: str
    result: PartResult
    manual: bool = False


def score_problem(problem: Problem, variant: Variant, slots: list[Slot], outcome: ExecutionOutcome,
                  policy: ScoringPolicy) -> CheckResult:
    """Check one problem's collected answer, with notes on the run where they explain a gap.

    Never raises for anything in the answer: a problem whose answer cannot be read or compared has
    every part wrong with the reason, and keeps its full points in the student's maximum.
    """
    raw = to_answer(problem.family, slots, outcome.values)
    try:
        result = check(problem.family, variant.params, raw, points=problem.config.points,
                       tolerance=problem.config.tolerance or policy.tolerance,
                       carry_forward=policy.carry_forward, only_given=False)
    except Exception as exc:  # noqa: BLE001 - a problem must never vanish from the maximum
        result = _unreadable(problem, variant, raw, exc)
    extra = list(outcome.notes.get(problem.id, []))
    errors = [e for e in outcome.errors if outcome.cell_problem.get(e.cell_id) == problem.id]
    if errors:
        extra.append(f"Your answer cell raised {errors[0].ename}: {errors[0].evalue}"[:300])
    trouble = RUN_TROUBLE.get(outcome.status)
    for part in result.parts.values():
        notes = list(extra)
        if trouble and not part.answered:
            notes.append(f"No answer was recorded: {trouble} ({outcome.reason}).")
        if notes:
            part.feedback = " ".join([part.feedback, *notes])
    return result


def _unreadable(problem: Problem, variant: Variant, raw: Any, exc: Exception) -> CheckResult:
    """Every part of the problem wrong, with the reason and its points (from the trusted variant)."""
    parts = problem.family.parts(variant.params)
    shares = split_points(parts, problem.config.points)
    results = {name: PartResult(correct=False, score=0.0, max_score=shares[name], feedback=unreadable(exc),
                                unreadable=True, given=storable(raw.get(name) if isinstance(raw, dict) else raw),
                                expected=part.expected)
               for name, part in parts.items()}
    return CheckResult(correct=False, score=0.0, max_score=sum(shares.values()), feedback=[unreadable(exc)],
                       mistakes=[], parts=results)


def manual_part(question: QuestionConfig, text: str | None) -> PartResult:
    """A free-text answer: recorded as pending for a grader, or unanswered."""
    answered = bool(text and text.strip())
    return PartResult(correct=False, score=0.0, max_score=question.points, answered=answered, pending=answered,
                      feedback="Recorded; graded by hand." if answered else "Not answered.",
                      given=text if answered else None)


def part_rows(assignment: Assignment, variants: dict[str, Variant], slots: dict[str, list[Slot]],
              outcome: ExecutionOutcome, policy: ScoringPolicy) -> list[PartRow]:
    """Every part of every problem, in assignment order: what a submission's result holds."""
    rows: list[PartRow] = []
    for item in assignment.problems:
        if isinstance(item, QuestionConfig):
            rows.append(PartRow(item.id, "answer", manual_part(item, outcome.free_text.get(item.id)), manual=True))
            continue
        variant = variants[item.id]  # of a pool: the alternative this student got
        result = score_problem(variant.problem, variant, slots[item.id], outcome, policy)
        rows.extend(PartRow(item.id, name, part) for name, part in result.parts.items())
    return rows
