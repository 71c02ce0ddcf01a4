"""An answer kind for a tensor's shape in PyTorch's own order (``list(output.shape)``).

Not a family (the leading underscore keeps the registry away). ``grader.answers.Shape`` also reads a
channels-last answer as right, which is a convention for images; for the shapes of sequence models
([L, N, D·H], [D·num_layers, N, H]) every order is a different tensor, and an answer with one axis
too many or too few is a known slip that must be named, so the sizes are compared exactly and a
list of another length is an answer of the right form (a list of integers), not a malformed one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from grader.answers import AnswerKind, Integer, Tolerance, Verdict
from grader.answers.base import DEFAULT_TOLERANCE, RIGHT

__all__ = ["Sizes"]

_MAX_AXES = 16


@dataclass(frozen=True)
class Sizes(AnswerKind):
    """A shape as a list of integers in PyTorch's order; partial credit per size when the length is right."""

    name: ClassVar[str] = "sizes"

    def compare(self, given: Any, expected: Any, tol: Tolerance = DEFAULT_TOLERANCE) -> Verdict:
        if not isinstance(given, (list, tuple)) or not 0 < len(given) <= _MAX_AXES:
            return Verdict(0.0, "Expected the shape as a list of integers in PyTorch's order, such as [10, 32, 64].")
        for size in given:
            typed = Integer().compare(size, size)
            if not typed.correct:
                return typed
        expected = list(expected)
        if list(given) == expected:
            return RIGHT
        if len(given) != len(expected):
            return Verdict(0.0, f"The shape has {len(given)} sizes; this tensor has {len(expected)} axes.")
        right = sum(g == e for g, e in zip(given, expected))
        return Verdict(right / len(expected), f"{right} of {len(expected)} sizes are right (PyTorch's order).")

    def check_form(self, given: Any, expected: Any) -> str | None:
        verdict = self.compare(given, given if isinstance(given, (list, tuple)) else expected)
        return None if verdict.correct else verdict.feedback

    def describe(self) -> str:
        return "a list of integers, the sizes in PyTorch's order (as list(tensor.shape))"
