"""How surprising is it that two students share an answer? The statistics behind ``autograde integrity``.

Every student has their own numbers, so a wrong answer that equals a classmate's right answer (or
the classmate's own wrong answer) is either a coincidence or was copied across variants. How
likely the coincidence is depends on the value: an output channel count that a fifth of the class
could give says little; a parameter count that only one variant has says a lot. The chance of a
match is estimated from the roster: the share of students who *have* those values at hand, that
is whose variant's right answer or one of whose family's named mistakes (recomputed from their own
parameters) gives them, or who handed them in themselves (the pair's own submissions left out, so a
copy does not make itself look common). The parts of one problem matched together are counted
together (a total and the per-layer counts it sums come from one slip, not two). A pair's score
adds ``-log10`` of the chance of its strongest match in each problem, over the problems.

How often a score that high appears by chance is measured, not assumed: each problem's answers
(variant, right answer, submission) are shuffled among the students, independently per problem,
which keeps every problem's coincidences and breaks any link between one student's problems. The
shuffles move answers only between students who got as many problems wrong, since two weak
students meet more often than two strong ones. The pairs that still score high are chance pairs;
their mean count over many shuffles is the expected number of pairs above a threshold by chance.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np

__all__ = ["Answers", "Match", "MatchKind", "NullDistribution", "answer_key", "match_problem", "null_distribution",
           "pair_scores"]

MAX_CHANCE = 0.1
"""A value more than one student in ten has at hand is no evidence: such matches are not counted."""

Key = Hashable
_DECIMAL = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?")


class MatchKind(str, Enum):
    """How one student's wrong answer meets the other student's."""

    their_right_answer = "their_right_answer"   # it is the other student's right answer (for their variant)
    same_wrong_answer = "same_wrong_answer"     # the other student gave the same answer, wrong for them too


def answer_key(value: Any, sig_figs: int = 3) -> Key | None:
    """A hashable key under which equal answers meet: reals rounded to ``sig_figs`` significant figures
    (how the grader's tolerance reads them), text without spaces or case. None for a value that says
    nothing (no answer, an empty list, NaN or infinity, a marker the answer reader wrote for something
    unreadable)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None  # what code that failed gives (a division by zero, say): two failures are no link
    key = _key(value, sig_figs)
    return None if key in (None, (), "") or isinstance(key, str) and key.startswith("<") and key.endswith(">") else key


def _key(value: Any, sig_figs: int) -> Key:
    if isinstance(value, bool):
        return ("bool", value)  # True == 1 in Python: a yes is not the number one
    if value is None or isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return repr(value)
        rounded = float(f"{value:.{sig_figs}g}") + 0.0  # -0.0 and 0.0 are one answer
        return int(rounded) if rounded.is_integer() and abs(rounded) < 2**53 else rounded
    if isinstance(value, str):
        text = "".join(value.split()).lower()
        return _key(float(text), sig_figs) if _DECIMAL.fullmatch(text) else text
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _key(v, sig_figs)) for k, v in value.items()))
    if isinstance(value, Iterable):
        return tuple(_key(v, sig_figs) for v in value)
    return repr(value)


@dataclass(frozen=True)
class Answers:
    """One roster student's side of one problem: what their own variant makes right and likely, and
    what they gave. Keys come from :func:`answer_key`; ``given`` holds only parts answered."""

    student: int                                  # index in the roster
    right: Mapping[str, Key]                      # part -> the key of this variant's right answer
    mistakes: tuple[Mapping[str, Key], ...] = ()  # each named mistake's whole answer, part -> key
    given: Mapping[str, Key] = field(default_factory=dict)
    wrong: frozenset[str] = frozenset()           # parts whose given answer is wrong for this variant

    def natural(self, parts: tuple[str, ...]) -> set[tuple]:
        """The values these parts take, together, in the right answer and in each named mistake."""
        return {value for whole in (self.right, *self.mistakes) if None not in (value := tuple(whole.get(p) for p in parts))}

    def at_hand(self, parts: tuple[str, ...]) -> set[tuple]:
        """The natural values of these parts and what the student gave for them."""
        given = tuple(self.given.get(p) for p in parts)
        return self.natural(parts) | ({given} if None not in given else set())


@dataclass(frozen=True)
class Match:
    """Student ``wrong``'s wrong answers to some parts of one problem equal student ``source``'s right
    (or own wrong) answers to them."""

    problem: int                                  # index of the problem
    parts: tuple[str, ...]
    wrong: int
    source: int
    kind: MatchKind
    chance: float

    @property
    def evidence(self) -> float:
        return -math.log10(self.chance)

    @property
    def pair(self) -> tuple[int, int]:
        return (min(self.wrong, self.source), max(self.wrong, self.source))


