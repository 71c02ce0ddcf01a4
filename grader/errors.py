"""Every error autograde raises on purpose, and the one-line messages they carry.

    AutogradeError                 base: catch this to catch anything raised on purpose
    ├── FamilyError                a problem family is unknown or malformed (registry)
    ├── ParamsError                a family's parameters are invalid (names the field)
    ├── SpaceError                 a parameter space cannot produce valid parameters
    ├── ConfigError                autograde.toml / assignment.toml / roster is wrong (names file and key)
    ├── NotebookError              a notebook cannot be read, built or is not ours
    ├── SubmissionError            a submission is refused (wrong assignment, not valid JSON, ...)
    ├── GradebookError             the gradebook cannot be opened or written
    └── RenderError                a page (feedback) could not be rendered within its bounds

A wrong *answer* is never an error: it is a verdict with a sentence saying why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError

__all__ = [
    "AutogradeError",
    "ConfigError",
    "FamilyError",
    "GradebookError",
    "NotebookError",
    "ParamsError",
    "RenderError",
    "SpaceError",
    "SubmissionError",
    "describe_validation_error",
]


class AutogradeError(Exception):
    """Base class: the message is one line saying what is wrong and where."""


class FamilyError(AutogradeError):
    """A problem family is unknown, or a family module is missing a required piece."""


class ParamsError(AutogradeError):
    """Parameters that a family's ``Params`` model rejects."""

    @classmethod
    def from_validation(cls, where: str, exc: ValidationError) -> ParamsError:
        return cls(f"{where}: {describe_validation_error(exc)}")


class SpaceError(AutogradeError):
    """A parameter space that yields no valid parameters."""


class ConfigError(AutogradeError):
    """A configuration, assignment or roster file that cannot be used as written."""


class NotebookError(AutogradeError):
    """A notebook that cannot be read or built."""


class SubmissionError(AutogradeError):
    """A submission that is refused."""


class GradebookError(AutogradeError):
    """The gradebook cannot be opened or written."""


class RenderError(AutogradeError):
    """A page that could not be rendered (past its time budget, say): that page is left out."""


_TYPE_TAGS = frozenset({"int", "float", "str", "bool", "list", "dict", "none", "tuple"})


def _is_type_tag(segment: object) -> bool:
    # pydantic puts the union member it tried into the location (``constrained-int``,
    # ``list[int]``); field names never contain ``-`` or ``[``, so those are tags, not places.
    text = str(segment)
    return isinstance(segment, str) and ("[" in text or "-" in text or text in _TYPE_TAGS)


def describe_validation_error(exc: ValidationError) -> str:
    """Flatten a pydantic ``ValidationError`` into one line: ``field: reason; field: reason``."""
    parts: dict[str, str] = {}
    for err in exc.errors(include_url=False):
        loc = ".".join(str(x) for x in err["loc"] if not _is_type_tag(x))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check the spelling)"
        elif err["type"] == "missing":
            msg = "required but missing"
        if msg.startswith(f"{loc}: ") or (not loc and ": " in msg):
            loc, msg = "", msg  # the validator already named the field
        parts.setdefault(loc or msg, f"{loc}: {msg}" if loc else msg)
    return "; ".join(parts.values())
