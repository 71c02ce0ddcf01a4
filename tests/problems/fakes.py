"""A tiny family built in code, to test the checker and registry through their public seams."""

from __future__ import annotations

import types

from pydantic import Field

from grader.answers import Integer
from grader.problems.base import FamilyParams, Mistake, Part, names
from grader.problems.space import Draw, FamilySpace, Range


class Params(FamilyParams):
    start: int = Field(1, ge=0, le=100, description="First value.")
    step: int = Field(description="Added at each stage.", ge=1, le=10)
    stages: int = Field(3, ge=1, le=6, description="How many stages.")


class Space(FamilySpace):
    step: Draw = Range(min=1, max=9)


def generate(rng, space):
    return Params(step=space.draw(rng, "step"))


def solve(p: Params) -> dict[str, Part]:
    """Running sums: stage i is stage i-1 plus step, so a later stage can carry an earlier error."""
    parts = {}
    for i, name in enumerate(names("stage", p.stages)):
        previous = names("stage", p.stages)[i - 1] if i else None
        carry = (lambda given, prev=previous: given[prev] + p.step) if previous else None
        parts[name] = Part(p.start + (i + 1) * p.step, Integer(), carry=carry)
    return parts


def mistakes(p: Params):
    yield Mistake("off_by_one", "Count from the start value.", [p.start + i * p.step for i in range(p.stages)])


def module(**overrides) -> types.ModuleType:
    """A family module; ``overrides`` replace or (with value None) delete its attributes."""
    mod = types.ModuleType("running_sum", "Running sums of a step, one stage at a time.")
    attrs = dict(Params=Params, Space=Space, generate=generate, ANSWER="list", solve=solve, mistakes=mistakes,
                 STATEMENT="Add {{ p.step }} to {{ p.start }}, {{ p.stages }} times.",
                 SOLUTION="Stage by stage: {{ answer }}.")
    attrs.update(overrides)
    for key, value in attrs.items():
        if value is not None:
            setattr(mod, key, value)
    return mod
