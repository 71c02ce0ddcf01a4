"""``assignments/<name>/assignment.toml``: problems in order, points, parameter spaces, free text.

A problem names a family (or a ``family_file`` beside the assignment) and may override the
family's parameter space or fix its parameters; a question with a ``prompt`` is free text,
graded by hand. A problem may instead be a pool: ``choose_from`` lists alternatives, each a
family with its own space, and every student gets one of them (see :func:`grader.variants.choose`).
Everything is checked when the assignment loads: an unknown family, a typo'd key or a bad space
is a :class:`~grader.errors.ConfigError` naming the file and the problem.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    NonNegativeFloat,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from grader.answers import Tolerance
from grader.checking import split_points
from grader.config import SAFE_ID, Course, OnSubmit, read_toml
from grader.errors import AutogradeError, ConfigError, FamilyError, describe_validation_error
from grader.late import Duration, LateConfig, Moment, shown
from grader.problems import Family, families, get_family, load_family_file
from grader.problems.space import FamilySpace

__all__ = ["AlternativeConfig", "Assignment", "AssignmentConfig", "Computed", "Pool", "Problem", "ProblemConfig",
           "QuestionConfig", "load_assignment", "problem_family", "read_assignment_config"]

PROBLEM_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,30}$")
"""Problem ids prefix the answer variables (``q1_out_size``), so they must be identifiers."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _identifier(value: str) -> str:
    if not PROBLEM_ID.match(value):
        raise ValueError(f"{value!r} must start with a letter and use only letters, digits and _")
    return value


class ProblemConfig(_Strict):
    """A computed problem: every student gets their own parameters drawn from the family's space."""

    id: str = Field(description="Identifier, unique in the assignment; prefixes the answer variables.")
    family: str | None = Field(None, description="Family name (see `autograde families`).")
    family_file: str | None = Field(None, description="A custom family module beside assignment.toml.")
    title: str = Field("", description="Heading shown to students (default: the family's summary).")
    intro: str = Field("", description="Markdown shown before the statement.")
    points: NonNegativeFloat | dict[str, NonNegativeFloat] | None = Field(
        None, description="Total points shared by the parts, or points per part (never negative).")
    space: dict[str, Any] = Field(default_factory=dict, description="Overrides of the family's parameter space.")
    params: dict[str, Any] | None = Field(None, description="Fixed parameters: every student gets these (no randomisation).")
    tolerance: Tolerance | None = Field(None, description="Tolerance for real answers in this problem.")
    choose_from: list[AlternativeConfig] | None = Field(
        None, description="A question pool: each student gets one of these alternatives (instead of family and space).")

    _identifier = field_validator("id")(_identifier)


class AlternativeConfig(ProblemConfig):
    """One alternative of a question pool: the keys of a problem, with ``id`` naming it in the pool
    (part of its seed, shown to the student); title, intro, points and tolerance default to the pool's."""


ProblemConfig.model_rebuild()


class QuestionConfig(_Strict):
    """A free-text question, graded by hand (exported and imported as CSV)."""

    id: str = Field(description="Identifier, unique in the assignment.")
    title: str = Field("", description="Heading shown to students.")
    prompt: str = Field(description="The question (markdown).")
    points: float = Field(1.0, ge=0, description="Points for the question.")
    rubric: str = Field("", description="Guidance for the graders; never shown to students.")

    _identifier = field_validator("id")(_identifier)


def _kind(item: Any) -> str:
    # tags with a "-": an error's place then reads problems[2].points, without the tag in it
    return "free-text-question" if isinstance(item, dict) and "prompt" in item or isinstance(item, QuestionConfig) \
        else "computed-problem"


Item = Annotated[
    Annotated[ProblemConfig, Tag("computed-problem")] | Annotated[QuestionConfig, Tag("free-text-question")],
    Discriminator(_kind),
]


class AssignmentFeedbackConfig(_Strict):
    """An assignment's own feedback settings, over the course's."""

    on_submit: OnSubmit | None = Field(None, description="What the submission service tells students of an upload (see autograde.toml's feedback.on_submit); a practice assignment may say score or full.")


