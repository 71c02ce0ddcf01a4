"""When a real-valued answer is right: the rounding rule, or an instructor's explicit tolerance.

The rule (``sig_figs`` = S, 3 by default), relative throughout:

(a) the answer rounded to S significant figures equals the truth so rounded (half away from
    zero; a value exactly on a rounding boundary counts as both neighbours), and
(b) any digits the student gave beyond S are within one unit of their last digit of the truth,
    or the answer is within a relative 1e-9 of the truth, which alone is enough (so a float
    computed in code passes on float noise; 1e-6 for a single-precision float).

The truth is first cleaned of float noise (rounded to 12 significant figures): tolerance never
depends on noise digits such as ``-0.09999999999999964``. Only a truth that is zero after that
(or smaller than 1e-12) is judged absolutely: within 1e-6. When an instructor sets ``rtol`` or
``atol``, that replaces the rule for the problem: right when ``|given - truth| <= max(atol, rtol*|truth|)``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_DOWN, ROUND_HALF_UP, Decimal, localcontext
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from grader.answers.numbers import DECIMALS, FormError, Number, as_decimal, read_number

__all__ = ["CLEAN_DIGITS", "DEFAULT_TOLERANCE", "RELATIVE_NOISE", "ZERO_TOLERANCE", "Judgement", "Tolerance", "clean"]

CLEAN_DIGITS = 12          # a reference is rounded to this many significant figures: the rest is noise
NOISE_FLOOR = Decimal("1e-12")  # a reference smaller than this is a zero with noise
RELATIVE_NOISE = Decimal("1e-9")
SINGLE_NOISE = Decimal("1e-6")
ZERO_TOLERANCE = Decimal("1e-6")
MAX_DIGITS = 30


class Tolerance(BaseModel):
    """How close a real-valued answer must be (integers, shapes and counts are always exact)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sig_figs: int = Field(3, ge=1, le=15, description="Significant figures a real answer must get right (the rounding rule).")
    rtol: float | None = Field(None, ge=0, description="An explicit relative tolerance; when set (or atol is), it replaces the rounding rule.")
    atol: float | None = Field(None, ge=0, description="An explicit absolute tolerance; when set (or rtol is), it replaces the rounding rule.")

    @property
    def explicit(self) -> bool:
        return self.rtol is not None or self.atol is not None

    @property
    def enough(self) -> str:
        """How precise a real answer must be, as a statement and an answer cell tell the student."""
        if not self.explicit:
            return f"{self.sig_figs} significant figures are enough"
        slack = []
        if self.atol:
            slack.append(f"{self.atol:g}")
        if self.rtol:
            slack.append(f"{self.rtol:g} times the answer")
        return f"an error of up to {' or '.join(slack) or '0'} is allowed"

    def allows(self, given: Any, expected: Any) -> bool:
        """Whether ``given`` (a raw answer or a read :class:`Number`) is right for the reference ``expected``."""
        number = given if isinstance(given, Number) else read_number(given)
        truth = as_decimal(expected)
        if isinstance(number, FormError) or truth is None:
            return False
        with localcontext(DECIMALS):
            if self.explicit:
                slack = max(Decimal(repr(float(self.atol or 0.0))), Decimal(repr(float(self.rtol or 0.0))) * abs(truth))
                return abs(number.value - truth) <= slack
            return _rule(number, clean(truth), self.sig_figs) is Judgement.RIGHT

    def judge(self, given: Number, expected: Any) -> Judgement:
        """Like :meth:`allows`, saying which part of the rule failed (for the student's sentence)."""
        truth = as_decimal(expected)
        if truth is None:
            return Judgement.WRONG
        with localcontext(DECIMALS):
            if self.explicit:
                return Judgement.RIGHT if self.allows(given, expected) else Judgement.WRONG
            return _rule(given, clean(truth), self.sig_figs)


class Judgement(Enum):
    """The outcome of the rule: right, wrong at the required figures, or wrong only in extra digits."""

    RIGHT = "right"
    WRONG = "wrong"
    EXTRA_DIGITS = "extra_digits"


DEFAULT_TOLERANCE = Tolerance()


def clean(truth: Decimal) -> Decimal:
    """The reference without float noise: 12 significant figures, and 0 below 1e-12."""
    if abs(truth) < NOISE_FLOOR:
        return Decimal(0)
    return truth.quantize(_unit(truth, CLEAN_DIGITS), rounding=ROUND_HALF_UP)


def _unit(x: Decimal, figures: int) -> Decimal:
    """The value of the last of ``figures`` significant figures of ``x``."""
    return Decimal(1).scaleb(x.adjusted() - figures + 1)


def _rounded(x: Decimal, figures: int) -> set[Decimal]:
    """``x`` to ``figures`` significant figures, half away from zero; both neighbours on a boundary."""
    if x == 0:
        return {Decimal(0)}
    unit = _unit(x, figures)
    return {x.quantize(unit, rounding=ROUND_HALF_UP), x.quantize(unit, rounding=ROUND_HALF_DOWN)}


def _rule(given: Number, truth: Decimal, figures: int) -> Judgement:
    value = given.value
    if truth == 0:
        return Judgement.RIGHT if abs(value) <= ZERO_TOLERANCE else Judgement.WRONG
    if abs(value - truth) <= (SINGLE_NOISE if given.single else RELATIVE_NOISE) * abs(truth):
        return Judgement.RIGHT
    if not _rounded(value, figures) & _rounded(truth, figures):
        return Judgement.WRONG
    if given.digits is None or given.digits <= figures or value == 0:
        return Judgement.RIGHT
    if given.digits > MAX_DIGITS:  # more digits than any float holds, and not within float noise
        return Judgement.EXTRA_DIGITS
    place = value.adjusted() - given.digits + 1  # the power of ten of the student's last digit
    last = Decimal(1).scaleb(place)
    truth_there = {truth.quantize(last, rounding=r) for r in (ROUND_HALF_UP, ROUND_HALF_DOWN)}
    return Judgement.RIGHT if any(abs(value - t) <= last for t in truth_there) else Judgement.EXTRA_DIGITS
