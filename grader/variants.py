"""Per-student variants: parameters seeded by HMAC(secret, course / assignment / problem / student).

Each problem of each student has its own seed, so adding a student, changing one problem or
reordering the roster never changes anyone else's numbers, and nobody without the secret can
predict them. The variant is always recomputed from these inputs, never read from a notebook.

A question pool gives each student one of its alternatives (:func:`choose`), by the same keyed
hash: stable under roster changes and under fixes to other problems or to another alternative.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from grader.assignment import Assignment, Pool, Problem
from grader.errors import FamilyError
from grader.problems import Family
from grader.problems.base import FamilyParams

__all__ = ["HandWork", "Variant", "VariantSpread", "choose", "hand_work", "problem_rng", "seed_words", "solved_variants",
           "variant", "variants", "variant_stats"]


def _digest(secret: bytes, course: str, assignment: str, problem_id: str, student_id: str) -> bytes:
    return hmac.digest(secret, "\x1f".join((course, assignment, problem_id, student_id)).encode(), hashlib.sha256)


def problem_rng(secret: bytes, course: str, assignment: str, problem_id: str, student_id: str) -> np.random.Generator:
    """The random generator for one student's variant of one problem: ``default_rng`` of the HMAC as an int."""
    digest = _digest(secret, course, assignment, problem_id, student_id)
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed_words(int.from_bytes(digest, "big")))))


def choose(secret: bytes, course: str, assignment: str, pool: Pool, student_id: str) -> Problem:
    """The alternative of a pool one student gets: the one whose keyed hash is highest.

    Each alternative is scored by HMAC(secret, course / assignment / "<pool>/choose/<alternative>" /
    student), and the highest wins (rendezvous hashing): every alternative equally likely, nothing
    else about the assignment involved, the order of ``choose_from`` irrelevant; adding an
    alternative moves only the students it wins, and removing one moves only its own students.
    Problem ids cannot hold a ``/``, so these seeds never meet a problem's own.
    """
    return max(pool.alternatives,
               key=lambda a: _digest(secret, course, assignment, f"{pool.id}/choose/{a.alternative}", student_id))


def seed_words(seed: int) -> np.ndarray:
    """The 32-bit words ``SeedSequence`` makes of a non-negative int (least significant first, at least
    one): the same generator as ``default_rng(seed)``, without numpy's word-by-word Python loop,
    which was most of the cost of seeding every problem of every student."""
    words = []
    while True:
        words.append(seed & 0xFFFFFFFF)
        seed >>= 32
        if not seed:
            return np.array(words, dtype=np.uint32)


@dataclass(frozen=True)
class Variant:
    """One student's version of one problem."""

    problem: Problem
    params: FamilyParams

    @property
    def family(self) -> Family:
        return self.problem.family

    @property
    def problem_id(self) -> str:
        return self.problem.id

    @property
    def alternative(self) -> str | None:
        """Which alternative of a pool this is (None for a problem that is not a pool)."""
        return self.problem.alternative

    def answer(self):
        return self.family.answer(self.params)


def variant(secret: bytes, course: str, assignment: Assignment, problem: Problem | Pool, student_id: str) -> Variant:
    """One student's variant of a problem; of a pool, of the alternative :func:`choose` gives them."""
    if isinstance(problem, Pool):
        problem = choose(secret, course, assignment.name, problem, student_id)
    if problem.config.params is not None:
        return Variant(problem, problem.family.params(problem.config.params))
    rng = problem_rng(secret, course, assignment.name, problem.seed_id, student_id)
    return Variant(problem, problem.family.sample(rng, problem.space))


def variants(secret: bytes, course: str, assignment: Assignment, student_id: str) -> dict[str, Variant]:
    """Every computed problem's variant for one student, in assignment order."""
    return {p.id: variant(secret, course, assignment, p, student_id) for p in assignment.computed}


def solved_variants(secret: bytes, course: str, assignment: Assignment, student_id: str) -> dict[str, Variant]:
    """:func:`variants`, solved, with all the code of a family this package does not ship (a course's
    own file) run once: what it raises is one ``FamilyError`` naming the student and the problem,
    before a notebook is written or a submission run, and a batch can go on without this student."""
    found = {}
    for problem in assignment.computed:
        try:
            v = found[problem.id] = variant(secret, course, assignment, problem, student_id)
            v.family.parts(v.params)
            if not v.family.builtin:
                v.family.mistakes(v.params)
        except FamilyError as exc:
            raise FamilyError(f"{student_id}: problem {problem.id}: {exc}") from None
    return found


@dataclass(frozen=True)
class VariantSpread:
    """How varied one problem (or one alternative of a pool, over the students who got it) is across a roster."""

    problem_id: str
    family: str
    students: int
    distinct_params: int
    distinct_answers: int
    share_probability: float  # chance that two students picked at random have the same answer
    alternative: str | None = None
    degenerate: str | None = None  # why some student's variant is no exercise (fixed params; draws never are)

    @property
    def label(self) -> str:
        return self.problem_id if self.alternative is None else f"{self.problem_id}/{self.alternative}"

    @property
    def too_small(self) -> bool:
        return self.students > 1 and (self.share_probability > 0.05 or self.distinct_answers < min(self.students, 20) / 2)


def _key(value) -> str:
    return json.dumps(value, sort_keys=True)


def variant_stats(secret: bytes, course: str, assignment: Assignment, student_ids: Iterable[str]) -> list[VariantSpread]:
    student_ids = list(student_ids)
    out = []
    for problem in assignment.computed:
        groups: dict[str | None, list[Variant]] = {}
        for sid in student_ids:
            v = variant(secret, course, assignment, problem, sid)
            groups.setdefault(v.alternative, []).append(v)
        alternatives = problem.alternatives if isinstance(problem, Pool) else (problem,)
        for alt in alternatives:  # a pool's alternatives in their order, each over the students who got it
            out.append(_stats(alt, groups.get(alt.alternative, [])))
    return out


def _stats(problem: Problem, group: list[Variant]) -> VariantSpread:
    params: Counter[str] = Counter()
    answers: Counter[str] = Counter()
    degenerate: str | None = None
    for v in group:
        params[v.params.model_dump_json()] += 1
        answers[_key(v.answer())] += 1
        degenerate = degenerate or problem.family.degenerate(v.params)
    n = len(group)
    pairs = n * (n - 1)
    share = sum(c * (c - 1) for c in answers.values()) / pairs if pairs else 0.0
    return VariantSpread(problem.id, problem.family.name, n, len(params), len(answers), share, problem.alternative,
                        degenerate)


@dataclass(frozen=True)
class HandWork:
    """A problem some of whose variants are more than a student computes by hand."""

    problem_id: str
    family: str
    too_big: int  # how many students' variants
    students: int
    example: str  # why, for the first of them


def hand_work(secret: bytes, course: str, assignment: Assignment, student_ids: Iterable[str]) -> list[HandWork]:
    """The problems whose space (an assignment's override, say) gives variants too big to do by hand."""
    student_ids = list(student_ids)
    out = []
    for problem in assignment.computed:
        found = []
        for sid in student_ids:
            v = variant(secret, course, assignment, problem, sid)  # of a pool: the student's own alternative
            why = v.family.too_big_by_hand(v.params)
            if why:
                found.append((v.family.name, why))
        if found:
            out.append(HandWork(problem.id, found[0][0], len(found), len(student_ids), found[0][1]))
    return out
