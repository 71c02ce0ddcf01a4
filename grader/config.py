"""``autograde.toml``, the roster and the course secret.

Every key of ``autograde.toml`` is a field below, with its description; an unknown key (a typo)
is a :class:`~grader.errors.ConfigError` naming the key and the file.
"""

from __future__ import annotations

import csv
import os
import re
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from grader.answers import Tolerance
from grader.errors import ConfigError, describe_validation_error
from grader.limits import Limits
from grader.lti.config import LtiConfig
from grader.private import private_folder, write_private

__all__ = [
    "CONFIG_NAME",
    "Course",
    "CourseConfig",
    "FeedbackConfig",
    "FoldersConfig",
    "LMS_COLUMNS",
    "OnSubmit",
    "Student",
    "WebConfig",
    "find_course",
    "load_course",
    "load_roster",
    "read_toml",
]

CONFIG_NAME = "autograde.toml"
SECRET_ENV = "AUTOGRADE_SECRET"
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
"""Student and assignment ids become folder names, so they are restricted to safe characters."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FoldersConfig(_Strict):
    """Where things live, relative to the course root."""

    release: str = Field("release", description="Student notebooks: release/<assignment>/<student>/.")
    submitted: str = Field("submitted", description="Submissions: submitted/<student>/<assignment>/<timestamp>/.")
    feedback: str = Field("feedback", description="Feedback pages: feedback/<assignment>/<student>.html.")
    solutions_release: str = Field("solutions-release", description="Worked-solution notebooks per student.")
    reports: str = Field("reports", description="Instructor reports.")
    exports: str = Field("exports", description="Gradebook exports (CSV, Canvas, JSON).")
    assignments: str = Field("assignments", description="Assignment definitions: assignments/<name>/assignment.toml.")


OnSubmit = Literal["receipt", "validity", "score", "full"]


class WebConfig(_Strict):
    """The submission service (``autograde serve``)."""

    sign_in_days: int = Field(180, ge=1, le=3650, description="How long a sign-in link (and the session it opens) stays valid.")
    uploads_per_hour: int = Field(20, ge=1, le=10_000, description="Uploads one student may make in an hour, all assignments together.")
    quota_mb: float = Field(50, gt=0, le=1_000_000, description="Megabytes one student may keep under submitted/<student>/, "
                            "every upload of every assignment together: an upload that would go past it is refused (HTTP 413).")


class FeedbackConfig(_Strict):
    """What students see in their feedback."""

    show_expected: Literal["never", "wrong_after_due", "after_due", "always"] = Field(
        "wrong_after_due", description="When expected values are shown: by default only for wrong parts, after the due "
        "date (once submissions close for the student: their own cutoff, an extension's if any, plus the grace).")
    show_solution: Literal["never", "wrong_after_due", "after_due", "always"] | None = Field(
        None, description="When each problem's worked solution, with the student's own numbers, is shown in their "
        "feedback page (wrong_after_due: for problems not fully right). A worked solution holds the answers, so by "
        "default it follows show_expected: after the due date, or never when show_expected is never.")

    on_submit: OnSubmit = Field(
        "validity", description="What the submission service tells a student about an upload once it is graded: receipt "
        "(that it arrived), validity (also what is missing or malformed; the default), score (also the score), full "
        "(also each part's verdict and feedback). An assignment may override it in its assignment.toml [feedback].")

    @property
    def solution_policy(self) -> str:
        if self.show_solution is not None:
            return self.show_solution
        return "never" if self.show_expected == "never" else "after_due"


class CourseConfig(_Strict):
    """The whole of ``autograde.toml``."""

    course: str = Field(description="Course name, part of every variant's seed: changing it changes every variant.")
    title: str = Field("", description="Course title shown to students.")
    roster: str = Field("roster.csv", description="CSV with a student_id column (name and email optional).")
    secret_file: str | None = Field(None, description="File holding the course secret (else $AUTOGRADE_SECRET, else .autograde/secret).")
    gradebook: str = Field("gradebook.db", description="SQLite file, or a SQLAlchemy URL such as postgresql://...")
    folders: FoldersConfig = Field(default_factory=FoldersConfig)
    limits: Limits = Field(default_factory=Limits)  # the sandbox's own type, validated here
    tolerance: Tolerance = Field(default_factory=Tolerance, description="Default tolerance for real answers.")
    carry_forward: float = Field(1.0, ge=0, le=1, description="Share of a part's points for a step right from a wrong earlier answer (0 = off).")
    feedback: FeedbackConfig = Field(default_factory=FeedbackConfig)
    workers: int | None = Field(None, ge=1, le=1024, description="Grading workers (default: the machine's cores).")
    cluster: str | None = Field(None, description="Dask scheduler address (tcp://host:8786) to grade on a cluster.")
    extensions: str | None = Field(None, description="CSV of per-student extensions: student_id, assignment, due, cutoff (see grader/late.py).")
    base_url: str | None = Field(None, description="Where students reach `autograde serve` (https://grader.example.edu): the start of sign-in links.")
    web: WebConfig = Field(default_factory=WebConfig)
    lti: LtiConfig = Field(default_factory=LtiConfig, description="LMS platforms that launch the tool (LTI 1.3).")


LMS_COLUMNS = ("canvas_id", "sis_id", "login", "lti_sub")
"""Optional roster columns: a student's ids in the LMS (Canvas user id, SIS user id, SIS login, LTI subject)."""