def match_problem(problem: int, answers: Sequence[Answers], max_chance: float = MAX_CHANCE) -> list[Match]:
    """Every match of one problem whose chance is at most ``max_chance``: for each student and each
    classmate, the parts where the student's wrong answers equal the classmate's right answers (or
    the classmate's own wrong answers), with the chance of those values coming together.

    The chance is of the parts jointly (a total and the per-layer counts it sums come from one slip,
    not two), over ``len(answers)`` students, one entry per roster student.
    """
    n = len(answers)
    holders: dict[str, dict[Key, list[tuple[int, MatchKind]]]] = defaultdict(lambda: defaultdict(list))
    for j, b in enumerate(answers):
        for part, key in b.right.items():
            if key is not None:
                holders[part][key].append((j, MatchKind.their_right_answer))
        for part in b.wrong:
            holders[part][b.given[part]].append((j, MatchKind.same_wrong_answer))
    counts: dict[tuple[str, ...], Counter] = {}
    found = []
    for i, a in enumerate(answers):
        met: dict[tuple[int, MatchKind], list[str]] = defaultdict(list)
        for part in sorted(a.wrong):
            for j, kind in holders[part].get(a.given[part], ()):
                if j != i:
                    met[(j, kind)].append(part)
        for (j, kind), parts in met.items():
            parts = tuple(parts)
            if parts not in counts:
                counts[parts] = Counter(value for b in answers for value in b.at_hand(parts))
            value = tuple(a.given[p] for p in parts)
            # the pair's own submissions are left out: a copy must not make itself look common
            others = counts[parts][value] - (value not in a.natural(parts)) \
                - (kind is MatchKind.same_wrong_answer and value not in answers[j].natural(parts))
            chance = min(1.0, (others + 1) / (n + 1))
            if chance <= max_chance:
                found.append(Match(problem, parts, i, j, kind, chance))
    return found


def pair_scores(matches: Iterable[Match]) -> dict[tuple[int, int], tuple[float, list[Match]]]:
    """Each pair's score: the evidence of their strongest match in each problem, summed over the
    problems; with those matches, strongest first."""
    best: dict[tuple[int, int], dict[int, Match]] = defaultdict(dict)
    for m in matches:
        here = best[m.pair]
        if m.problem not in here or _rank(m) < _rank(here[m.problem]):
            here[m.problem] = m
    out = {}
    for pair, per_problem in best.items():
        kept = sorted(per_problem.values(), key=lambda m: (m.chance, m.problem))
        out[pair] = (sum(m.evidence for m in kept), kept)
    return out


def _rank(m: Match) -> tuple:
    return (m.chance, -len(m.parts), m.wrong, m.source, m.kind.value)


@dataclass(frozen=True)
class NullDistribution:
    """Pair scores of the shuffled rosters (those at least ``floor``), pooled over the shuffles."""

    scores: np.ndarray
    permutations: int
    floor: float

    def expected_at_least(self, score: float) -> float:
        """The expected number of pairs scoring at least ``score`` by chance (for ``score >= floor``)."""
        if not self.permutations:
            return 0.0
        return float(np.count_nonzero(self.scores >= score - 1e-9)) / self.permutations

    def threshold_for(self, false_pairs: float) -> float:
        """The lowest score (at least ``floor``) at which at most ``false_pairs`` pairs are expected by chance."""
        allowed = int(math.floor(false_pairs * self.permutations + 1e-9))
        ranked = np.sort(self.scores)[::-1]
        if len(ranked) <= allowed:
            return self.floor
        # just above the first score past the allowance: scores are sums of rounded logs, so a hair is enough
        return max(self.floor, math.nextafter(float(ranked[allowed]), math.inf) + 1e-6)


def null_distribution(matches_by_problem: Sequence[Sequence[Match]], strata: Sequence[int], permutations: int,
                      floor: float, seed: int = 0) -> NullDistribution:
    """Shuffle each problem's answers among the students, independently, ``permutations`` times, and
    keep every pair score at least ``floor``.

    Answers move only between students of one stratum (``strata``: one label per student), so that
    what makes some students match more often than others (getting many problems wrong) survives
    the shuffle, and only the link between two particular students is broken.
    """
    students = len(strata)
    labels = np.asarray(strata)
    groups = [np.flatnonzero(labels == g) for g in np.unique(labels)]
    per_problem = []
    for matches in matches_by_problem:
        evidence: dict[tuple[int, int], float] = {}
        for m in matches:  # as in pair_scores: a pair's strongest match in the problem
            evidence[m.pair] = max(evidence.get(m.pair, 0.0), m.evidence)
        if evidence:
            pairs = np.array(list(evidence), dtype=np.int64)
            per_problem.append((pairs[:, 0], pairs[:, 1], np.array(list(evidence.values()))))
    rng = np.random.default_rng(seed)
    kept: list[np.ndarray] = []
    for _ in range(permutations if per_problem else 0):
        keys, weights = [], []
        for i, j, e in per_problem:
            moved = np.arange(students)
            for group in groups:
                moved[group] = rng.permutation(group)
            a, b = moved[i], moved[j]
            keys.append(np.minimum(a, b) * students + np.maximum(a, b))
            weights.append(e)
        unique, inverse = np.unique(np.concatenate(keys), return_inverse=True)
        sums = np.bincount(inverse, weights=np.concatenate(weights), minlength=len(unique))
        kept.append(sums[sums >= floor - 1e-9])
    return NullDistribution(np.concatenate(kept) if kept else np.zeros(0), permutations if per_problem else 0, floor)
