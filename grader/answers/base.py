"""What every answer kind shares: the tolerance, the verdict, and the kind's interface."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DEFAULT_TOLERANCE", "MAX_ANSWER_ENTRIES", "RIGHT", "AnswerKind", "Tolerance", "Verdict"]

MAX_ANSWER_ENTRIES = 100_000  # an answer bigger than this is refused before numpy sees it


class Tolerance(BaseModel):
    """How close a real-valued answer must be (integers, shapes and counts are always exact)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sig_figs: int = Field(3, ge=1, le=15, description="A real correctly rounded to this many significant figures is right.")
    rtol: float = Field(0.0, ge=0, description="Extra relative tolerance, on top of the rounding rule.")
    atol: float = Field(1e-6, ge=0, description="Absolute tolerance, which decides when the true value is (near) zero.")

    def allows(self, given: float, expected: float) -> bool:
        slack = max(self.atol, self.rtol * abs(expected))
        if expected != 0 and math.isfinite(expected):
            exponent = math.floor(math.log10(abs(expected)))
            slack = max(slack, 0.5 * 10.0 ** (exponent - self.sig_figs + 1))
        return abs(given - expected) <= slack * (1 + 1e-9) + 1e-12


DEFAULT_TOLERANCE = Tolerance()


@dataclass(frozen=True)
class Verdict:
    """The outcome of comparing one answer: ``score`` in [0, 1] and a sentence for the student."""

    score: float
    feedback: str
    answered: bool = True
    pending: bool = False  # graded by hand later

    @property
    def correct(self) -> bool:
        return self.answered and not self.pending and self.score >= 1 - 1e-12


RIGHT = Verdict(1.0, "Correct.")


def _wrong(sentence: str) -> Verdict:
    return Verdict(0.0, sentence)


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _show(x: Any, limit: int = 60) -> str:
    text = repr(x)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class AnswerKind:
    """One way of answering a part. Subclasses implement ``compare`` and ``describe``."""

    name: ClassVar[str] = "answer"

    def compare(self, given: Any, expected: Any, tol: Tolerance = DEFAULT_TOLERANCE) -> Verdict:
        raise NotImplementedError

    def describe(self) -> str:
        """What the student must write, for the notebook's answer cell comment."""
        raise NotImplementedError

    def matches(self, given: Any, value: Any, tol: Tolerance = DEFAULT_TOLERANCE) -> bool:
        return self.compare(given, value, tol).correct

    def check_form(self, given: Any, expected: Any) -> str | None:
        """A sentence when ``given`` has the wrong type or shape (never whether it is right), else None."""
        verdict = self.compare(given, expected)
        return None if verdict.correct or not verdict.feedback.startswith("Expected") else verdict.feedback
