"""A simulated class for ``autograde integrity``: honest students with realistic mistakes, and copiers.

Each student has an ability; on each problem they answer right, make one of the family's named
mistakes for their own variant, slip (one number of one part off by one or ten, doubled, halved, a
tenth, 10% off, of the wrong sign; a digit of a formula), or leave it blank. A copier hands in their
source's answers (whatever the source gave, right or wrong, for the source's own numbers) for every
problem, or for half of them. The answers are graded by the grading path itself (``part_rows`` on a
run outcome holding them, as if read from a notebook) and recorded in a real gradebook, so
``check_integrity`` reads them exactly as it reads a course's.
No notebook is run: the notebook evidence is left out (the files do not exist, which is noted).
"""

from __future__ import annotations

import copy
import math
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from grader.assignment import load_assignment
from grader.config import Course, load_course
from grader.gradebook import Gradebook
from grader.grading.batch import row_of
from grader.grading.jobs import ExecutionOutcome
from grader.grading.score import ScoringPolicy, part_rows
from grader.notebook.slots import slots
from grader.problems.base import join_answer
from grader.variants import variants

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "cnn-fundamentals"
SUBMITTED_AT = "2026-12-07T20-00-00Z"


@dataclass(frozen=True)
class Copy:
    """``copier`` hands in ``source``'s answers to ``problems``."""

    copier: str
    source: str
    problems: tuple[str, ...]
    full: bool

    @property
    def pair(self) -> tuple[str, str]:
        return tuple(sorted((self.copier, self.source)))


@dataclass
class SimulatedClass:
    course: Course
    assignment: str
    copies: list[Copy] = field(default_factory=list)
    behaviour: dict[str, int] = field(default_factory=dict)   # what the honest answers were: right, mistake, slip, blank

    @property
    def copied_pairs(self) -> set[tuple[str, str]]:
        return {c.pair for c in self.copies}


def make_course(root: Path, students: int, assignment: str = ASSIGNMENT) -> Course:
    """A copy of the demo course's configuration and assignments with ``students`` students."""
    root.mkdir(parents=True)
    shutil.copytree(ROOT / "assignments", root / "assignments")
    shutil.copyfile(ROOT / "autograde.toml", root / "autograde.toml")
    (root / "roster.csv").write_text("student_id\n" + "".join(f"u{i:04d}\n" for i in range(1, students + 1)))
    (root / ".autograde").mkdir()
    (root / ".autograde" / "secret").write_text("integrity-simulation\n")
    return load_course(root)


