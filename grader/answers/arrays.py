"""Tensor answers: shape first, then entries, with per-entry credit and notes on the usual slips
(the transpose, a flipped kernel, one row or column too many or too few).

A careful grader reads a tensor written as text (``"[0.62, 0.68]"``, or pasted as PyTorch and numpy
print it: ``"tensor([0.62, 0.68], grad_fn=...)"``, ``"array([1., 2.])"``), and a tensor of one entry
given as that number alone (``-2.5`` for ``[-2.5]``), and says how it was read.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from grader.answers.base import DEFAULT_TOLERANCE, MAX_ANSWER_ENTRIES, RIGHT, AnswerKind, FormError, Tolerance, Verdict, _wrong
from grader.answers.display import show
from grader.answers.numbers import _SPACES, _WRAPPER, _WRAPPER_TAIL, read_number  # the wrappers numbers are pasted in

MAX_AXES = 8  # no tensor of these problems has more axes; deeper nesting is not an answer
MAX_TEXT = 1_000_000  # characters of a tensor written as text
_TOKENS = re.compile(r"\[|\]|[^\[\],\s]+")

__all__ = ["Array"]


def _as_array(given: Any) -> np.ndarray | str:
    """A rectangular float array from nested lists of numbers, or the sentence saying why not.

    Entries may be numbers written as text ("0.5"); an entry too large for a float is refused.
    """
    if not isinstance(given, (list, tuple)):
        return f"Expected a nested list of numbers, got {show(given)}."
    count = 0
    stack = [(given, 0)]
    texts = False
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, tuple)):
            count += len(item)
            if count > MAX_ANSWER_ENTRIES:
                return f"The answer has more than {MAX_ANSWER_ENTRIES} entries."
            if depth >= MAX_AXES:
                return f"The answer is nested more than {MAX_AXES} lists deep."
            stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, str):
            texts = True
        elif isinstance(item, bool) or not isinstance(item, (int, float)):
            return f"Every entry must be a number; found {show(item)}."
        elif isinstance(item, int) and abs(item) > 10**300:
            return f"Every entry must be a number of sensible size; found {show(item)}."
        elif isinstance(item, float) and not math.isfinite(item):
            return f"Every entry must be a finite number; found {show(item)}."
    if texts:
        given = _numbers_from_text(given)
        if isinstance(given, str):
            return given
    try:
        array = np.array(given, dtype=float)
    except (ValueError, RecursionError, OverflowError):
        return "The rows have different lengths: the answer must be a rectangular nested list."
    return array


def _as_given(given: Any, truth: np.ndarray | None) -> tuple[Any, str]:
    """The answer as nested lists, and how it was read: list text parsed, one number for a one-entry tensor wrapped."""
    if isinstance(given, str):
        nested = _list_from_text(given)
        if nested is not None:
            return nested, f"read the text {show(given, 40)} as a list"
    single = read_number(given) if isinstance(given, (int, float, str)) and not isinstance(given, bool) else None
    if single is not None and not isinstance(single, FormError) and truth is not None and truth.size == 1:
        wrapped: Any = given if isinstance(given, (int, float)) else float(single.value)
        for _ in range(truth.ndim):
            wrapped = [wrapped]
        return wrapped, f"read {show(given)} as {show(wrapped)}, the tensor's one entry"
    return given, ""


@functools.lru_cache(maxsize=16)  # a part's text is read again for each known mistake it is matched against
def _list_from_text(text: str) -> list | None:
    """Nested lists of numbers from ``"[[1, 2], [3, 4]]"`` or a pasted ``tensor(...)``; ``None`` if not one."""
    text = text.strip().translate(_SPACES)
    if len(text) > MAX_TEXT:
        return None
    wrapped = _WRAPPER.fullmatch(text)
    if wrapped:
        text = _WRAPPER_TAIL.sub("", wrapped.group(1)).strip()
    if not text.startswith("["):
        return None
    stack: list[list] = [[]]
    for count, match in enumerate(_TOKENS.finditer(text)):
        token = match.group()
        if len(stack) > MAX_AXES + 1 or count > 2 * MAX_ANSWER_ENTRIES:
            return None  # nested deeper, or longer, than any answer here: stop reading at once
        if token == "[":
            stack.append([])
        elif token == "]":
            if len(stack) < 2:
                return None
            done = stack.pop()
            stack[-1].append(done)
        else:
            stack[-1].append(_entry(token))
    if len(stack) != 1 or len(stack[0]) != 1 or not isinstance(stack[0][0], list):
        return None  # unbalanced brackets, or something beside the list
    return stack[0][0]


def _entry(token: str) -> float | str:
    """A number read from one entry of a tensor's text, once; text that is none is kept, to be refused with a sentence."""
    number = read_number(token)
    return token if isinstance(number, FormError) or abs(number.value) > 10**300 else float(number.value)


