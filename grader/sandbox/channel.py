"""JSON that came out of a run, parsed so that every number in it can be compared.

A run's output is the student's to forge: its JSON may hold an integer of thousands of digits
(``int()`` refuses past 4300, and one past a float's range makes ``math.isfinite`` raise), a
float past a float's range, or ``NaN``. Each such number becomes a sentence in place of the
value, which every answer kind reports as a wrong answer; nothing in the parse can raise for it.
"""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["HUGE_NUMBER", "MAX_INT_DIGITS", "loads"]

MAX_INT_DIGITS = 18
"""The collector passes integers below 10**18 (``grader.notebook.plain``): any longer one is forged."""
HUGE_NUMBER = "<a number too large to compare>"


def _int(text: str) -> int | str:
    return int(text) if len(text.lstrip("-")) <= MAX_INT_DIGITS else HUGE_NUMBER


def _float(text: str) -> float | str:
    value = float(text)  # linear in the length, never raises for JSON's number syntax
    return value if math.isfinite(value) else HUGE_NUMBER


def loads(data: str | bytes) -> Any:
    """``json.loads`` with bounded numbers; ``NaN`` and ``Infinity`` read as ``None``.

    Raises:
        ValueError: not JSON. RecursionError: nested past the parser's depth.
    """
    return json.loads(data, parse_int=_int, parse_float=_float, parse_constant=lambda _: None)