@dataclass(frozen=True)
class Student:
    student_id: str
    name: str = ""
    email: str = ""
    canvas_id: str = ""
    sis_id: str = ""
    login: str = ""
    lti_sub: str = ""


@dataclass(frozen=True)
class Course:
    """A loaded course: its root folder and validated configuration."""

    root: Path
    config: CourseConfig

    def path(self, relative: str) -> Path:
        return (self.root / relative).resolve()

    def folder(self, name: str) -> Path:
        return self.path(getattr(self.config.folders, name))

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    def roster(self) -> list[Student]:
        return load_roster(self.path(self.config.roster))

    def secret(self, create: bool = False) -> tuple[bytes, str | None]:
        """The course secret, and a one-time notice when it was just created."""
        return load_secret(self, create=create)


def read_toml(path: Path) -> dict:
    """Parse a TOML file; a syntax error is a ``ConfigError`` naming the file and line."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None


def find_course(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` holding an ``autograde.toml``."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise ConfigError(f"no {CONFIG_NAME} in {here} or any folder above it (run autograde from a course folder or pass --course)")


def load_course(root: Path | None = None) -> Course:
    """Load ``autograde.toml`` from ``root`` (or the nearest course folder)."""
    root = find_course(root)
    path = root / CONFIG_NAME
    try:
        config = CourseConfig.model_validate(read_toml(path))
    except ValidationError as exc:
        raise ConfigError(f"{path}: {describe_validation_error(exc, one_based=True)}") from None
    return Course(root=root, config=config)


def load_roster(path: Path) -> list[Student]:
    """Read the roster CSV; bad rows are a ``ConfigError`` naming the line."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{path}: roster file not found") from None
    reader = csv.DictReader(text.splitlines())
    if not reader.fieldnames or "student_id" not in [f.strip() for f in reader.fieldnames]:
        raise ConfigError(f"{path}: the first line must name the columns, including student_id")
    students, seen = [], set()
    lms_seen: dict[tuple[str, str], int] = {}
    for line, row in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k}
        sid = row.get("student_id", "")
        if not sid:
            continue
        if not SAFE_ID.match(sid):
            raise ConfigError(f"{path}:{line}: student_id {sid!r} may only use letters, digits, '.', '_' and '-'")
        if sid in seen:
            raise ConfigError(f"{path}:{line}: student_id {sid!r} appears twice")
        seen.add(sid)
        lms = {column: row.get(column, "") for column in LMS_COLUMNS}
        _check_lms_ids(path, line, lms, lms_seen)
        students.append(Student(sid, row.get("name", ""), row.get("email", ""), **lms))
    return students


def _check_lms_ids(path: Path, line: int, lms: dict[str, str], seen: dict[tuple[str, str], int]) -> None:
    """Two students sharing an LMS id would get each other's grades there."""
    if lms["canvas_id"] and not lms["canvas_id"].isdigit():
        raise ConfigError(f"{path}:{line}: canvas_id {lms['canvas_id']!r} must be Canvas's numeric user id")
    for column, value in lms.items():
        if value and (column, value) in seen:
            raise ConfigError(f"{path}:{line}: {column} {value!r} is also on line {seen[column, value]}")
        if value:
            seen[column, value] = line


_SECRETS: dict[str, bytes] = {}


def load_secret(course: Course, create: bool = False) -> tuple[bytes, str | None]:
    """``$AUTOGRADE_SECRET``, else ``secret_file``, else ``.autograde/secret`` (created when asked)."""
    key = str(course.root)
    if key in _SECRETS:
        return _SECRETS[key], None
    # taken out of the environment once read, so that no process started later inherits it
    env = os.environ.pop(SECRET_ENV, None)
    if env:
        _SECRETS[key] = env.encode()
        return _SECRETS[key], None
    if course.config.secret_file:
        path = course.path(course.config.secret_file)
        if not path.is_file():
            raise ConfigError(f"{course.config_path}: secret_file {path} does not exist")
        return path.read_bytes().strip(), None
    path = course.root / ".autograde" / "secret"
    if path.is_file():
        return path.read_bytes().strip(), None
    if not create:
        raise ConfigError(f"no course secret: set ${SECRET_ENV}, set secret_file in {CONFIG_NAME}, or run autograde generate once")
    private_folder(path.parent)
    write_private(path.parent / ".gitignore", b"*\n")
    value = secrets.token_hex(32)
    write_private(path, (value + "\n").encode(), exclusive=True)
    return value.encode(), f"created a course secret in {path} (keep it out of the repo; back it up: losing it changes every variant)"
