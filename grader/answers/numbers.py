"""Numbers as students write them: JSON numbers, numbers as text, and the digits they chose to give.

A careful grader reads ``"10,730"``, ``"−0.1"`` (a Unicode minus), ``"1/50"``, ``"3.93e0"``,
``"7.55 × 10^7"`` or ``"np.float64(54.0)"`` as the numbers they are, and says so. How many
significant digits the student wrote matters to the tolerance (see ``tolerance.py``), so a number
keeps them: from the text, or from a float's shortest ``repr`` (the digits a JSON file holds).
A float that is exactly a single-precision value (a float32 tensor's entry, widened) is read by
its shortest single-precision digits: ``0.19300000369548798`` is the float32 ``0.193``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Context, Decimal, InvalidOperation, localcontext
from fractions import Fraction
from typing import Any

import numpy as np

from grader.answers.display import show

__all__ = ["MAX_EXPONENT", "FormError", "Number", "as_decimal", "read_integer", "read_number"]

MAX_TEXT = 200        # characters in a number written as text
MAX_EXPONENT = 4000   # a number past 10**4000 (or below 10**-4000) is no answer to these problems
DECIMALS = Context(prec=60, Emax=10**6, Emin=-(10**6))  # exact for every number read here, never overflowing


@dataclass(frozen=True)
class FormError:
    """Why a raw answer could not be read as what the part asks for: one sentence for the student."""

    sentence: str


@dataclass(frozen=True)
class Number:
    """A number read from an answer, with the significant digits the student gave.

    ``digits`` is ``None`` for an exact value written as a fraction (``1/3`` has no last digit).
    ``single`` marks a value read by its single-precision digits (its noise is float32's).
    ``note`` says how text or a wrapper was read, for the student ("" for a plain JSON number).
    """

    value: Decimal
    digits: int | None
    note: str = ""
    single: bool = False


_SPACES = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2012": "-", "\ufe63": "-", "\uff0d": "-", "\uff0b": "+"})
_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_DECIMAL = re.compile(r"([+-]?)(\d+\.?\d*|\.\d+)(?:[eE]([+-]?\d{1,6}))?")
_GROUPED = re.compile(r"([+-]?)([1-9]\d{0,2}(?:([,\u00a0\u2009\u202f_ ])\d{3})(?:\3\d{3})*)(\.\d+)?")
_DECIMAL_COMMA = re.compile(r"([+-]?)(\d+),(\d+)")
_FRACTION = re.compile(r"([+-]?\d{1,30})\s*/\s*(\d{1,30})")
_TIMES_TEN = re.compile(r"(.+?)\s*(?:[x×*·⋅]|\\times|\\cdot)\s*10\s*(?:\^|\*\*)\s*[({]?\s*([+-]?\d{1,6})\s*[)}]?")
_SUPER_TEN = re.compile(r"(.+?)\s*(?:[x×*·⋅]|\\times|\\cdot)\s*10([⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]{1,4})")
_WRAPPER = re.compile(r"(?:(?:np|numpy|torch)\.)?(?:float(?:16|32|64)?|int(?:8|16|32|64)?|tensor|array)\((.*)\)", re.S)
_WRAPPER_TAIL = re.compile(r",\s*(?:dtype|device|grad_fn|requires_grad)\s*=.*$", re.S)


def read_number(raw: Any) -> Number | FormError:
    """A real number from a JSON value (a number, or a number written as text)."""
    if isinstance(raw, bool) or raw is None:
        return FormError(f"Expected a number, got {show(raw)}.")
    if isinstance(raw, int):
        if raw.bit_length() > 3.33 * MAX_EXPONENT:
            return FormError(f"Expected a number of sensible size, got an integer of about {int(raw.bit_length() / 3.32)} digits.")
        value = Decimal(raw)
        return Number(value, _integer_digits(value))
    if isinstance(raw, float):
        return _from_float(raw)
    if isinstance(raw, str):
        return _from_text(raw)
    return FormError(f"Expected a number, got {show(raw)}.")


def read_integer(raw: Any) -> tuple[int, str] | FormError:
    """An exact integer and how it was read ("" for a JSON integer); integral floats and text read too."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw, ""
    number = read_number(raw)
    if isinstance(number, FormError):
        return FormError(number.sentence.replace("Expected a number", "Expected an integer"))
    if number.value != number.value.to_integral_value():
        return FormError(f"Expected a whole number, got {show(raw)}.")
    value = int(number.value)
    return value, number.note or f"read {show(raw)} as {value}"


def as_decimal(x: Any) -> Decimal | None:
    """A reference value (an int or float the solver computed) as a Decimal; ``None`` if not finite."""
    if isinstance(x, bool):
        return None
    if isinstance(x, int):
        return Decimal(x) if x.bit_length() <= 3.33 * MAX_EXPONENT else None
    try:
        x = float(x)
    except (TypeError, ValueError, OverflowError):
        return None
    return Decimal(repr(x)) if math.isfinite(x) else None


def _integer_digits(value: Decimal) -> int:
    digits = str(abs(value.to_integral_value())).rstrip("0")  # trailing zeros of an integer say nothing
    return max(len(digits), 1)


def _from_float(x: float) -> Number | FormError:
    x = float(x)  # a numpy float's repr is "np.float64(...)", not its digits
    if not math.isfinite(x):
        return FormError(f"Expected a finite number, got {show(x)}.")
    text = repr(x)
    if x != 0 and 1e-37 < abs(x) < 3e38 and float(np.float32(x)) == x:
        single = np.format_float_scientific(np.float32(x), unique=True)
        if _float_digits(single) < _float_digits(text):
            return Number(Decimal(single), _float_digits(single), single=True)
    return Number(Decimal(text), _float_digits(text))


def _float_digits(text: str) -> int:
    mantissa = re.split(r"[eE]", text)[0]
    return max(len(re.sub(r"\D", "", mantissa).strip("0")), 1)


def _from_text(raw: str) -> Number | FormError:
    text = raw.strip()
    if len(text) > MAX_TEXT:
        return FormError(f"Expected a number, got text of {len(raw)} characters.")
    text = text.translate(_SPACES)
    text = re.sub(r"^(?:≈|~|=)\s*", "", text)
    wrapped = _WRAPPER.fullmatch(text)
    if wrapped:
        text = _WRAPPER_TAIL.sub("", wrapped.group(1)).strip().strip("'\"")
    number = _parse(text)
    if number is None:
        return FormError(f"Expected a number, got the text {show(raw)}, which does not read as one.")
    if isinstance(number, FormError):
        return number
    value, digits = number
    if value != 0 and abs(value.adjusted()) > MAX_EXPONENT:
        return FormError(f"{show(raw)} is too large or too small to be an answer here.")
    return Number(value, digits, note=f"read the text {show(raw)} as {_plain(value)}")


def _parse(text: str) -> tuple[Decimal, int | None] | FormError | None:
    """The value and significant digits of number text; ``None`` when it is not a number."""
    if match := _DECIMAL.fullmatch(text):
        sign, mantissa, exponent = match.groups()
        value = Decimal(sign + mantissa + ("e" + exponent if exponent else ""))
        return value, _text_digits(mantissa)
    if match := _GROUPED.fullmatch(text):  # 10,730 or 1 000 000: thousands grouped by one separator
        sign, whole, _, fraction = match.groups()
        mantissa = re.sub(r"\D", "", whole) + (fraction or "")
        return Decimal(sign + mantissa), _text_digits(mantissa)
    if match := _DECIMAL_COMMA.fullmatch(text):  # 3,93 or 0,345: a decimal comma (10,730 groups thousands, above)
        sign, whole, fraction = match.groups()
        return Decimal(f"{sign}{whole}.{fraction}"), _text_digits(f"{whole}.{fraction}")
    if match := _FRACTION.fullmatch(text):
        top, bottom = int(match.group(1)), int(match.group(2))
        if bottom == 0:
            return FormError(f"{text} divides by zero.")
        with localcontext(DECIMALS):
            return Decimal(top) / Decimal(bottom), _fraction_digits(Fraction(top, bottom))
    match = _TIMES_TEN.fullmatch(text) or _SUPER_TEN.fullmatch(text)
    if match:
        head = _parse(match.group(1).strip())
        if not isinstance(head, tuple):
            return None
        power = int(match.group(2).translate(_SUPERSCRIPT))
        with localcontext(DECIMALS):
            try:
                return head[0].scaleb(power), head[1]
            except InvalidOperation:
                return None
    return None


def _text_digits(mantissa: str) -> int:
    if "." in mantissa:
        return max(len(mantissa.replace(".", "").lstrip("0")), 1)  # 3.930: its trailing zero is a digit given
    return max(len(mantissa.lstrip("0").rstrip("0")), 1)


def _fraction_digits(value: Fraction) -> int | None:
    """A fraction with a finite decimal expansion gives those digits (1/50 is 0.02); 1/3 is exact."""
    bottom = value.denominator
    for p in (2, 5):
        while bottom % p == 0:
            bottom //= p
    if bottom != 1:
        return None
    with localcontext(DECIMALS):
        return _text_digits(format(Decimal(value.numerator) / Decimal(value.denominator), "f"))


def _plain(value: Decimal) -> str:
    """A short way to write a read value back to the student."""
    if value == value.to_integral_value() and abs(value) < Decimal(10) ** 30:
        return str(int(value))
    text = format(value.normalize(), "g")
    return text if len(text) <= 16 else format(value, ".12g")
