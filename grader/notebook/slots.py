"""Where a problem's answer lives in a notebook (named variables) and how it comes back out.

Answers leave the student's kernel only as bounded plain JSON written by :data:`COLLECTOR`,
which the grader appends after the student's cells with a fresh random marker; the grader parses
that JSON with a size cap and never runs, imports or unpickles anything from the kernel.
"""

from __future__ import annotations

import json
import math
import pprint
from dataclasses import dataclass
from typing import Any

from grader.problems import Family
from grader.problems.base import FamilyParams

__all__ = ["COLLECTOR", "UNANSWERED", "Slot", "collector_source", "parse_collected", "slots", "stub_line", "to_answer"]

UNANSWERED = {"$autograde": "unanswered"}
"""An answer variable left at its initial ``...``: distinct from ``None``, which can be an answer."""
MAX_COLLECTED_BYTES = 4_000_000


@dataclass(frozen=True)
class Slot:
    """One answer variable: its name, the part it holds (``None``: the whole answer) and its hint."""

    variable: str
    part: str | None
    hint: str
    none_is_answer: bool = False

    @property
    def initial(self) -> str:
        return "..." if self.none_is_answer else "None"


def slots(problem_id: str, family: Family, params: FamilyParams) -> list[Slot]:
    """The answer variables of one problem, in order."""
    parts = family.parts(params)
    if family.layout == "list":
        first = next(iter(parts.values()))
        hint = f"a list of {len(parts)} entries, one per {next(iter(parts)).rstrip('0123456789')}: each {first.kind.describe()}"
        return [Slot(f"{problem_id}_answer", None, hint)]
    return [
        Slot(f"{problem_id}_{name}", name, part.kind.describe(), none_is_answer=part.kind.name == "optional_integer")
        for name, part in parts.items()
    ]


def stub_line(slot: Slot, value: Any = None, filled: bool = False) -> str:
    shown = _literal(value) if filled else slot.initial
    return f"{slot.variable} = {shown}  # {slot.hint}"


def _literal(value: Any) -> str:
    return pprint.pformat(value, width=100, compact=True)


def to_answer(family: Family, problem_slots: list[Slot], values: dict[str, Any]) -> Any:
    """Assemble the raw answer (the family's JSON layout) from collected variable values."""
    def get(slot: Slot) -> Any:
        value = values.get(slot.variable, UNANSWERED)
        return None if value == UNANSWERED and not slot.none_is_answer else value

    if family.layout == "object":
        return {s.part: get(s) for s in problem_slots}
    return get(problem_slots[0])


# Runs in the student's kernel after their cells. Its only output is one line of JSON between
# two copies of a marker chosen per run, so text the student printed cannot pass for it.
COLLECTOR = r'''
def __autograde_collect(names, marker, limit=100_000, depth_limit=32):
    import json as _json
    import math as _math
    budget = [limit]

    def plain(x, depth):
        budget[0] -= 1
        if budget[0] < 0 or depth > depth_limit:
            return {"$autograde": "too_large"}
        if x is Ellipsis:
            return {"$autograde": "unanswered"}
        if x is None or isinstance(x, (bool, str)):
            return x if not isinstance(x, str) or len(x) <= 20_000 else {"$autograde": "too_large"}
        if isinstance(x, int):
            return x if abs(x) < 10**18 else {"$autograde": "too_large"}
        if isinstance(x, float):
            return x if _math.isfinite(x) else {"$autograde": "nonfinite", "repr": repr(x)}
        module = type(x).__module__.split(".")[0]
        if module in ("numpy", "torch", "jax", "jaxlib") and hasattr(x, "tolist"):
            size = getattr(x, "size", None)
            size = size() if callable(size) else size
            if isinstance(size, int) and size > budget[0]:
                return {"$autograde": "too_large"}
            return plain(x.tolist(), depth + 1)
        if isinstance(x, (list, tuple)):
            if len(x) > budget[0]:
                return {"$autograde": "too_large"}
            return [plain(v, depth + 1) for v in x]
        if isinstance(x, dict) and all(isinstance(k, str) for k in x):
            return {k: plain(v, depth + 1) for k, v in list(x.items())[:1000]}
        return {"$autograde": "unreadable", "type": type(x).__name__}

    scope = globals()
    found = {n: plain(scope[n], 0) if n in scope else {"$autograde": "missing"} for n in names}
    print(marker + _json.dumps(found) + marker)
'''


def collector_source(variables: list[str], marker: str) -> str:
    return f"{COLLECTOR}\n__autograde_collect({variables!r}, {marker!r})\n"


def parse_collected(text: str, marker: str) -> dict[str, Any] | None:
    """The collected answers from the collector cell's output; ``None`` when absent or malformed."""
    pieces = text.split(marker)
    if len(pieces) != 3:
        return None
    payload = pieces[1]
    if len(payload) > MAX_COLLECTED_BYTES:
        return None
    try:
        found = json.loads(payload, parse_constant=lambda _: None)
    except (ValueError, RecursionError):
        return None
    if not isinstance(found, dict):
        return None
    return {k: _readable(v) for k, v in found.items() if isinstance(k, str)}


def _readable(value: Any) -> Any:
    """Turn the collector's markers into values the answer kinds explain (or UNANSWERED)."""
    if isinstance(value, dict) and set(value) >= {"$autograde"}:
        tag = value["$autograde"]
        if tag in ("unanswered", "missing"):
            return UNANSWERED
        if tag == "nonfinite":
            return math.nan
        if tag == "unreadable":
            return f"<a {value.get('type', 'object')}: give plain numbers or lists>"
        return "<too large to read>"
    if isinstance(value, list):
        return [_readable(v) for v in value]
    if isinstance(value, dict):
        return {k: _readable(v) for k, v in value.items()}
    return value