class AssignmentConfig(_Strict):
    """The whole of ``assignment.toml``."""

    title: str = Field(description="Title shown to students.")
    due: Moment | None = Field(None, description="Due date (TOML date or date-time; a date alone is the end of that day; UTC if no offset).")
    cutoff: Moment | None = Field(None, description="Nothing later is graded unless asked (default: the due date); late days still count from the due date.")
    grace: Duration = Field(dt.timedelta(), description="How long after the due date (and the cutoff) a submission still counts as on time: \"15m\", \"1h\".")
    late: LateConfig = Field(default_factory=LateConfig, description="The penalty for late work.")
    canvas_column: str | None = Field(None, description="The assignment's column in a Canvas import, \"Title (canvas assignment id)\" (default: the title).")
    intro: str = Field("", description="Markdown shown under the notebook's header.")
    feedback: AssignmentFeedbackConfig = Field(default_factory=AssignmentFeedbackConfig)
    problems: list[Item] = Field(min_length=1, description="Problems and free-text questions, in order.")

    @model_validator(mode="after")
    def _deadlines(self) -> AssignmentConfig:
        if self.cutoff is not None:
            if self.due is None:
                raise ValueError("cutoff: needs a due date")
            if self.cutoff < self.due:
                raise ValueError(f"cutoff: {shown(self.cutoff)} is before the due date, {shown(self.due)}")
        return self

    @field_validator("canvas_column")
    @classmethod
    def _canvas_id(cls, value: str | None) -> str | None:
        # Canvas reads a trailing "(...)" of digits as its assignment id; anything else there is part of a title
        found = re.search(r"\s\(([^()]*)\)$", value or "")
        if found and not found.group(1).isdigit():
            raise ValueError(f"{value!r}: the part in parentheses must be Canvas's numeric assignment id, like \"Homework 3 (48213)\"")
        return value


@dataclass(frozen=True)
class Problem:
    """A computed problem with its family and (validated) space resolved; or one alternative of a
    pool, whose config is the pool's merged with the alternative's (its id is the pool's)."""

    config: ProblemConfig
    family: Family
    space: FamilySpace
    alternative: str | None = None  # the alternative's name, for one alternative of a pool

    @property
    def id(self) -> str:
        return self.config.id

    @property
    def title(self) -> str:
        return self.config.title or self.family.summary.split(":")[0].rstrip(".")

    @property
    def seed_id(self) -> str:
        """What seeds this problem's parameters: its id, and for an alternative its name too (so that
        changing one alternative's space changes nobody's numbers in the others)."""
        return self.id if self.alternative is None else f"{self.id}/{self.alternative}"


@dataclass(frozen=True)
class Pool:
    """A problem drawn from alternatives: each student gets one (:func:`grader.variants.choose`).

    Anything that needs a family (statements, parts, mistakes, answers) asks the student's variant,
    whose ``problem`` is the alternative they got.
    """

    config: ProblemConfig
    alternatives: tuple[Problem, ...]

    @property
    def id(self) -> str:
        return self.config.id

    @property
    def title(self) -> str:
        return self.config.title or " / ".join(dict.fromkeys(a.title for a in self.alternatives))

    def alternative(self, name: str) -> Problem:
        for a in self.alternatives:
            if a.alternative == name:
                return a
        raise ConfigError(f"problem {self.id!r} has no alternative {name!r}")


Computed = Problem | Pool
"""A computed item of an assignment: a problem, or a pool of alternative problems."""


@dataclass(frozen=True)
class Assignment:
    """A loaded assignment: its name (the folder name), folder and resolved problems."""

    name: str
    folder: Path
    config: AssignmentConfig
    problems: tuple[Problem | Pool | QuestionConfig, ...] = field(repr=False)

    @cached_property
    def computed(self) -> tuple[Problem | Pool, ...]:
        return tuple(p for p in self.problems if not isinstance(p, QuestionConfig))

    @cached_property
    def pools(self) -> tuple[Pool, ...]:
        return tuple(p for p in self.problems if isinstance(p, Pool))

    @cached_property
    def questions(self) -> tuple[QuestionConfig, ...]:
        return tuple(p for p in self.problems if isinstance(p, QuestionConfig))

    @property
    def due(self) -> dt.datetime | None:
        return self.config.due

    @property
    def cutoff(self) -> dt.datetime | None:
        """After this nothing is graded unless asked: the configured cutoff, else the due date."""
        return self.config.cutoff or self.due

    def problem(self, problem_id: str) -> Problem | Pool | QuestionConfig:
        for p in self.problems:
            if p.id == problem_id:
                return p
        raise ConfigError(f"assignment {self.name!r} has no problem {problem_id!r}")


def assignment_names(course: Course) -> list[str]:
    folder = course.folder("assignments")
    return sorted(p.parent.name for p in folder.glob("*/assignment.toml")) if folder.is_dir() else []


