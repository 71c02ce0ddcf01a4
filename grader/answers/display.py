"""Show a student's answer back to them, as JSON, whatever it is, in bounded time and length.

``repr`` and ``json.dumps`` both fail on answers a hostile or careless student can give: an
integer past Python's 4,300-digit limit, lists nested thousands deep. This walks the value
with a budget instead, so a huge answer is cut with a note and never echoed whole.
"""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["show"]

MAX_DEPTH = 12
BIG_INT_DIGITS = 60  # an integer longer than this is described, not written out


def show(value: Any, limit: int = 60) -> str:
    """``value`` as JSON text (strings quoted), at most about ``limit`` characters, cut with "…"."""
    out: list[str] = []
    budget = [limit]
    _write(value, out, budget, 0)
    text = "".join(out)
    if budget[0] < 0:
        text = text[: max(limit - 1, 1)].rstrip() + "…"
    return text


def _put(out: list[str], budget: list[int], text: str) -> bool:
    out.append(text)
    budget[0] -= len(text)
    return budget[0] >= 0


def _write(value: Any, out: list[str], budget: list[int], depth: int) -> bool:
    """Append ``value``; False once the budget is spent (the caller stops)."""
    if isinstance(value, (list, tuple)):
        if depth >= MAX_DEPTH:
            return _put(out, budget, "[…]")
        if not _put(out, budget, "["):
            return False
        for i, item in enumerate(value):
            if (i and not _put(out, budget, ", ")) or not _write(item, out, budget, depth + 1):
                return False
        return _put(out, budget, "]")
    if isinstance(value, dict):
        if depth >= MAX_DEPTH:
            return _put(out, budget, "{…}")
        if not _put(out, budget, "{"):
            return False
        for i, (key, item) in enumerate(value.items()):
            if (i and not _put(out, budget, ", ")) or not _put(out, budget, _scalar(str(key), budget) + ": "):
                return False
            if not _write(item, out, budget, depth + 1):
                return False
        return _put(out, budget, "}")
    return _put(out, budget, _scalar(value, budget))


def _scalar(value: Any, budget: list[int]) -> str:
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int):
        digits = int(value.bit_length() * 0.30103) + 1
        return str(value) if digits <= BIG_INT_DIGITS else f"<an integer of about {digits:,} digits>"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}[repr(value)]
    if isinstance(value, str):
        return json.dumps(value[: max(budget[0], 0) + 2], ensure_ascii=False)
    return f"<{type(value).__name__}>"
