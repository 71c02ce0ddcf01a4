"""Is a problem harder for some parameter values? Mean score per value of each scalar parameter.

Every student has their own parameters, so a problem can be fair on average and still much harder
for, say, stride 2. This module groups students by the value of one parameter at a time and
compares the mean score per group. Groups are small in a course, so a gap is only flagged when
both groups have enough students, and every number keeps its ``n`` so a reader can judge.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["MAX_LEVELS", "MIN_N", "MIN_SPREAD", "ParamEffect", "ParamLevel", "parameter_effects"]

MIN_N = 3
"""Fewest students a value needs before its mean is compared with another's."""
MIN_SPREAD = 0.2
"""Gap (as a share of the problem's points) between the best and worst value that gets flagged."""
MAX_LEVELS = 6
"""A numeric parameter with more distinct values than this is cut into three ranges: one student
per value says nothing, a third of the class per range does."""


@dataclass(frozen=True)
class ParamLevel:
    """The students who had one value (or range of values) of a parameter, and how they scored."""

    label: str
    n: int
    mean: float
    sd: float          # sample standard deviation of the per-student scores (0 when n < 2)
    is_range: bool = False


@dataclass(frozen=True)
class ParamEffect:
    """How one problem's mean score varies with one of its parameters."""

    problem_id: str
    param: str
    levels: tuple[ParamLevel, ...]
    best: ParamLevel | None           # among levels with n >= min_n; None when fewer than two qualify
    worst: ParamLevel | None
    flagged: bool

    @property
    def spread(self) -> float | None:
        return None if self.best is None or self.worst is None else self.best.mean - self.worst.mean

    @property
    def standard_error(self) -> float | None:
        """Standard error of the best-minus-worst gap (Welch's, from the two groups' spreads)."""
        if self.best is None or self.worst is None:
            return None
        return math.sqrt(self.best.sd ** 2 / self.best.n + self.worst.sd ** 2 / self.worst.n)

    @property
    def may_be_chance(self) -> bool:
        """True when the gap is under two standard errors: groups this small differ that much by luck."""
        spread, se = self.spread, self.standard_error
        return spread is not None and se is not None and spread < 2 * se

    def phrase(self, level: ParamLevel) -> str:
        return f"{self.param} {level.label}" if level.is_range else f"{self.param}={level.label}"

    @property
    def clear(self) -> bool:
        """Flagged, and the gap is at least two standard errors: unlikely to be luck alone."""
        return self.flagged and not self.may_be_chance

    @property
    def claim(self) -> str:
        """One sentence for a flagged effect, with both means and both counts."""
        if self.best is None or self.worst is None:
            return ""
        # "harder with", not "makes harder": parameters drawn together can stand in for each other
        text = (f"{self.problem_id} is harder with {self.phrase(self.worst)}: {self.worst.mean:.0%} (n={self.worst.n}) "
                f"vs {self.best.mean:.0%} with {self.phrase(self.best)} (n={self.best.n})")
        return text + ("" if self.clear else " (within chance for groups this small)")


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, bool | int | float | str)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _label(value: Any) -> str:
    if _is_number(value):
        return f"{value:g}"
    return str(value)


def _order(value: Any) -> tuple:
    # None, booleans, numbers and strings can share a parameter (stride=None or 2, say)
    if value is None:
        return (3, 0)
    if isinstance(value, bool):
        return (0, value)
    if _is_number(value):
        return (1, value)
    return (2, value)


def _level(label: str, scores: Sequence[float], is_range: bool = False) -> ParamLevel:
    n = len(scores)
    mean = sum(scores) / n
    sd = math.sqrt(sum((s - mean) ** 2 for s in scores) / (n - 1)) if n > 1 else 0.0
    return ParamLevel(label=label, n=n, mean=mean, sd=sd, is_range=is_range)


def _ranges(pairs: list[tuple[Any, float]]) -> list[ParamLevel]:
    """Cut a many-valued numeric parameter into (up to) three ranges of about equal head count."""
    values = sorted(v for v, _ in pairs)
    n = len(values)
    cuts = [values[math.ceil(n * k / 3) - 1] for k in (1, 2)]
    groups: list[list[tuple[Any, float]]] = [[], [], []]
    for value, score in pairs:
        groups[sum(value > c for c in cuts)].append((value, score))
    levels = []
    for group in groups:
        if group:
            low, high = min(v for v, _ in group), max(v for v, _ in group)
            label = _label(low) if low == high else f"{_label(low)}–{_label(high)}"
            levels.append(_level(label, [s for _, s in group], is_range=low != high))
    return levels


def _effect(problem_id: str, param: str, pairs: list[tuple[Any, float]], min_n: int, min_spread: float) -> ParamEffect | None:
    distinct = sorted({v for v, _ in pairs}, key=_order)
    if len(distinct) < 2:
        return None
    if len(distinct) > MAX_LEVELS and all(_is_number(v) for v in distinct):
        levels = _ranges(pairs)
    else:
        levels = [_level(_label(v), [s for value, s in pairs if value == v]) for v in distinct]
    comparable = [lv for lv in levels if lv.n >= min_n]
    best = worst = None
    if len(comparable) >= 2:
        # ties go to the earlier value, so the same gradebook always names the same pair
        best = max(comparable, key=lambda lv: lv.mean)
        worst = min(comparable, key=lambda lv: lv.mean)
    flagged = best is not None and worst is not None and best.mean - worst.mean >= min_spread - 1e-12
    return ParamEffect(problem_id, param, tuple(levels), best, worst, flagged)


def parameter_effects(problem_id: str, samples: Iterable[tuple[dict[str, Any], float]], *,
                      min_n: int = MIN_N, min_spread: float = MIN_SPREAD) -> list[ParamEffect]:
    """One effect per scalar parameter that takes at least two values across the students.

    Args:
        samples: one ``(params, score)`` per student, the score a fraction of the problem's points.
        min_n: fewest students a value needs to be compared.
        min_spread: gap between the best and worst compared value that is flagged.

    A parameter is skipped when any student's value is a list or a tensor (per-axis sizes,
    weights): its values are not categories one can average over.
    """
    samples = list(samples)
    names = sorted({name for params, _ in samples for name in params})
    effects = []
    for name in names:
        pairs = [(params[name], score) for params, score in samples if name in params]
        if not all(_is_scalar(v) for v, _ in pairs):
            continue
        effect = _effect(problem_id, name, pairs, min_n, min_spread)
        if effect is not None:
            effects.append(effect)
    return effects
