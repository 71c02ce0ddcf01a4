"""The family registry: built-in families, third-party ones from entry points, and custom files.

A family module is checked when it is registered, not when it is first used: a missing piece is
a :class:`~grader.errors.FamilyError` naming the module and what is missing.
Third-party packages register families under the entry-point group ``autograde.families``
(name = family name, value = module path).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from pydantic import BaseModel, ValidationError

from grader.answers import DEFAULT_TOLERANCE, Reading, Tolerance
from grader.errors import AutogradeError, FamilyError, ParamsError, SpaceError, describe_validation_error
from grader.problems.base import ANSWER_LAYOUTS, FamilyParams, Mistake, Part, first_line, join_answer, split_answer, unique
from grader.problems.space import FamilySpace, edges
from grader.problems.text import render

__all__ = ["ENTRY_POINT_GROUP", "Family", "families", "get_family", "load_family_file", "load_family_module"]

ENTRY_POINT_GROUP = "autograde.families"
INFRASTRUCTURE = frozenset({"base", "registry", "space", "text"})
"""Modules of ``grader.problems`` that are not families; every other module is one."""
MAX_DRAWS = 500
SOLVED_KEPT = 4096  # solutions (and mistakes) kept per family: a few students' worth, for any roster
REQUIRED = {
    "Params": "a pydantic model of the parameters (subclass of FamilyParams)",
    "Space": "the parameter space (subclass of FamilySpace)",
    "generate": "generate(rng, space) -> Params",
    "ANSWER": f"the answer layout, one of {', '.join(ANSWER_LAYOUTS)}",
    "solve": "solve(params) -> dict of Part",
    "mistakes": "mistakes(params) -> iterable of Mistake",
    "STATEMENT": "the statement template (markdown)",
    "SOLUTION": "the worked-solution template (markdown)",
}


@dataclass(frozen=True, eq=False)
class Family:
    """A registered problem family: a checked module plus the operations built on it."""

    name: str
    module: ModuleType

    @property
    def builtin(self) -> bool:
        """One of this package's own families (covered by its tests), not a course's or a plugin's."""
        return self.module.__name__.startswith(f"{__package__}.")

    @cached_property
    def summary(self) -> str:
        return first_line(self.module.__doc__)

    @property
    def Params(self) -> type[FamilyParams]:  # noqa: N802 - mirrors the module attribute
        return self.module.Params

    @property
    def Space(self) -> type[FamilySpace]:  # noqa: N802
        return self.module.Space

    @property
    def layout(self) -> str:
        return self.module.ANSWER

    @property
    def tolerance(self) -> Tolerance:
        return getattr(self.module, "TOLERANCE", DEFAULT_TOLERANCE)

    def params(self, data: Any) -> FamilyParams:
        """Validate parameters (a mapping or a ``Params``); a bad one is a one-line ``ParamsError``."""
        if isinstance(data, self.Params):
            return data
        try:
            return self.Params.model_validate(data)
        except ValidationError as exc:
            raise ParamsError.from_validation(self.name, exc) from None
        except RecursionError:
            raise ParamsError(f"{self.name}: the parameters are nested too deeply to be read") from None

    def space(self, overrides: Mapping[str, Any] | None = None) -> FamilySpace:
        """The family's space with an assignment's overrides; a value that is never drawn is an error
        naming it and why (its draws would be rejected one by one, silently thinning the space)."""
        try:
            space = self.Space.model_validate(dict(overrides or {}))
        except ValidationError as exc:
            raise ParamsError.from_validation(f"{self.name} space", exc) from None
        if not overrides or (key := space.model_dump_json()) in self._sound_spaces:
            return space
        params, why = self._draw(np.random.default_rng(0), space)
        if params is None:
            given = ", ".join(f"{key} = {value!r}" for key, value in overrides.items())
            raise SpaceError(f"{self.name} space: no valid parameters in {MAX_DRAWS} draws with {given} (last: {why})")
        never = [f"{key}: {value!r} is never drawn ({why})" for key in overrides
                 for value in edges(getattr(space, key)) if (why := self._never_drawn(space, key, value))]
        if never:
            raise SpaceError(f"{self.name} space: {'; '.join(never)}")
        self._sound_spaces.add(key)
        return space

    @cached_property
    def _sound_spaces(self) -> set[str]:
        """Spaces (as JSON) found sound: the check draws (deterministically, seed 0) some 50 parameters a space,
        and a long-lived process (the server's grading worker) loads the same assignment for every upload."""
        return set()

    def _never_drawn(self, space: FamilySpace, key: str, value: Any) -> str | None:
        """Why no draw with ``key`` fixed to ``value`` is valid; ``None`` when one is."""
        params, why = self._draw(np.random.default_rng(0), space.model_copy(update={key: [value]}))
        return None if params is not None else why

    def sample(self, rng: np.random.Generator, space: FamilySpace | None = None) -> FamilyParams:
        """Draw valid parameters, redrawing (from the same ``rng``) whenever a draw is rejected or degenerate."""
        params, last = self._draw(rng, space if space is not None else self.Space())
        if params is None:
            raise SpaceError(f"{self.name}: no valid parameters in {MAX_DRAWS} draws from this space (last: {last})")
        return params

    def _draw(self, rng: np.random.Generator, space: FamilySpace) -> tuple[FamilyParams | None, str]:
        last = ""
        for _ in range(MAX_DRAWS):
            try:
                params = self.params(self.module.generate(rng, space))
            except ValidationError as exc:  # generate() built a Params that its own rules reject
                last = describe_validation_error(exc)
                continue
            except ParamsError as exc:
                last = str(exc).removeprefix(f"{self.name}: ")
                continue
            except Exception as exc:
                raise self._raised("generate", exc, None) from None
            try:
                why = self.degenerate(params)
            except FamilyError:  # its solve() raised: said per student when the variant is solved, not here
                why = None
            if why is None:
                return params, ""
            last = f"degenerate: {why}"
        return None, last

    def degenerate(self, params: FamilyParams) -> str | None:
        """Why these parameters make no exercise, by the family's own ``degenerate(params)`` rule (a
        pooling of one window, KL(q‖p) with q = p), or ``None``. An answer of 0 is no such reason in
        itself: a pixel outside the 4 around a point has bilinear weight 0, and an exam may ask it."""
        rule = getattr(self.module, "degenerate", None)
        return self._run("degenerate", params, rule) if rule is not None else None

    def parts(self, params: FamilyParams) -> dict[str, Part]:
        """The graded parts for ``params`` (``solve`` is pure, so its result is remembered)."""
        return dict(self._remembered("parts", params, lambda: self._run("solve", params, self.module.solve)))

    def answer(self, params: FamilyParams) -> Any:
        """The reference answer, in the family's answer JSON layout."""
        return join_answer(self.layout, {k: p.expected for k, p in self.parts(params).items()})

    def read(self, params: FamilyParams, raw: Any) -> tuple[dict[str, Any], list[str], bool]:
        """Split a raw answer into parts (see ``split_answer``), accepting the family's other spellings.

        A family's ``read_answer`` returns the answer rewritten into its layout, or a
        :class:`~grader.answers.Reading` that adds notes for the student (how it was read, or why not).
        """
        reader = getattr(self.module, "read_answer", None)
        notes: list[str] = []
        malformed = False
        if reader is not None:
            try:
                read = reader(raw, params)
            except Exception:  # noqa: BLE001 - an optional second reading; the layout's own reading still applies
                read = raw
            if isinstance(read, Reading):
                raw, notes, malformed = read.value, [_sentence(n) for n in read.notes], read.malformed
            else:
                raw = read
        values, more, bad = split_answer(self.layout, list(self.parts(params)), raw)
        return values, notes + more, malformed or bad

    def mistakes(self, params: FamilyParams) -> list[Mistake]:
        """The known mistakes that are wrong for these params, each with a distinct answer.

        A mistake that gives the right answer here (ignoring dilation when it is 1, say), or the
        same answer as a mistake listed before it, is left out: it could not be told apart.
        """
        return list(self._remembered("mistakes", params, lambda: self._distinct_mistakes(params)))

    def _distinct_mistakes(self, params: FamilyParams) -> list[Mistake]:
        parts = self.parts(params)
        kept: list[tuple[Mistake, dict[str, Any]]] = []
        truth = {k: p.expected for k, p in parts.items()}
        for m in self._run("mistakes", params, lambda p: unique(self.module.mistakes(p))):
            values, _, _ = split_answer(self.layout, list(parts), m.answer)
            if not any(self._same(parts, values, other) for other in [truth, *(v for _, v in kept)]):
                kept.append((m, values))
        return [m for m, _ in kept]

    @cached_property
    def _solved(self) -> dict[tuple[str, str], Any]:
        return {}

    @cached_property
    def _last(self) -> dict[str, tuple[FamilyParams, Any]]:
        return {}

    def _remembered(self, kind: str, params: FamilyParams, compute: Callable[[], Any]) -> Any:
        """A pure function of the parameters, computed once per value of them: generation and grading
        ask for the same solution many times. Keyed on the parameters' JSON, which is what they are;
        the same parameters object asked again (planning, then scoring, one student's problem) is
        known without writing its JSON, a tensor's numbers and all."""
        last = self._last.get(kind)
        if last is not None and last[0] is params:  # held here: its id cannot go to another object meanwhile
            return last[1]
        key = (kind, params.model_dump_json())
        solved = self._solved
        if key not in solved:
            if len(solved) >= SOLVED_KEPT:
                del solved[next(iter(solved))]  # the oldest: a batch goes student by student
            solved[key] = compute()
        self._last[kind] = (params, solved[key])
        return solved[key]

    def _run(self, what: str, params: FamilyParams, function: Callable[[FamilyParams], Any]) -> Any:
        """Call the family's own code (an instructor's file, perhaps): what it raises becomes one line
        naming the function and the parameters, which the batch reports for the student and goes on."""
        try:
            return function(params)
        except AutogradeError:
            raise
        except Exception as exc:
            raise self._raised(what, exc, params) from None

    def _raised(self, what: str, exc: Exception, params: FamilyParams | None) -> FamilyError:
        shown = f"; parameters {params.model_dump_json()}" if params is not None else ""
        return FamilyError(f"family {self.name!r}: {what}() raised {type(exc).__name__}: {exc}"[:500] + shown[:2000])

    def _same(self, parts: Mapping[str, Part], a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
        return all(p.kind.matches(a[k], b[k], self.tolerance) for k, p in parts.items())

    def too_big_by_hand(self, params: FamilyParams) -> str | None:
        """Why this variant is more than a student does by hand (the family's optional hook), or None."""
        hook = getattr(self.module, "too_big_by_hand", None)
        return self._run("too_big_by_hand", params, hook) if hook is not None else None

    def statement(self, params: FamilyParams, tolerance: Tolerance | None = None, **extra: Any) -> str:
        """The statement; ``enough`` in it says how precise a real answer must be under ``tolerance``."""
        return render(self.module.STATEMENT, p=params, enough=(tolerance or self.tolerance).enough, **extra)

    def worked_solution(self, params: FamilyParams, **extra: Any) -> str:
        return render(self.module.SOLUTION, p=params, answer=self.answer(params), **extra)


def _sentence(note: str) -> str:
    note = note.strip()
    return (note[:1].upper() + note[1:] + ("" if note.endswith((".", "?", "!")) else ".")) if note else note


def load_family_module(module: ModuleType, name: str | None = None) -> Family:
    """Check that ``module`` has every piece of a family and wrap it; ``FamilyError`` if not."""
    name = name or module.__name__.rsplit(".", 1)[-1]
    where = f"family {name!r} ({module.__name__})"
    missing = [f"{attr} ({what})" for attr, what in REQUIRED.items() if not hasattr(module, attr)]
    if missing:
        raise FamilyError(f"{where} is missing {'; '.join(missing)}")
    if not first_line(module.__doc__):
        raise FamilyError(f"{where} needs a module docstring: one line saying what the student computes")
    checks = [
        (inspect.isclass(module.Params) and issubclass(module.Params, FamilyParams), "Params must subclass FamilyParams"),
        (inspect.isclass(module.Space) and issubclass(module.Space, BaseModel), "Space must subclass FamilySpace"),
        (module.ANSWER in ANSWER_LAYOUTS, f"ANSWER must be one of {', '.join(ANSWER_LAYOUTS)}"),
        (isinstance(module.STATEMENT, str) and isinstance(module.SOLUTION, str), "STATEMENT and SOLUTION must be strings"),
    ]
    for fn in ("generate", "solve", "mistakes"):
        checks.append((callable(getattr(module, fn)), f"{fn} must be a function"))
    for hook in ("degenerate", "too_big_by_hand"):
        checks.append((callable(getattr(module, hook, len)), f"{hook}, when given, must be a function"))
    bad = [why for ok, why in checks if not ok]
    if bad:
        raise FamilyError(f"{where}: {'; '.join(bad)}")
    if module.Params.model_config.get("extra") != "forbid" or not module.Params.model_config.get("frozen"):
        raise FamilyError(f"{where}: Params must be frozen and forbid unknown keys")
    return Family(name=name, module=module)


def load_family_file(path: Path) -> Family:
    """Load a custom family defined in a single ``.py`` file (beside an assignment, say).

    Loaded once while the file is unchanged: every command of a course looks its families up, and
    two assignments naming one file then share one module.
    """
    path = Path(path)
    if not path.is_file():
        raise FamilyError(f"custom family file {path} does not exist")
    stat = path.stat()
    return _load_family_file(path.resolve(), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def _load_family_file(path: Path, _mtime_ns: int, _size: int) -> Family:
    module_name = f"autograde_custom_{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise FamilyError(f"custom family file {path} cannot be imported")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # an instructor's file: report what broke, in one line
        raise FamilyError(f"custom family file {path} failed to import: {type(exc).__name__}: {exc}") from None
    return load_family_module(module, name=path.stem)


@lru_cache(maxsize=1)
def _builtin_names() -> tuple[str, ...]:
    # this module's own folder, not ``import grader.problems``: the package imports this module
    return tuple(sorted(info.name for info in pkgutil.iter_modules([str(Path(__file__).parent)])
                        if info.name not in INFRASTRUCTURE and not info.name.startswith("_")))


@cache
def _builtin(name: str) -> Family:
    return load_family_module(importlib.import_module(f"{__package__}.{name}"), name)


@lru_cache(maxsize=1)
def _plugin_names() -> frozenset[str]:
    """The names installed packages' entry points give families, read once as :func:`families` is
    (reading every installed package's entry points took 3 ms for each problem of an assignment)."""
    return frozenset(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))


def _discover() -> Iterator[Family]:
    for name in _builtin_names():
        yield _builtin(name)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            module = ep.load()
        except Exception as exc:
            raise FamilyError(f"entry point {ep.name!r} ({ep.value}) failed to load: {exc}") from None
        yield load_family_module(module, ep.name)


@lru_cache(maxsize=1)
def families() -> dict[str, Family]:
    """Every registered family by name: built-ins (every module of this package) then entry points."""
    found: dict[str, Family] = {}
    for family in _discover():
        if family.name in found:
            raise FamilyError(f"two families are named {family.name!r}")
        found[family.name] = family
    return found


def get_family(name: str) -> Family:
    """The family called ``name``; ``FamilyError`` listing the known names if there is none.
    A built-in is imported alone (all of them took a batch 85 ms before its first run), unless an
    installed package's entry point claims its name too: then every family is looked at, and two of
    one name are an error, as always."""
    if name in _builtin_names() and name not in _plugin_names():
        return _builtin(name)
    try:
        return families()[name]
    except KeyError:
        raise FamilyError(f"unknown family {name!r}; known: {', '.join(families())}") from None
