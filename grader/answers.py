"""Answer kinds: how a student's answer to one part is read and compared with the reference.

Each kind turns a plain-JSON answer into a :class:`Verdict` (a score between 0 and 1 and one
sentence for the student). A malformed answer (a float where an integer is asked, a list of the
wrong length, text) is a wrong answer with a sentence saying why, never an exception. Feedback
sentences never state the expected value: whether the student sees it is a policy decided later.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AnswerKind",
    "Array",
    "Choice",
    "Expression",
    "FreeText",
    "Integer",
    "IntegerList",
    "OptionalInteger",
    "Real",
    "Shape",
    "Tolerance",
    "Verdict",
    "read_shape",
    "split_shape",
]

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
UNANSWERED = Verdict(0.0, "Not answered.", answered=False)


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


def _as_array(given: Any) -> np.ndarray | str:
    """A rectangular float array from nested lists of numbers, or the sentence saying why not."""
    if not isinstance(given, (list, tuple)):
        return f"Expected a nested list of numbers, got {_show(given)}."
    count = 0
    stack = [given]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            count += len(item)
            if count > MAX_ANSWER_ENTRIES:
                return f"The answer has more than {MAX_ANSWER_ENTRIES} entries."
            stack.extend(item)
        elif not _is_number(item):
            return f"Every entry must be a number; found {_show(item)}."
    try:
        array = np.array(given, dtype=float)
    except (ValueError, RecursionError):
        return "The rows have different lengths: the answer must be a rectangular nested list."
    return array


@dataclass(frozen=True)
class Array(AnswerKind):
    """A tensor of values: shape first, then entries, with partial credit per entry.

    Entries whose true value is a whole number must be exact; other entries follow ``Tolerance``.
    """

    name: ClassVar[str] = "array"
    axes: tuple[str, ...] = field(default=())  # names of the axes, for describe()

    def compare(self, given: Any, expected: Any, tol: Tolerance = DEFAULT_TOLERANCE) -> Verdict:
        truth = np.asarray(expected, dtype=float)
        array = _as_array(given)
        if isinstance(array, str):
            return _wrong(array)
        if array.shape != truth.shape and truth.ndim >= 2 and truth.shape[0] == 1 and array.shape == truth.shape[1:]:
            array = array[None]  # a single channel given without its channel axis reads right
        if array.shape != truth.shape:
            return _wrong(f"The answer has shape {_fmt_shape(array.shape)}; it should have shape "
                          f"{_fmt_shape(truth.shape)}.{_shape_hint(array, truth, tol)}")
        ok = _entries_ok(array, truth, tol)
        score = float(ok.mean()) if ok.size else 1.0
        if score == 1.0:
            return RIGHT
        wrong = [tuple(int(i) for i in idx) for idx in np.argwhere(~ok)[:4]]
        where = ", ".join(str(w) for w in wrong) + (", ..." if (~ok).sum() > 4 else "")
        return Verdict(score, f"{int(ok.sum())} of {ok.size} entries are right (wrong at {where})."
                       f"{_value_hint(array, truth, tol)}")

    def check_form(self, given: Any, expected: Any) -> str | None:
        truth = np.asarray(expected, dtype=float)
        array = _as_array(given)
        if isinstance(array, str):
            return array
        if array.shape == truth.shape or (truth.ndim >= 2 and truth.shape[0] == 1 and array.shape == truth.shape[1:]):
            return None
        return f"The answer has shape {_fmt_shape(array.shape)}; it should have shape {_fmt_shape(truth.shape)}."

    def matches(self, given: Any, value: Any, tol: Tolerance = DEFAULT_TOLERANCE) -> bool:
        # the hot path of mistake matching: no feedback, no hints
        array = _as_array(given)
        if isinstance(array, str) or value is None:
            return False
        truth = np.asarray(value, dtype=float)
        if array.shape != truth.shape and truth.ndim >= 2 and truth.shape[0] == 1 and array.shape == truth.shape[1:]:
            array = array[None]
        return _same(array, truth, tol)

    def describe(self) -> str:
        axes = ", ".join(self.axes) if self.axes else "rows, columns"
        return f"a nested list of numbers indexed [{axes}]"


def _fmt_shape(shape: tuple[int, ...]) -> str:
    return "x".join(str(s) for s in shape) or "scalar"


def _entries_ok(array: np.ndarray, truth: np.ndarray, tol: Tolerance) -> np.ndarray:
    """Per entry: exact where the truth is a whole number, within ``tol`` (rounding) elsewhere."""
    diff = np.abs(array - truth)
    whole = np.isclose(truth, np.round(truth), rtol=0, atol=1e-9)
    exact = diff <= 1e-9 + 1e-12 * np.abs(truth)
    with np.errstate(divide="ignore", invalid="ignore"):
        exponent = np.floor(np.log10(np.abs(truth)))
        half_unit = np.where(truth != 0, 0.5 * 10.0 ** (exponent - tol.sig_figs + 1), 0.0)
    slack = np.maximum(np.maximum(tol.atol, tol.rtol * np.abs(truth)), half_unit)
    rounded = diff <= slack * (1 + 1e-9) + 1e-12
    return np.where(whole, exact, rounded)


def _same(a: np.ndarray, b: np.ndarray, tol: Tolerance) -> bool:
    return a.shape == b.shape and bool(_entries_ok(a, b, tol).all())


def _value_hint(array: np.ndarray, truth: np.ndarray, tol: Tolerance) -> str:
    spatial = tuple(range(1, truth.ndim)) if truth.ndim >= 2 else (0,)
    if truth.ndim >= 3 and _same(np.swapaxes(array, -1, -2), truth, tol):
        return " It is the transpose of the right answer: check rows against columns."
    if _same(np.flip(array, axis=spatial), truth, tol):
        return " It is the right answer flipped: check the direction of the kernel."
    if truth.ndim >= 3 and truth.shape[-2] > 2:  # rows exist: [channel][row][column]
        for shift in (1, -1):
            if _same(np.roll(array, shift, axis=-2)[..., 1:-1, :], truth[..., 1:-1, :], tol):
                return " The rows are shifted by one: check where the first output row starts."
    return ""


def _shape_hint(array: np.ndarray, truth: np.ndarray, tol: Tolerance) -> str:
    if array.ndim != truth.ndim:
        return ""
    if truth.ndim >= 2 and array.shape == truth.shape[:-2] + truth.shape[-1:] + truth.shape[-2:-1]:
        return " It looks transposed: check rows against columns."
    diff = [a - t for a, t in zip(array.shape, truth.shape)]
    if sorted(abs(d) for d in diff)[-1] == 1:
        common = tuple(slice(0, min(a, t)) for a, t in zip(array.shape, truth.shape))
        more = "many" if max(diff) > 0 else "few"
        if _same(array[common], truth[common], tol):
            return f" The entries you have are right but there is one row or column too {more}: check the output size."
        return f" There is one row or column too {more}: check the output size formula."
    return ""


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
