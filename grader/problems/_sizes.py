"""An answer kind for a tensor's shape in PyTorch's own order (``list(output.shape)``).

Not a family (the leading underscore keeps the registry away). ``grader.answers.Shape`` also reads a
channels-last answer as right, which is a convention for images; for the shapes of sequence models
([L, N, D·H], [D·num_layers, N, H]) every order is a different tensor, and an answer with one axis
too many or too few is a known slip that must be named, so the sizes are compared exactly and a
list of another length is an answer of the right form (a list of integers), not a malformed one.
Sizes may be written as text, and so may the whole shape (``"torch.Size([5, 3, 20])"``, ``"(5, 3, 20)"``,
``"5x3x20"``): always read in the order written, PyTorch's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from grader.answers import AnswerKind, FormError, Tolerance, Verdict
from grader.answers.base import DEFAULT_TOLERANCE, RIGHT
from grader.answers.display import show
from grader.answers.numbers import read_integer
from grader.answers.shapes import ShapeText, parse_sizes

__all__ = ["Sizes"]

_MAX_AXES = 16
_WANTED = "Expected the shape as a list of integers in PyTorch's order, such as [10, 32, 64]."


@dataclass(frozen=True)
class Sizes(AnswerKind):
    """A shape as a list of integers in PyTorch's order; partial credit per size when the length is right."""

    name: ClassVar[str] = "sizes"

    def parse(self, given: Any, expected: Any = None) -> tuple[list[int], str] | FormError:
        """The sizes in the order written, and how they were read ("" for a list of integers)."""
        if isinstance(given, str):
            parsed = parse_sizes(given, most=_MAX_AXES)
            if not isinstance(parsed, ShapeText):  # a FormError: parse_sizes gives None only for neither text nor a list
                return FormError(f"Could not read {show(given)} as a shape: {parsed.sentence if parsed is not None else ''} {_WANTED}")
            return list(parsed.numbers), f"read {show(given)} as {show(list(parsed.numbers))}"
        if not isinstance(given, (list, tuple)) or not 0 < len(given) <= _MAX_AXES:
            return FormError(_WANTED)
        sizes, noted = [], False
        for size in given:
            read = read_integer(size)
            if isinstance(read, FormError):
                return read
            sizes.append(read[0])
            noted = noted or bool(read[1])
        return sizes, f"read {show(given)} as {show(sizes)}" if noted else ""

    def compare(self, given: Any, expected: Any, tol: Tolerance = DEFAULT_TOLERANCE) -> Verdict:
        read = self.parse(given)
        if isinstance(read, FormError):
            return Verdict(0.0, read.sentence)
        sizes, note = read
        expected = list(expected)
        if sizes == expected:
            return RIGHT.noted(note)
        if len(sizes) != len(expected):
            sizes_given = f"{len(sizes)} size{'s' if len(sizes) > 1 else ''}"
            return Verdict(0.0, f"The shape has {sizes_given}; this tensor has {len(expected)} axes.").noted(note)
        right = sum(g == e for g, e in zip(sizes, expected))
        return Verdict(right / len(expected), f"{right} of {len(expected)} sizes are right (PyTorch's order).").noted(note)

    def describe(self) -> str:
        return "a list of integers, the sizes in PyTorch's order (as list(tensor.shape))"
