"""Check one answer against a family's reference: per-part verdicts, named mistakes, carried errors.

This is the single place where a student's answer meets the truth; the CLI's ``check``, the
notebook grader and the pytest harness all call :func:`check`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel

from grader.answers import Tolerance, Verdict
from grader.problems.base import Mistake, Part
from grader.problems.registry import Family

__all__ = ["CheckResult", "PartResult", "check", "split_points", "storable", "unreadable"]


class PartResult(BaseModel):
    """The outcome of one part, with everything a gradebook or a report needs."""

    correct: bool
    score: float
    max_score: float
    feedback: str
    answered: bool = True
    pending: bool = False
    mistake: str | None = None
    carried: bool = False
    note: str = ""  # how the answer was read, when that took interpretation
    unreadable: bool = False  # reading or comparing the answer raised: wrong, its points kept in the maximum
    given: Any = None
    expected: Any = None


class CheckResult(BaseModel):
    """The outcome of a whole answer; ``verdict()`` is the JSON printed by ``autograde check``."""

    correct: bool
    score: float
    max_score: float
    feedback: list[str]
    mistakes: list[str]
    parts: dict[str, PartResult]
    unanswered: list[str] = []

    def verdict(self) -> dict[str, Any]:
        return {
            "correct": self.correct,
            "score": _round(self.score),
            "max_score": _round(self.max_score),
            "feedback": self.feedback,
            "mistakes": self.mistakes,
            "unanswered": self.unanswered,
            "parts": {
                name: {"correct": r.correct, "score": _round(r.score), "max_score": _round(r.max_score),
                       "feedback": r.feedback}
                for name, r in self.parts.items()
            },
        }


def _round(x: float) -> float:
    return round(x, 6)


def unreadable(exc: BaseException) -> str:
    """The sentence for an answer whose reading or comparing raised ``exc``."""
    return f"This answer could not be read: {type(exc).__name__}: {str(exc)[:200]}"


def storable(value: Any) -> Any:
    """``value``, unless the gradebook could not store it as JSON (then a sentence saying so)."""
    try:
        json.dumps(value)
    except (ValueError, TypeError, RecursionError):
        return "<a value that cannot be stored>"
    return value


def split_points(parts: Mapping[str, Part], points: float | Mapping[str, float] | None) -> dict[str, float]:
    """Points per part: the parts' weights, a total shared by weight, or an explicit mapping."""
    if points is None:
        return {k: p.weight for k, p in parts.items()}
    if isinstance(points, Mapping):
        return {k: float(points.get(k, 0.0)) for k in parts}
    total = sum(p.weight for p in parts.values())
    return {k: points * p.weight / total for k, p in parts.items()}


