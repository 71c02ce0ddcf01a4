"""Every error autograde raises on purpose, and the one-line messages they carry.

    AutogradeError                 base: catch this to catch anything raised on purpose
    ├── FamilyError                a problem family is unknown or malformed (registry)
    ├── ParamsError                a family's parameters are invalid (names the field)
    ├── SpaceError                 a parameter space cannot produce valid parameters
    ├── ConfigError                autograde.toml / assignment.toml / roster is wrong (names file and key)
    ├── NotebookError              a notebook cannot be read, built or is not ours
    ├── SubmissionError            a submission is refused (wrong assignment, not valid JSON, ...)
    │   └── UploadError            ... by the submission service, with the HTTP status that says why
    ├── CollectError               an LMS download cannot be collected (not an archive, layout unclear, ...)
    ├── ReleaseChangedError        released students' notebooks or numbers would change (generate, grade)
    ├── GradebookError             the gradebook cannot be opened or written
    │   └── GradeChangeError       ... a grade change refused (no such part, a score out of range, no reason)
    │       └── GradeRightsError   ... because the one asking may not make it (a TA overriding a computed score)
    ├── RenderError                a page (feedback) could not be rendered within its bounds
    ├── AuthError                  a sign-in link or session that is forged, expired or revoked (web)
    └── LtiError                   an LMS (LTI 1.3) platform's answer or key cannot be used (grades, roster)

A wrong *answer* is never an error: it is a verdict with a sentence saying why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError

__all__ = [
    "AuthError",
    "AutogradeError",
    "CollectError",
    "ConfigError",
    "FamilyError",
    "GradeChangeError",
    "GradeRightsError",
    "GradebookError",
    "LtiError",
    "NotebookError",
    "ParamsError",
    "ReleaseChangedError",
    "RenderError",
    "SpaceError",
    "SubmissionError",
    "UploadError",
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


class ReleaseChangedError(AutogradeError):
    """What students were released would change: a notebook rewritten, or the numbers they are graded on."""


class NotebookError(AutogradeError):
    """A notebook that cannot be read or built."""


class SubmissionError(AutogradeError):
    """A submission that is refused."""


class UploadError(SubmissionError):
    """An upload the submission service refuses; ``status`` is the HTTP status a client reads."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class CollectError(AutogradeError):
    """An LMS's bulk download that cannot be collected as a whole (its files are refused one by one)."""


class GradebookError(AutogradeError):
    """The gradebook cannot be opened or written."""


class GradeChangeError(GradebookError):
    """An override, hand grade or regrade request refused: it says which part and why."""


class GradeRightsError(GradeChangeError):
    """A grade change the signed-in staff member's role does not allow (see docs/security.md)."""


class RenderError(AutogradeError):
    """A page that could not be rendered (past its time budget, say): that page is left out."""


class AuthError(AutogradeError):
    """A sign-in link, bearer token or session that is forged, expired or revoked."""


class LtiError(AutogradeError):
    """An LMS platform refused a call or answered what the tool cannot use (LTI grade passback, roster, keys).

    ``retry`` says whether trying again later may help (a 5xx, a timeout, an expired token)."""

    def __init__(self, message: str, retry: bool = False):
        super().__init__(message)
        self.retry = retry


_TYPE_TAGS = frozenset({"int", "float", "str", "bool", "list", "dict", "none", "tuple", "datetime", "date"})


def _is_type_tag(segment: object) -> bool:
    # pydantic puts the union member it tried into the location (``constrained-int``,
    # ``list[int]``); field names never contain ``-`` or ``[``, so those are tags, not places.
    text = str(segment)
    return isinstance(segment, str) and ("[" in text or "-" in text or text in _TYPE_TAGS)


def _printable(text: str, limit: int = 80) -> str:
    """One line whatever a key holds: control characters escaped, a long name cut."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _place(loc: tuple, one_based: bool) -> str:
    """``problems.1.points``, or with ``one_based`` ``problems[2].points``: the second table of a file."""
    text = ""
    for segment in loc:
        if _is_type_tag(segment):
            continue
        if one_based and isinstance(segment, int):
            text += f"[{segment + 1}]"
        else:
            text += f".{segment}" if text else str(segment)
    return text


def describe_validation_error(exc: ValidationError, *, one_based: bool = False) -> str:
    """Flatten a pydantic ``ValidationError`` into one line: ``field: reason; field: reason``.

    ``one_based`` numbers list items from 1, as a person counts the tables of a configuration file.
    """
    parts: dict[str, str] = {}
    for err in exc.errors(include_url=False):
        loc = _printable(_place(err["loc"], one_based))
        msg = _printable(err["msg"].removeprefix("Value error, "), 300)
        if err["type"] in ("extra_forbidden", "unexpected_keyword_argument"):  # the latter: a dataclass's
            msg = "unknown key (check the spelling)"
        elif err["type"] == "missing":
            msg = "required but missing"
        if msg.startswith(f"{loc}: ") or (not loc and ": " in msg):
            loc, msg = "", msg  # the validator already named the field
        parts.setdefault(loc or msg, f"{loc}: {msg}" if loc else msg)
    return "; ".join(parts.values())