def simulate(course: Course, assignment: str = ASSIGNMENT, *, full_copies: int = 0, half_copies: int = 0,
             seed: int = 0) -> SimulatedClass:
    """Answer, grade and record every roster student's submission; some copy (see the module docstring)."""
    rng = np.random.default_rng(seed)
    a = load_assignment(course, assignment)
    secret, _ = course.secret()
    roster = [s.student_id for s in course.roster()]
    vs = {sid: variants(secret, course.config.course, a, sid) for sid in roster}
    out = SimulatedClass(course, assignment)
    answers = {sid: _honest(vs[sid], rng, float(rng.uniform(0.35, 0.95)), out.behaviour) for sid in roster}
    problems = [p.id for p in a.computed]
    chosen = rng.choice(len(roster), size=2 * (full_copies + half_copies), replace=False)
    for k in range(full_copies + half_copies):
        copier, source = roster[chosen[2 * k]], roster[chosen[2 * k + 1]]
        full = k < full_copies
        taken = tuple(problems) if full else tuple(sorted(rng.choice(problems, size=len(problems) // 2, replace=False)))
        out.copies.append(Copy(copier, source, taken, full))
        for pid in taken:
            if answers[source].get(pid) is not None:  # nothing to copy from a blank answer
                answers[copier][pid] = copy.deepcopy(answers[source][pid])
    _record(course, a, vs, answers)
    return out


def _honest(student_variants: dict, rng: np.random.Generator, ability: float, tally: dict[str, int]) -> dict[str, Any]:
    """One student's raw answer per problem, in each family's answer layout (None: left blank)."""
    out: dict[str, Any] = {}
    for pid, v in student_variants.items():
        roll = rng.random()
        mistakes = v.family.mistakes(v.params)
        if roll < ability:
            kind, answer = "right", v.answer()
        elif roll < ability + (1 - ability) * 0.55 and mistakes:
            kind, answer = "mistake", mistakes[int(rng.integers(len(mistakes)))].answer
        elif roll < ability + (1 - ability) * 0.9:
            kind, answer = "slip", _slip(v, rng)
        else:
            kind, answer = "blank", None
        tally[kind] = tally.get(kind, 0) + 1
        out[pid] = copy.deepcopy(answer)
    return out


def _slip(v, rng: np.random.Generator) -> Any:
    """The right answer with one number of one part off, as a hurried hand gets it."""
    parts = {name: copy.deepcopy(p.expected) for name, p in v.family.parts(v.params).items()}
    name = list(parts)[int(rng.integers(len(parts)))]
    parts[name] = _nudge(parts[name], rng)
    return join_answer(v.family.layout, parts)


def _nudge(value: Any, rng: np.random.Generator) -> Any:
    if isinstance(value, list) and value:
        i = int(rng.integers(len(value)))
        return [*value[:i], _nudge(value[i], rng), *value[i + 1:]]
    if isinstance(value, bool) or value is None:
        return 1 if value is None else value
    if isinstance(value, int):
        return [value + 1, value - 1, value * 2, value // 10 or value + 2, value + 10][int(rng.integers(5))]
    if isinstance(value, float):
        scale = [1.1, 0.9, 2.0, 0.5, -1.0][int(rng.integers(5))]
        return value * scale if value else 0.5
    if isinstance(value, str):  # an expression or a shape written as text: one digit changed, or a sign
        digits = [m.start() for m in re.finditer(r"\d", value)]
        if digits:
            i = digits[int(rng.integers(len(digits)))]
            return value[:i] + str((int(value[i]) + 1) % 10) + value[i + 1:]
        return "-(" + value + ")"
    return value


def _record(course: Course, assignment, student_variants: dict, answers: dict[str, dict[str, Any]]) -> None:
    """Grade each student's answers by the grading path and record them, as ``grade`` does."""
    policy = ScoringPolicy(course.config.tolerance, course.config.carry_forward)
    book = Gradebook(course.config.gradebook, course.root)
    try:
        book.add_students((s.student_id, s.name, s.email) for s in course.roster())
        for sid, given in answers.items():
            vs = student_variants[sid]
            slot_map = {pid: slots(pid, v.family, v.params) for pid, v in vs.items()}
            outcome = ExecutionOutcome(key=sid, values=_values(vs, slot_map, given))
            rows = part_rows(assignment, vs, slot_map, outcome, policy)
            book.record(assignment=assignment.name, student_id=sid, path=f"simulated/{sid}.ipynb", sha256="sim",
                        submitted_at=SUBMITTED_AT, status="graded", rows=[row_of(r) for r in rows],
                        variants={pid: (v.family.name, v.params.model_dump(mode="json")) for pid, v in vs.items()},
                        alternatives={pid: v.alternative for pid, v in vs.items() if v.alternative is not None})
    finally:
        book.close()


def _values(vs: dict, slot_map: dict, given: dict[str, Any]) -> dict[str, Any]:
    """The answer variables a notebook would have held: what the collector brings back."""
    values: dict[str, Any] = {}
    for pid, v in vs.items():
        answer = given.get(pid)
        if answer is None:
            continue
        for slot in slot_map[pid]:
            value = answer if slot.part is None or v.family.layout == "value" else \
                (answer.get(slot.part) if isinstance(answer, dict) else None)
            if value is not None and not (isinstance(value, float) and math.isnan(value)):
                values[slot.variable] = value
    return values


def flagged(result) -> set[tuple[str, str]]:
    return {tuple(sorted(p.students)) for p in result.pairs}