def check(
    family: Family,
    params: Any,
    answer: Any,
    *,
    points: float | Mapping[str, float] | None = None,
    tolerance: Tolerance | None = None,
    carry_forward: float = 1.0,
    only_given: bool = True,
) -> CheckResult:
    """Grade ``answer`` for ``params``.

    Args:
        points: per-part points (mapping), a total shared by the parts' weights, or ``None`` for
            the weights themselves.
        carry_forward: the share of a part's points earned when it is wrong but right given the
            student's own earlier answers (0 turns error-carried-forward off).
        only_given: grade only the parts the answer gives (``autograde check``); otherwise an
            unanswered part scores 0 (grading a submission). Either way the parts not answered
            are listed; an answer whose every given part is right is correct only if its form
            was right too (no unknown keys, the layout asked for).
    """
    params = family.params(params)
    tol = tolerance or family.tolerance
    parts = family.parts(params)
    given, notes, malformed = family.read(params, answer)
    shares = split_points(parts, points)
    ranked: list | None = None

    def mistake_values() -> list:  # only a wrong answer needs the mistakes, ranked once
        nonlocal ranked
        if ranked is None:
            ranked = _ranked(parts, given, [(m, family.read(params, m.answer)[0]) for m in family.mistakes(params)], tol)
        return ranked

    results: dict[str, PartResult] = {}
    for name, part in parts.items():
        value = given.get(name)
        blank = value is None and not _none_is_an_answer(family, part)
        if blank and only_given:
            continue
        if blank:
            verdict = Verdict(0.0, "Not answered.", answered=False)
        else:
            try:
                verdict = part.kind.compare(value, part.expected, tol)
            except Exception as exc:  # noqa: BLE001 - whatever a student's value sets off, this part is wrong, not gone
                results[name] = PartResult(correct=False, score=0.0, max_score=shares[name], feedback=unreadable(exc),
                                           unreadable=True, given=storable(value), expected=part.expected)
                continue
        results[name] = _score(name, part, value, verdict, shares[name], given, mistake_values, tol, carry_forward)

    if notes and not only_given:  # a submission's page shows each part's feedback, not the answer's notes
        for result in results.values():
            if result.answered:
                result.feedback = " ".join([result.feedback, *notes])
    graded = list(results.values())
    unanswered = [name for name in parts if name not in results or not results[name].answered]
    correct = bool(graded) and not malformed and all(r.correct for r in graded)
    feedback = notes + [f"{name}: {r.feedback}" for name, r in results.items() if not r.correct or r.note]
    answered = [r for r in graded if r.answered]
    if not answered:
        if not malformed:
            feedback.append("Nothing was answered.")
    elif all(r.correct for r in graded):
        feedback.append("Every part given is right." if not malformed else
                        "Every part given is right, but the answer is not marked correct because of its form (see above).")
    if only_given and answered and unanswered:
        feedback.append(f"Not answered: {', '.join(unanswered)}.")
    mistakes = list(dict.fromkeys(r.mistake for r in graded if r.mistake))
    return CheckResult(
        correct=correct,
        score=sum(r.score for r in graded),
        max_score=sum(r.max_score for r in graded),
        feedback=feedback,
        mistakes=mistakes,
        parts=results,
        unanswered=unanswered,
    )


def _none_is_an_answer(family: Family, part: Part) -> bool:
    # In a one-value answer where None is meaningful (a target that cannot be reached), None is given.
    return family.layout == "value" and part.kind.none_is_answer


def _score(
    name: str,
    part: Part,
    value: Any,
    verdict: Verdict,
    points: float,
    given: Mapping[str, Any],
    mistake_values: Callable[[], list[tuple[Mistake, dict[str, Any]]]],
    tol: Tolerance,
    carry_forward: float,
) -> PartResult:
    result = PartResult(correct=verdict.correct, score=points * verdict.score, max_score=points,
                        feedback=verdict.feedback, answered=verdict.answered, pending=verdict.pending,
                        given=value, expected=part.expected, note=verdict.note)
    if verdict.correct or not verdict.answered or verdict.pending:
        return result
    if carry_forward > 0 and part.carry is not None:
        carried = _carried(part.carry, given)
        if carried is not None and _matches(part, value, carried, tol):
            return result.model_copy(update={
                "score": max(result.score, points * carry_forward), "carried": True,
                "feedback": "Right for your own earlier answer, which was wrong: credit carried forward.",
            })
    for mistake, values in mistake_values():
        if _matches(part, value, values.get(name), tol):
            return result.model_copy(update={"mistake": mistake.name,
                                             "feedback": f"{verdict.feedback} {mistake.message}"})
    return result


def _ranked(parts: Mapping[str, Part], given: Mapping[str, Any], mistake_values: list, tol: Tolerance) -> list:
    """Mistakes that explain more of the student's answer first, so a whole-answer match is named
    rather than an earlier mistake that happens to share one wrong part with it."""
    def explained(values: dict[str, Any]) -> int:
        return sum(_matches(p, given.get(k), values.get(k), tol) for k, p in parts.items() if given.get(k) is not None)
    if not any(v is not None for v in given.values()):
        return mistake_values
    return sorted(mistake_values, key=lambda mv: -explained(mv[1]))


def _matches(part: Part, value: Any, reference: Any, tol: Tolerance) -> bool:
    if reference is None and not part.kind.none_is_answer:
        return False
    try:
        return part.kind.matches(value, reference, tol)
    except Exception:  # noqa: BLE001 - a reference built from a student's own values may be malformed
        return False


def _carried(carry: Callable[[Mapping[str, Any]], Any], given: Mapping[str, Any]) -> Any:
    try:
        return carry(given)
    except Exception:  # noqa: BLE001 - student values of any type reach the family's carry function
        return None
