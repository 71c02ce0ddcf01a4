"""Where a problem's answer lives in a notebook (named variables) and how it comes back out.

Answers leave the student's kernel only as bounded plain JSON printed by the collector cell,
which the grader appends after the student's cells with a fresh random marker; the grader parses
that JSON with a size cap and never runs, imports or unpickles anything from the kernel.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from grader.answers import DEFAULT_TOLERANCE, AnswerKind, Tolerance
from grader.notebook.plain import to_plain, to_plain_source
from grader.problems import Family
from grader.problems.base import FamilyParams
from grader.sandbox import channel

__all__ = ["UNANSWERED", "Slot", "collected_text", "collector_source", "parse_collected", "slot_values", "slots", "stub_line", "to_answer"]

UNANSWERED = {"$autograde": "unanswered"}
"""An answer variable left at its initial ``...``: distinct from ``None``, which can be an answer."""
MAX_COLLECTED_BYTES = 4_000_000
MAX_DEPTH = 40  # the collector stops at 32 levels
TOO_DEEP = f"<nested more than {MAX_DEPTH} levels deep: not read>"


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


def slots(problem_id: str, family: Family, params: FamilyParams, tolerance: Tolerance = DEFAULT_TOLERANCE) -> list[Slot]:
    """The answer variables of one problem, in order (``tolerance``: the problem's, for the hints)."""
    parts = family.parts(params)
    if family.layout == "list":
        first = next(iter(parts.values()))
        hint = f"a list of {len(parts)} entries, one per {next(iter(parts)).rstrip('0123456789')}: each {_hint(first.kind, tolerance)}"
        return [Slot(f"{problem_id}_answer", None, hint)]
    return [
        Slot(f"{problem_id}_{name}", name, _hint(part.kind, tolerance), none_is_answer=part.kind.none_is_answer)
        for name, part in parts.items()
    ]


def _hint(kind: AnswerKind, tolerance: Tolerance) -> str:
    return f"{kind.describe()} ({tolerance.enough})" if kind.uses_tolerance else kind.describe()


def slot_values(problem_slots: list[Slot], layout: str, answer: Any) -> list[Any]:
    """What each answer variable holds when ``answer`` (in the family's layout) is written into them."""
    return [answer if s.part is None or layout == "value" else answer[s.part] for s in problem_slots]


def stub_line(slot: Slot, value: Any = None, filled: bool = False) -> str:
    shown = literal(value) if filled else slot.initial
    return f"{slot.variable} = {shown}  # {slot.hint}"


def literal(value: Any) -> str:
    """A Python literal for plain data: a dict one key per line (sorted), anything else as ``repr``.

    Deterministic, readable in a notebook, and much cheaper than ``pprint`` on large tensors.
    """
    if isinstance(value, dict) and value:
        body = "".join(f"    {k!r}: {v!r},\n" for k, v in sorted(value.items()))
        return "{\n" + body + "}"
    return repr(value)


def to_answer(family: Family, problem_slots: list[Slot], values: dict[str, Any]) -> Any:
    """Assemble the raw answer (the family's JSON layout) from collected variable values."""
    def get(slot: Slot) -> Any:
        value = values.get(slot.variable, UNANSWERED)
        return None if value == UNANSWERED and not slot.none_is_answer else value

    if family.layout == "object":
        return {s.part: get(s) for s in problem_slots}
    return get(problem_slots[0])


def collector_source(variables: list[str], marker: str) -> str:
    """The cell that prints the answers: run in the student's kernel after their cells.

    Its only output is one line of JSON between two copies of a marker chosen per run, so text the
    student printed cannot pass for it; the values go through :func:`~grader.notebook.plain.to_plain`.
    """
    return (
        f"{to_plain_source()}\n\n"
        "def __autograde_collect(names, marker):\n"
        "    import json as _json\n"
        "    budget, scope = [100_000], globals()\n"
        "    found = {n: __autograde_plain(scope[n], budget) if n in scope else {'$autograde': 'missing'} for n in names}\n"
        "    print(marker + _json.dumps(found) + marker)\n\n\n"
        f"__autograde_collect({variables!r}, {marker!r})\n"
    )


def collected_text(scope: dict[str, Any], variables: list[str], marker: str) -> str:
    """What the collector would print for these values (the no-execution route uses it)."""
    budget = [100_000]
    found = {n: to_plain(scope[n], budget) if n in scope else {"$autograde": "missing"} for n in variables}
    return marker + json.dumps(found) + marker + "\n"


def parse_collected(text: str, marker: str) -> dict[str, Any] | None:
    """The collected answers from the collector cell's output; ``None`` when absent or malformed."""
    pieces = text.split(marker)
    if len(pieces) != 3:
        return None
    payload = pieces[1]
    if len(payload) > MAX_COLLECTED_BYTES:
        return None
    try:
        found = channel.loads(payload)  # a number that cannot be compared reads as a sentence
    except (ValueError, RecursionError):
        return None
    if not isinstance(found, dict):
        return None
    return {k: _readable(v) for k, v in found.items() if isinstance(k, str)}


def _readable(value: Any, depth: int = 0) -> Any:
    """Turn the collector's markers into values the answer kinds explain (or UNANSWERED)."""
    if depth > MAX_DEPTH:  # deeper than the collector ever writes: a forged payload
        return TOO_DEEP
    if isinstance(value, dict) and set(value) >= {"$autograde"}:
        tag = value["$autograde"]
        if tag in ("unanswered", "missing"):
            return UNANSWERED
        if tag == "nonfinite":
            return math.nan
        if tag == "huge_number":
            return channel.HUGE_NUMBER
        if tag == "unreadable":
            return f"<a {str(value.get('type', 'object'))[:100]}: give plain numbers or lists>"
        return "<too large to read>"
    if isinstance(value, list):
        return [_readable(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {k: _readable(v, depth + 1) for k, v in value.items()}
    return value