def _has_text(value: Any) -> bool:
    """Whether any entry of an answer already read as an array (so at most 8 deep) was written as text."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            return True
        if isinstance(item, (list, tuple)):
            stack.extend(item)
    return False


def _numbers_from_text(value: Any) -> Any:
    """The nested lists with every entry written as text read as a number (or the sentence why not)."""
    if isinstance(value, (list, tuple)):
        out = []
        for item in value:
            read = _numbers_from_text(item)
            if isinstance(read, str):
                return read
            out.append(read)
        return out
    if not isinstance(value, str):
        return value
    number = read_number(value)
    if isinstance(number, FormError) or abs(number.value) > 10**300:
        return f"Every entry must be a number; found {show(value)}."
    return float(number.value)


@dataclass(frozen=True)
class Array(AnswerKind):
    """A tensor of values: shape first, then entries, with partial credit per entry.

    Entries whose true value is a whole number must be exact; other entries follow ``Tolerance``.
    """

    name: ClassVar[str] = "array"
    axes: tuple[str, ...] = field(default=())  # names of the axes, for describe()

    def compare(self, given: Any, expected: Any, tol: Tolerance = DEFAULT_TOLERANCE) -> Verdict:
        truth = _truth(expected)
        if truth is None:
            return _wrong("This part has no reference values to compare with.")
        given, note = _as_given(given, truth)
        array = _as_array(given)
        if isinstance(array, str):
            return _wrong(array)
        note = note or ("read the entries written as text as numbers" if _has_text(given) else "")
        if array.shape != truth.shape and truth.ndim >= 2 and truth.shape[0] == 1 and array.shape == truth.shape[1:]:
            array = array[None]  # a single channel given without its channel axis reads right
        if array.shape != truth.shape:
            return _wrong(f"The answer has shape {_fmt_shape(array.shape)}; it should have shape "
                          f"{_fmt_shape(truth.shape)}.{_shape_hint(array, truth, tol)}").noted(note)
        ok = _entries_ok(array, truth, tol)
        score = float(ok.mean()) if ok.size else 1.0
        if score == 1.0:
            return RIGHT.noted(note)
        wrong = [tuple(int(i) for i in idx) for idx in np.argwhere(~ok)[:4]]
        where = ", ".join(str(w) for w in wrong) + (", ..." if (~ok).sum() > 4 else "")
        return Verdict(score, f"{int(ok.sum())} of {ok.size} entries are right (wrong at {where})."
                       f"{_value_hint(array, truth, tol)}").noted(note)

    def parse(self, given: Any, expected: Any = None) -> np.ndarray | FormError:
        """The answer as an array of the reference's shape (a single channel may leave out its axis)."""
        truth = _truth(expected)
        array = _as_array(_as_given(given, truth)[0])
        if isinstance(array, str):
            return FormError(array)
        if truth is None or array.shape == truth.shape:
            return array
        if truth.ndim >= 2 and truth.shape[0] == 1 and array.shape == truth.shape[1:]:
            return array[None]
        return FormError(f"The answer has shape {_fmt_shape(array.shape)}; it should have shape {_fmt_shape(truth.shape)}.")

    def matches(self, given: Any, value: Any, tol: Tolerance = DEFAULT_TOLERANCE) -> bool:
        # the hot path of mistake matching: no feedback, no hints
        truth = _truth(value)
        array = _as_array(_as_given(given, truth)[0])
        if isinstance(array, str) or truth is None:
            return False
        if array.shape != truth.shape and truth.ndim >= 2 and truth.shape[0] == 1 and array.shape == truth.shape[1:]:
            array = array[None]
        return _same(array, truth, tol)

    def describe(self) -> str:
        axes = ", ".join(self.axes) if self.axes else "rows, columns"
        return f"a nested list of numbers indexed [{axes}]"


def _truth(expected: Any) -> np.ndarray | None:
    """The reference as a float array; ``None`` when there is none (a mistake that does not apply)."""
    if expected is None:
        return None
    try:
        truth = np.asarray(expected, dtype=float)
    except (TypeError, ValueError, OverflowError, RecursionError):
        return None
    return truth if np.all(np.isfinite(truth)) else None


def _fmt_shape(shape: tuple[int, ...]) -> str:
    return "x".join(str(s) for s in shape) or "scalar"


def _entries_ok(array: np.ndarray, truth: np.ndarray, tol: Tolerance) -> np.ndarray:
    """Per entry: exact where the truth is a whole number, by ``tol`` elsewhere.

    numpy settles the clear cases (within float noise, or far outside anything the rounding rule
    could accept); the few entries in between go through the rule itself, digit by digit.
    """
    diff = np.abs(array - truth)
    scale = np.abs(truth)
    whole = np.isclose(truth, np.round(truth), rtol=0, atol=1e-9)
    ok = np.where(whole, diff <= 1e-9 + 1e-12 * scale, False)
    if tol.explicit:  # the instructor's tolerance, for every entry
        return diff <= np.maximum(tol.atol or 0.0, (tol.rtol or 0.0) * scale)
    ok |= ~whole & (diff <= 1e-9 * scale)
    with np.errstate(divide="ignore", invalid="ignore"):
        unit = np.where(scale > 0, 10.0 ** (np.floor(np.log10(scale)) - tol.sig_figs + 1), 0.0)
    undecided = ~whole & ~ok & (diff <= 6 * unit + 2e-6)
    for index in zip(*np.nonzero(undecided)):
        ok[index] = tol.allows(float(array[index]), float(truth[index]))
    return ok


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