def load_assignment(course: Course, name: str) -> Assignment:
    """Load and check ``assignments/<name>/assignment.toml``."""
    if not SAFE_ID.match(name):
        raise ConfigError(f"assignment name {name!r} may only use letters, digits, '.', '_' and '-'")
    folder = course.folder("assignments") / name
    path = folder / "assignment.toml"
    if not path.is_file():
        known = ", ".join(assignment_names(course)) or "none"
        raise ConfigError(f"unknown assignment {name!r}: {path} does not exist (known: {known})")
    config = read_assignment_config(path)
    seen: set[str] = set()
    items: list[Problem | Pool | QuestionConfig] = []
    for item in config.problems:
        if item.id in seen:
            raise ConfigError(f"{path}: problem id {item.id!r} is used twice")
        seen.add(item.id)
        items.append(item if isinstance(item, QuestionConfig) else _resolve(path, folder, item))
    return Assignment(name=name, folder=folder, config=config, problems=tuple(items))


def read_assignment_config(path: Path) -> AssignmentConfig:
    """Parse and check one ``assignment.toml``; a mistake is a one-line ``ConfigError`` naming the file."""
    try:
        return AssignmentConfig.model_validate(read_toml(path))
    except ValidationError as exc:
        raise ConfigError(f"{path}: {describe_validation_error(exc, one_based=True)}") from None


def problem_family(folder: Path, item: ProblemConfig) -> Family:
    """The family a problem names: a registered one, or the module in its ``family_file``.

    A file may not take a registered family's name: a notebook records its problems' families by
    name, and every command must find the same family under it.
    """
    if item.family is not None and item.family_file is None:
        return get_family(item.family)
    if item.family is not None or item.family_file is None:
        raise ConfigError("give exactly one of family or family_file")
    family = load_family_file(folder / item.family_file)
    if family.name in families():
        raise FamilyError(f"family_file {item.family_file}: {family.name!r} is already a registered family; rename the file")
    return family


def _resolve(path: Path, folder: Path, item: ProblemConfig) -> Problem | Pool:
    if item.choose_from is not None:
        return _pool(path, folder, item, item.choose_from)
    return _problem(path, folder, item, f"{path}: problem {item.id!r}")


def _problem(path: Path, folder: Path, item: ProblemConfig, where: str) -> Problem:
    """One problem (no pool): its family found, its space and fixed params checked."""
    try:
        family = problem_family(folder, item)
        space = family.space(item.space)
        if item.params is not None:
            family.params(item.params)
        sample = family.params(item.params) if item.params is not None else family.sample(np.random.default_rng(0), space)
    except AutogradeError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    if isinstance(item.points, dict):
        parts = set(family.parts(sample))
        unknown = sorted(set(item.points) - parts)
        if unknown:
            raise ConfigError(f"{where}: points for unknown part(s) {', '.join(unknown)} (parts: {', '.join(sorted(parts))})")
    return Problem(config=item, family=family, space=space)


POOLED = ("family", "family_file", "space", "params")
"""Keys that belong to each alternative of a pool, never to the pool itself."""


def _pool(path: Path, folder: Path, item: ProblemConfig, choose_from: list[AlternativeConfig]) -> Pool:
    where = f"{path}: problem {item.id!r}"
    own = [key for key in POOLED if key in item.model_fields_set]
    if own:
        raise ConfigError(f"{where}: a pool (choose_from) gives {', '.join(own)} in each alternative, not in the pool")
    if len(choose_from) < 2:
        raise ConfigError(f"{where}: choose_from needs at least two alternatives")
    alternatives: list[Problem] = []
    for alt in choose_from:
        if any(a.alternative == alt.id for a in alternatives):
            raise ConfigError(f"{where}: alternative {alt.id!r} is named twice")
        if alt.choose_from is not None:
            raise ConfigError(f"{where}: alternative {alt.id!r} is a pool itself: list all the alternatives in one pool")
        merged = ProblemConfig(
            id=item.id, family=alt.family, family_file=alt.family_file, title=alt.title or item.title,
            intro=alt.intro or item.intro, points=alt.points if alt.points is not None else item.points,
            space=alt.space, params=alt.params, tolerance=alt.tolerance or item.tolerance)
        problem = _problem(path, folder, merged, f"{where}, alternative {alt.id!r}")
        alternatives.append(Problem(problem.config, problem.family, problem.space, alternative=alt.id))
    totals = {a.alternative: _total(a) for a in alternatives}
    if len({round(t, 9) for t in totals.values()}) > 1:
        shown_totals = ", ".join(f"{name} {total:g}" for name, total in totals.items())
        raise ConfigError(f"{where}: every alternative of a pool must be worth the same points ({shown_totals})")
    return Pool(config=item, alternatives=tuple(alternatives))


def _total(problem: Problem) -> float:
    """The points of a problem, for a sample of its parameters (what the notebook's heading shows)."""
    config = problem.config
    params = problem.family.params(config.params) if config.params is not None else \
        problem.family.sample(np.random.default_rng(0), problem.space)
    return sum(split_points(problem.family.parts(params), config.points).values())
