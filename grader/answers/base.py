"""What every answer kind shares: the verdict, the kind's interface, and reading notes.

A kind reads a raw JSON answer (``parse``: a value, or a :class:`FormError` saying why it cannot)
and compares it with the reference (``compare`` reads it the same way, then gives a
:class:`Verdict`). ``check_form`` is the reading alone, for ``validate``: never whether it is
right. None of them ever raises, whatever JSON arrives.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar

from grader.answers.display import show
from grader.answers.numbers import FormError
from grader.answers.tolerance import DEFAULT_TOLERANCE, Tolerance

__all__ = ["DEFAULT_TOLERANCE", "MAX_ANSWER_ENTRIES", "RIGHT", "AnswerKind", "FormError", "Reading", "Tolerance",
           "Verdict"]

MAX_ANSWER_ENTRIES = 100_000  # an answer bigger than this is refused before numpy sees it


@dataclass(frozen=True)
class Verdict:
    """The outcome of comparing one answer: ``score`` in [0, 1] and a sentence for the student.

    ``note`` says how the answer was read when that took interpretation (text read as a number,
    a shape read as H×W×C); it is part of ``feedback`` too, and is kept apart so that a right
    answer's note can still be shown.
    """

    score: float
    feedback: str
    answered: bool = True
    pending: bool = False  # graded by hand later
    note: str = ""

    @property
    def correct(self) -> bool:
        return self.answered and not self.pending and self.score >= 1 - 1e-12

    def noted(self, note: str) -> Verdict:
        """This verdict with a note on how the answer was read (added to its sentence)."""
        if not note:
            return self
        sentence = f"Correct ({note})." if self.feedback == RIGHT.feedback else f"{self.feedback} ({note[:1].upper()}{note[1:]}.)"
        return replace(self, feedback=sentence, note=note)


RIGHT = Verdict(1.0, "Correct.")


@dataclass(frozen=True)
class Reading:
    """A family's reading of a whole raw answer into its layout, with notes for the student.

    ``malformed`` marks an answer whose form was wrong (it is then never fully correct).
    """

    value: Any
    notes: tuple[str, ...] = ()
    malformed: bool = False


def _wrong(sentence: str) -> Verdict:
    return Verdict(0.0, sentence)


_show = show  # the name the kinds used before display.py existed


class AnswerKind:
    """One way of answering a part. Subclasses implement ``compare`` and ``describe``."""

    name: ClassVar[str] = "answer"
    none_is_answer: ClassVar[bool] = False
    """Whether ``None`` is an answer of this kind (no value exists), not a part left unanswered."""
    uses_tolerance: ClassVar[bool] = False
    """Whether the tolerance decides what is right (real numbers), so the student is told how precise to be."""

    def compare(self, given: Any, expected: Any, tol: Tolerance = DEFAULT_TOLERANCE) -> Verdict:
        raise NotImplementedError

    def describe(self) -> str:
        """What the student must write, for the notebook's answer cell comment."""
        raise NotImplementedError

    def matches(self, given: Any, value: Any, tol: Tolerance = DEFAULT_TOLERANCE) -> bool:
        return self.compare(given, value, tol).correct

    def parse(self, given: Any, expected: Any = None) -> Any:
        """``given`` read as this kind's value, or a :class:`FormError` saying why it cannot be.

        ``expected`` is the reference, for kinds whose form depends on it (a tensor's shape); a
        kind whose every value can be read takes the default, which reads ``given`` as it is.
        """
        return given

    def check_form(self, given: Any, expected: Any) -> str | None:
        """A sentence when ``given`` cannot be read as this kind (never whether it is right), else None."""
        value = self.parse(given, expected)
        return value.sentence if isinstance(value, FormError) else None
