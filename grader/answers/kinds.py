"""Scalar, list, choice, text and expression answers (shapes are in ``shapes.py``, tensors in ``arrays.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from grader.answers.base import DEFAULT_TOLERANCE, RIGHT, AnswerKind, FormError, Tolerance, Verdict, _wrong
from grader.answers.display import show
from grader.answers.numbers import Number, read_integer, read_number
from grader.answers.shapes import Shape, ShapeText, parse_sizes, read_shape, split_shape  # noqa: F401 - Shape and the readers keep their old home
from grader.answers.tolerance import Judgement

__all__ = ["Choice", "Expression", "FreeText", "Integer", "IntegerList", "OptionalInteger", "Real", "Shape",
           "read_shape", "split_shape"]

NONE_WORDS = frozenset({"none", "null", "nil", "never", "impossible", "unreachable", "no solution"})


@dataclass(frozen=True)
class Integer(AnswerKind):
    """An exact integer: a count, a size, a number of layers. ``54.0`` and ``"10,730"`` read too, with a note."""

    name: ClassVar[str] = "integer"

    def parse(self, given: Any, expected: Any = None) -> tuple[int, str] | FormError:
        return read_integer(given)

    def compare(self, given: Any, expected: Any, tol: Tolerance = DEFAULT_TOLERANCE) -> Verdict:
        read = self.parse(given)
        if isinstance(read, FormError):
            return _wrong(read.sentence)
        value, note = read
        return (RIGHT if value == expected else _wrong(f"{show(value)} is not the right value.")).noted(note)

    def describe(self) -> str:
        return "an integer"


@dataclass(frozen=True)
class OptionalInteger(Integer):
    """An integer, or ``None`` when no integer answers the question (a target that cannot be reached)."""

    name: ClassVar[str] = "optional_integer"
    none_is_answer: ClassVar[bool] = True
    none_means: str = "no such value exists"

    def parse(self, given: Any, expected: Any = None) -> tuple[int | None, str] | FormError:
        if given is None:
            return None, ""
        if isinstance(given, str) and given.strip().strip(".").lower() in NONE_WORDS:
            return None, f"read {show(given)} as None"
        return super().parse(given)

    def compare(self, given: Any, expected: Any, tol: Tolerance = DEFAULT_TOLERANCE) -> Verdict:
        read = self.parse(given)
        if isinstance(read, FormError):
            return _wrong(read.sentence)
        value, note = read
        if value is None:
            verdict = RIGHT if expected is None else _wrong(f"You answered None ({self.none_means}), but there is an answer.")
        else:
            verdict = RIGHT if value == expected else _wrong(f"{show(value)} is not the right value.")
        return verdict.noted(note)

    def describe(self) -> str:
        return f"an integer, or None if {self.none_means}"


@dataclass(frozen=True)
class IntegerList(AnswerKind):
    """A fixed-length list of exact integers; partial credit per entry.

    ``per_axis`` marks sizes along the axes of an image ([H, W]): one integer then means the same
    size along every axis (a square), and text such as ``"54x54"`` reads as a list. A list of one
    entry always accepts the integer alone.
    """

    name: ClassVar[str] = "integer_list"
    length: int = 1
    what: str = "entries"
    per_axis: bool = False

    def parse(self, given: Any, expected: Any = None) -> tuple[list[int], str] | FormError:
        wanted = FormError(f"Expected a list of {self.length} integers ({self.what}), got {show(given)}.")
        note = ""
        if isinstance(given, (int, float, str)) and not isinstance(given, bool):
            if self.length == 1 or self.per_axis:  # one size for every axis
                single = read_integer(given)
                if not isinstance(single, FormError):
                    if self.length == 1:
                        return [single[0]], single[1]
                    square = [single[0]] * self.length
                    return square, f"read {show(given)} as {show(square)}, the same size along each axis"
            if not isinstance(given, str):
                return single if self.length == 1 else wanted
            parsed = parse_sizes(given, most=max(self.length, 8))
            if isinstance(parsed, FormError):
                return FormError(f"Could not read {show(given)} as {self.length} integers ({self.what}): {parsed.sentence}")
            given, note = list(parsed.numbers), f"read {show(given)} as {show(list(parsed.numbers))}"
        if not isinstance(given, (list, tuple)) or len(given) != self.length:
            return wanted
        values = []
        for item in given:
            read = read_integer(item)
            if isinstance(read, FormError):
                return read
            values.append(read[0])
            note = note or read[1]
        return values, note

    def compare(self, given: Any, expected: Any, tol: Tolerance = DEFAULT_TOLERANCE) -> Verdict:
        read = self.parse(given)
        if isinstance(read, FormError):
            return _wrong(read.sentence)
        values, note = read
        expected = list(expected) if isinstance(expected, (list, tuple)) else [expected]
        right = sum(g == e for g, e in zip(values, expected))
        if right == self.length == len(expected):
            return RIGHT.noted(note)
        hint = ""
        if self.length == 2 and values[::-1] == expected and values != expected:
            hint = " The two sizes are swapped: check rows (height) against columns (width)."
        return Verdict(right / self.length, f"{right} of {self.length} {self.what} are right.{hint}").noted(note)

    def describe(self) -> str:
        if self.per_axis and self.length > 1:
            return f"a list of {self.length} integers ({self.what}), e.g. [H, W]"
        return f"a list of {self.length} integers ({self.what})"


@dataclass(frozen=True)
class Real(AnswerKind):
    """A real number; right by the tolerance rule (see ``tolerance.py``). Numbers as text read too."""

    name: ClassVar[str] = "real"
    uses_tolerance: ClassVar[bool] = True

    def parse(self, given: Any, expected: Any = None) -> Number | FormError:
        return read_number(given)

    def compare(self, given: Any, expected: Any, tol: Tolerance = DEFAULT_TOLERANCE) -> Verdict:
        number = self.parse(given)
        if isinstance(number, FormError):
            return _wrong(number.sentence)
        judgement = tol.judge(number, expected)
        if judgement is Judgement.RIGHT:
            return RIGHT.noted(number.note)
        if tol.explicit:
            sentence = f"{show(given)} is not within the tolerance this problem allows."
        elif judgement is Judgement.EXTRA_DIGITS:
            sentence = (f"{show(given)} is right to {tol.sig_figs} significant figures, but the further digits given are "
                        "wrong: give only the digits you are sure of.")
        else:
            sentence = f"{show(given)} is not right to {tol.sig_figs} significant figures."
        return _wrong(sentence).noted(number.note)

    def describe(self) -> str:
        return "a number"  # and how precise (grader.notebook.slots adds it: the tolerance is the problem's)


@dataclass(frozen=True)
class Choice(AnswerKind):
    """One of a fixed set of options, compared case-insensitively."""

    name: ClassVar[str] = "choice"
    options: tuple[str, ...] = ()

    def parse(self, given: Any, expected: Any = None) -> str | FormError:
        if isinstance(given, str) and given.strip().lower() in {o.lower() for o in self.options}:
            return given.strip().lower()
        return FormError(f"Expected one of {', '.join(self.options)}; got {show(given)}.")

    def compare(self, given: Any, expected: Any, tol: Tolerance = DEFAULT_TOLERANCE) -> Verdict:
        picked = self.parse(given)
        if isinstance(picked, FormError):
            if isinstance(given, str):
                return _wrong(f"{show(given)} is not one of the options ({', '.join(self.options)}).")
            return _wrong(picked.sentence)
        return RIGHT if picked == str(expected).lower() else _wrong(f"{show(given)} is not the right option.")

    def describe(self) -> str:
        return "one of: " + ", ".join(repr(o) for o in self.options)


@dataclass(frozen=True)
class FreeText(AnswerKind):
    """A written answer, graded by hand: comparing only records it as pending."""

    name: ClassVar[str] = "free_text"
    max_chars: int = 20_000

    def parse(self, given: Any, expected: Any = None) -> str | FormError:
        if not isinstance(given, str) or not given.strip():
            return FormError("Expected a written answer (text).")
        if len(given) > self.max_chars:
            return FormError(f"The answer is longer than {self.max_chars} characters.")
        return given

    def compare(self, given: Any, expected: Any, tol: Tolerance = DEFAULT_TOLERANCE) -> Verdict:
        text = self.parse(given)
        if isinstance(text, FormError):
            return Verdict(0.0, text.sentence, answered=given is not None)
        return Verdict(0.0, "Recorded; graded by hand.", pending=True)

    def describe(self) -> str:
        return "your answer as text"


@dataclass(frozen=True)
class Expression(AnswerKind):
    """A symbolic expression in the given variables, compared by numeric probes and, where they cannot decide, sympy."""

    name: ClassVar[str] = "expression"
    symbols: tuple[str, ...] = ()
    positive: tuple[str, ...] = ()  # symbols that are > 0 (a standard deviation)

    def parse(self, given: Any, expected: Any = None) -> Any:
        from grader import symbolic  # sympy is imported only when an expression is graded

        try:
            return symbolic.read(given, self.symbols, self.positive)
        except symbolic.ExpressionError as exc:
            if not isinstance(given, (str, int, float)) or isinstance(given, bool):
                return FormError(f"Expected an expression as text, such as '-log(sigma)'; got {show(given)}.")
            return FormError(f"Could not read the expression: {exc}")

    def compare(self, given: Any, expected: Any, tol: Tolerance = DEFAULT_TOLERANCE) -> Verdict:
        from grader import symbolic

        student = self.parse(given)
        if isinstance(student, FormError):
            return _wrong(student.sentence)
        try:
            reference = symbolic.read(expected, self.symbols, self.positive)
        except symbolic.ExpressionError:
            return _wrong("This part has no reference expression to compare with.")
        outcome = symbolic.compare(student.expr, reference.expr, positive=self.positive)
        if outcome is symbolic.Equivalence.SAME:
            return RIGHT.noted(student.note)
        shown = show(given.strip() if isinstance(given, str) else given, 120)
        if outcome is symbolic.Equivalence.UNPROVEN:
            return _wrong(f"{shown} agrees with the answer where it was tried, but uses abs() and could not be "
                          "shown equal to it everywhere: write it without abs().").noted(student.note)
        return _wrong(f"{shown} is not equivalent to the answer.").noted(student.note)

    def describe(self) -> str:
        names = ", ".join(self.symbols)
        return f"an expression in {names} as text, e.g. '-log(sigma)' (use ** or ^ for powers, log for ln)"
