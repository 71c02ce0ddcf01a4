"""Every family a course can name, found one way for every command.

The built-in families and those of installed packages (entry points), then each ``family_file``
that an assignment of the course names (a ``.py`` file beside its ``assignment.toml``).
``validate``, ``solve``, ``check``, ``sample`` and ``families`` look a family up here by name;
``generate`` and ``grade`` resolve each problem through the same
:func:`~grader.assignment.problem_family`, so a name means one family everywhere in a course.
"""

from __future__ import annotations

from pathlib import Path

from grader.assignment import ProblemConfig, assignment_names, problem_family, read_assignment_config
from grader.config import Course
from grader.errors import AutogradeError, ConfigError, FamilyError
from grader.problems import Family, families

__all__ = ["course_families", "find_family"]


def course_families(course: Course | None) -> dict[str, Family]:
    """Registered families, then the course's own by name; ``ConfigError`` when two files share a name."""
    found = dict(families())
    if course is None:
        return found
    origin: dict[str, Path] = {}
    for name in assignment_names(course):
        path = course.folder("assignments") / name / "assignment.toml"
        problems = [p for p in read_assignment_config(path).problems if isinstance(p, ProblemConfig)]
        for item in [alt for p in problems for alt in (p.choose_from or (p,))]:  # a pool's alternatives too
            if item.family_file is None:
                continue
            file = (path.parent / item.family_file).resolve()
            try:
                family = problem_family(path.parent, item)
            except AutogradeError as exc:
                raise ConfigError(f"{path}: problem {item.id!r}: {exc}") from None
            if family.name in origin and origin[family.name] != file:
                raise ConfigError(f"family {family.name!r} is defined twice: {origin[family.name]} and {file}; "
                                  "rename one of the files")
            origin[family.name] = file
            found[family.name] = family
    return found


def find_family(course: Course | None, name: str) -> Family:
    """The family called ``name`` in ``course`` (or among the registered ones when there is no course).

    A registered name is found without reading the course (a course's file cannot take one), so a
    typo in some assignment.toml stops only the lookups that need the course's own families.
    """
    registered = families()
    if name in registered:
        return registered[name]
    found = course_families(course)
    if name in found:
        return found[name]
    hint = "" if course is not None else \
        " (a course's own family is found inside the course folder, or with --course)"
    raise FamilyError(f"unknown family {name!r}; known: {', '.join(found)}{hint}")
