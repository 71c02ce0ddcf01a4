"""Scalar, shape, choice, text and expression answers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

from grader.answers.base import DEFAULT_TOLERANCE, RIGHT, AnswerKind, Tolerance, Verdict, _is_number, _show, _wrong

__all__ = ["Choice", "Expression", "FreeText", "Integer", "IntegerList", "OptionalInteger", "Real", "Shape",
           "read_shape", "split_shape"]


@dataclass(frozen=True)
class Integer(AnswerKind):
    """An exact integer: a count, a size, a number of layers."""

    name: ClassVar[str] = "integer"

    def compare(self, given: Any, expected: Any, tol: Tolerance = DEFAULT_TOLERANCE) -> Verdict:
        if isinstance(given, bool) or not isinstance(given, int):
            if isinstance(given, float) and given.is_integer():
                return _wrong(f"Expected an integer, got the float {given!r}: write it without a decimal point.")
            return _wrong(f"Expected an integer, got {_show(given)}.")
        return RIGHT if given == expected else _wrong(f"{given} is not the right value.")

    def check_form(self, given: Any, expected: Any) -> str | None:
        typed = Integer.compare(self, given, given)
        return None if typed.correct else typed.feedback

    def describe(self) -> str:
        return "an integer"


@dataclass(frozen=True)
class OptionalInteger(Integer):
    """An integer, or ``None`` when no integer answers the question (a target that cannot be reached)."""

    name: ClassVar[str] = "optional_integer"
    none_means: str = "no such value exists"

    def compare(self, given: Any, expected: Any, tol: Tolerance = DEFAULT_TOLERANCE) -> Verdict:
        if given is None:
            return RIGHT if expected is None else _wrong(f"You answered None ({self.none_means}), but there is an answer.")
        if expected is None:
            typed = super().compare(given, given, tol)
            return _wrong(f"{given} is not the right value.") if typed.correct else typed
        return super().compare(given, expected, tol)

    def check_form(self, given: Any, expected: Any) -> str | None:
        return None if given is None else super().check_form(given, expected)

    def describe(self) -> str:
        return f"an integer, or None if {self.none_means}"


@dataclass(frozen=True)
class IntegerList(AnswerKind):
    """A fixed-length list of exact integers (a size per axis); partial credit per entry."""

    name: ClassVar[str] = "integer_list"
    length: int = 1
    what: str = "entries"

    def compare(self, given: Any, expected: Any, tol: Tolerance = DEFAULT_TOLERANCE) -> Verdict:
        if self.length == 1 and isinstance(given, int) and not isinstance(given, bool):
            given = [given]  # a single size given without its list reads right
        if not isinstance(given, (list, tuple)) or len(given) != self.length:
            return _wrong(f"Expected a list of {self.length} integers ({self.what}), got {_show(given)}.")
        for item in given:
            typed = Integer().compare(item, item)
            if not typed.correct:
                return typed
        right = sum(g == e for g, e in zip(given, expected))
        if right == self.length:
            return RIGHT
        return Verdict(right / self.length, f"{right} of {self.length} {self.what} are right.")

    def check_form(self, given: Any, expected: Any) -> str | None:
        verdict = self.compare(given, given if isinstance(given, list) else expected)
        return None if verdict.correct else verdict.feedback

    def describe(self) -> str:
        return f"a list of {self.length} integers ({self.what})"


@dataclass(frozen=True)
class Real(AnswerKind):
    """A real number; correct when within rounding (``Tolerance``) of the reference."""

    name: ClassVar[str] = "real"

    def compare(self, given: Any, expected: Any, tol: Tolerance = DEFAULT_TOLERANCE) -> Verdict:
        if not _is_number(given):
            return _wrong(f"Expected a number, got {_show(given)}.")
        if tol.allows(float(given), float(expected)):
            return RIGHT
        return _wrong(f"{given!r} is not within rounding of the answer "
                      f"({tol.sig_figs} significant figures are enough).")

    def check_form(self, given: Any, expected: Any) -> str | None:
        return None if _is_number(given) else f"Expected a number, got {_show(given)}."

    def describe(self) -> str:
        return "a number (3 significant figures are enough)"


def read_shape(value: Any) -> list[int] | None:
    """Read a shape written as a list of ints or as text such as ``"126x126x16"``; ``None`` if neither."""
    if isinstance(value, str):
        pieces = [p for p in re.split(r"\s*[x×*,]\s*|\s+", value.strip().strip("()[]")) if p]
        if not pieces or len(pieces) > 8 or not all(p.isdigit() and len(p) < 10 for p in pieces):
            return None
        return [int(p) for p in pieces]
    if isinstance(value, (list, tuple)) and 0 < len(value) <= 8 and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        return list(value)
    return None


def split_shape(raw: Any, channels: int, sizes: list[int]) -> dict[str, Any] | None:
    """A whole shape (``[C, H, W]``, ``[H, W, C]`` or ``"HxWxC"``) as ``{out_channels, out_size}``.

    Channels-last is chosen only when it reads exactly right; otherwise channels come first.
    ``None`` when ``raw`` is not a shape with one more axis than ``sizes``.
    """
    shape = read_shape(raw) if not isinstance(raw, dict) else None
    if shape is None or len(shape) != len(sizes) + 1:
        return None
    if shape[-1] == channels and shape[:-1] == list(sizes):
        return {"out_channels": shape[-1], "out_size": shape[:-1]}
    return {"out_channels": shape[0], "out_size": shape[1:]}


@dataclass(frozen=True)
class Shape(AnswerKind):
    """A tensor shape (channels first); channels-last (``H x W x C``) reads right too."""

    name: ClassVar[str] = "shape"

    def compare(self, given: Any, expected: Any, tol: Tolerance = DEFAULT_TOLERANCE) -> Verdict:
        shape = read_shape(given)
        if shape is None:
            return _wrong(f"Expected a shape such as [16, 126, 126] or '126x126x16', got {_show(given)}.")
        expected = list(expected)
        if len(shape) != len(expected):
            return _wrong(f"The shape has {len(shape)} dimensions; this one needs {len(expected)}.")
        if shape == expected or shape == expected[1:] + expected[:1]:
            return RIGHT
        return _wrong(f"{'x'.join(map(str, shape))} is not the right shape.")

    def check_form(self, given: Any, expected: Any) -> str | None:
        shape = read_shape(given)
        if shape is None:
            return f"Expected a shape such as [16, 126, 126] or '126x126x16', got {_show(given)}."
        return None if len(shape) == len(expected) else f"The shape has {len(shape)} dimensions; this one needs {len(expected)}."

    def describe(self) -> str:
        return "a shape, channels first [C, H, W] (channels last also reads right)"


@dataclass(frozen=True)
class Choice(AnswerKind):
    """One of a fixed set of options, compared case-insensitively."""

    name: ClassVar[str] = "choice"
    options: tuple[str, ...] = ()

    def compare(self, given: Any, expected: Any, tol: Tolerance = DEFAULT_TOLERANCE) -> Verdict:
        if not isinstance(given, str):
            return _wrong(f"Expected one of {', '.join(self.options)}; got {_show(given)}.")
        picked = given.strip().lower()
        if picked not in {o.lower() for o in self.options}:
            return _wrong(f"{_show(given)} is not one of the options ({', '.join(self.options)}).")
        return RIGHT if picked == str(expected).lower() else _wrong(f"{given!r} is not the right option.")

    def check_form(self, given: Any, expected: Any) -> str | None:
        if isinstance(given, str) and given.strip().lower() in {o.lower() for o in self.options}:
            return None
        return f"Expected one of {', '.join(self.options)}; got {_show(given)}."

    def describe(self) -> str:
        return "one of: " + ", ".join(repr(o) for o in self.options)


@dataclass(frozen=True)
class FreeText(AnswerKind):
    """A written answer, graded by hand: comparing only records it as pending."""

    name: ClassVar[str] = "free_text"
    max_chars: int = 20_000

    def compare(self, given: Any, expected: Any, tol: Tolerance = DEFAULT_TOLERANCE) -> Verdict:
        if not isinstance(given, str) or not given.strip():
            return Verdict(0.0, "Expected a written answer (text).", answered=given is not None)
        if len(given) > self.max_chars:
            return _wrong(f"The answer is longer than {self.max_chars} characters.")
        return Verdict(0.0, "Recorded; graded by hand.", pending=True)

    def describe(self) -> str:
        return "your answer as text"


@dataclass(frozen=True)
class Expression(AnswerKind):
    """A symbolic expression in the given variables, compared by simplification and numeric probes."""

    name: ClassVar[str] = "expression"
    symbols: tuple[str, ...] = ()
    positive: tuple[str, ...] = ()  # symbols that are > 0 (a standard deviation)

    def compare(self, given: Any, expected: Any, tol: Tolerance = DEFAULT_TOLERANCE) -> Verdict:
        from grader import symbolic  # sympy is imported only when an expression is graded

        if not isinstance(given, str):
            return _wrong(f"Expected an expression as text, such as '-log(sigma)'; got {_show(given)}.")
        try:
            student = symbolic.parse(given, self.symbols)
        except symbolic.ExpressionError as exc:
            return _wrong(f"Could not read the expression: {exc}")
        reference = symbolic.parse(expected, self.symbols)
        if symbolic.equivalent(student, reference, positive=self.positive):
            return RIGHT
        return _wrong(f"{given.strip()!r} is not equivalent to the answer.")

    def check_form(self, given: Any, expected: Any) -> str | None:
        from grader import symbolic

        if not isinstance(given, str):
            return f"Expected an expression as text, such as '-log(sigma)'; got {_show(given)}."
        try:
            symbolic.parse(given, self.symbols)
        except symbolic.ExpressionError as exc:
            return f"Could not read the expression: {exc}"
        return None

    def describe(self) -> str:
        names = ", ".join(self.symbols)
        return f"an expression in {names} as text, e.g. '-log(sigma)' (use ** or ^ for powers, log for ln)"
