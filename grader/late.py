"""Late work: one rule for every way a submission arrives (``submit``, ``grade``, an LMS collection,
the web service).

An assignment has a due date, a cutoff after which nothing is graded unless the instructor asks
(default: the due date), a grace period and a penalty (``[late]`` in ``assignment.toml``). A student
may have an extension, their own due date and/or cutoff, in the CSV that ``extensions`` names in
``autograde.toml``. A submission later than its due date plus the grace is late by whole days,
rounded up and counted from the due date; the penalty takes a share of its total. The time judged
is the one ``submit`` recorded (the submission folder's timestamp), never the notebook's content.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Literal, overload

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from grader.config import Course
from grader.errors import ConfigError

if TYPE_CHECKING:
    from grader.assignment import Assignment

__all__ = ["Deadline", "Deadlines", "Duration", "Extension", "LateConfig", "Lateness", "Moment", "deadlines",
           "load_extensions", "moment", "parse_duration", "parse_moment", "shown", "submission_time"]

DAY = dt.timedelta(days=1)
MAX_GRACE = dt.timedelta(days=7)
_UNITS = {"d": DAY, "h": dt.timedelta(hours=1), "m": dt.timedelta(minutes=1), "s": dt.timedelta(seconds=1)}
_DURATION = re.compile(r"(?:\d+(?:\.\d+)?[dhms])+")
_STAMP = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2})[-:](\d{2})[-:](\d{2})(?:\.(\d{1,6}))?")


def parse_duration(value: object) -> dt.timedelta:
    """``"15m"``, ``"2h"``, ``"1d"``, ``"1h30m"`` (d, h, m, s) as a timedelta, at most 7 days."""
    if isinstance(value, dt.timedelta):
        return value
    text = value.strip().lower().replace(" ", "") if isinstance(value, str) else ""
    if not _DURATION.fullmatch(text):
        raise ValueError(f"{value!r} is not a duration: write it like \"15m\", \"2h\", \"1d\" or \"1h30m\"")
    total = sum((float(n) * _UNITS[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)([dhms])", text)), dt.timedelta())
    if total > MAX_GRACE:
        raise ValueError(f"{value!r} is longer than 7 days: use a cutoff or extensions for that")
    return total


@overload
def moment(value: dt.datetime | dt.date) -> dt.datetime: ...


@overload
def moment(value: None) -> None: ...


def moment(value: dt.datetime | dt.date | None) -> dt.datetime | None:
    """A TOML or CSV date as an instant: a bare date is the end of that day, no offset is UTC."""
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time(23, 59, 59))
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def parse_moment(value: object) -> dt.datetime:
    """A date or date-time given as TOML, or as text (ISO 8601, as a spreadsheet writes it)."""
    if isinstance(value, dt.date):
        return moment(value)
    text = value.strip() if isinstance(value, str) else ""
    try:
        return moment(dt.date.fromisoformat(text) if len(text) == 10 else dt.datetime.fromisoformat(text))
    except ValueError:
        raise ValueError(f"{value!r} is not a date: write it like 2030-02-03 or 2030-02-03T23:59:00Z") from None


Duration = Annotated[dt.timedelta, BeforeValidator(parse_duration)]
Moment = Annotated[dt.datetime, BeforeValidator(parse_moment)]


def shown(when: dt.datetime | None) -> str:
    """An instant as people read it in pages and messages: UTC, to the minute."""
    return when.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC") if when else ""


def submission_time(text: str) -> dt.datetime | None:
    """When a submission was handed in, from the stamp ``submit`` wrote (UTC), or None."""
    found = _STAMP.match(text or "")
    if not found:
        return None
    year, month, day, hour, minute, second, fraction = found.groups()
    try:
        return dt.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second),
                           int((fraction or "0").ljust(6, "0")), tzinfo=dt.UTC)
    except ValueError:
        return None


class LateConfig(BaseModel):
    """The ``[late]`` table of assignment.toml: what a late submission costs."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    penalty: Literal["none", "percent_per_day", "zero"] = Field(
        "none", description="none: marked late, no penalty; percent_per_day: `percent` of the total per late day; zero: no points.")
    percent: float | None = Field(None, gt=0, le=100, description="With percent_per_day: the share of the total lost per late day, in percent.")
    floor: float = Field(0, ge=0, lt=100, description="With percent_per_day: the least share of the total a late submission keeps, in percent.")

    @model_validator(mode="after")
    def _consistent(self) -> LateConfig:
        if self.penalty == "percent_per_day" and self.percent is None:
            raise ValueError("percent is required with penalty = \"percent_per_day\"")
        if self.penalty != "percent_per_day" and (self.percent is not None or self.floor):
            raise ValueError(f"percent and floor apply only to penalty = \"percent_per_day\", not {self.penalty!r}")
        return self

    def percent_for(self, days: int) -> float:
        """The share of the total taken for a submission ``days`` late, in percent."""
        if days <= 0 or self.penalty == "none":
            return 0.0
        if self.penalty == "zero":
            return 100.0
        assert self.percent is not None  # _consistent requires it with percent_per_day
        return min(self.percent * days, 100.0 - self.floor)


@dataclass(frozen=True)
class Lateness:
    """How one submission stands against its student's deadline."""

    submitted_at: dt.datetime | None
    deadline: Deadline
    late_days: int | None              # None: no due date, or no recorded time to judge
    after_cutoff: bool = False
    penalty_percent: float = 0.0

    @property
    def late(self) -> bool:
        return bool(self.late_days)

    def describe(self) -> str:
        """One sentence for the student or the instructor; empty when on time and not extended."""
        d = self.deadline
        due = f"the {'extended ' if d.extended else ''}due date ({shown(d.due)})"
        if not self.late:
            return f"Submitted on time for {due}." if d.extended else ""
        days = f"{self.late_days} day{'s' if self.late_days != 1 else ''}"
        text = f"Submitted {shown(self.submitted_at)}, {days} after {due}"
        if self.after_cutoff:
            text += f" and after the cutoff ({shown(d.cutoff)})" if d.cutoff else " and after the cutoff"
        if self.penalty_percent:
            return f"{text}: a late penalty of {self.penalty_percent:g}% of the total."
        return text + "."


@dataclass(frozen=True)
class Deadline:
    """One student's due date, cutoff, grace and penalty for one assignment."""

    due: dt.datetime | None
    cutoff: dt.datetime | None
    grace: dt.timedelta = dt.timedelta()
    policy: LateConfig = field(default_factory=LateConfig)
    extended: bool = False

    @property
    def closes(self) -> dt.datetime | None:
        """When submissions close for this student: their cutoff plus the grace (None without a due date).
        Nothing handed in later is graded unless the instructor asks, so only then may answers be shown."""
        return self.cutoff + self.grace if self.cutoff is not None else None

    def judge(self, when: dt.datetime | None) -> Lateness:
        """Late days (rounded up, after the grace), whether after the cutoff, and the penalty."""
        if self.due is None or when is None:
            return Lateness(when, self, None)
        over = when - self.due
        days = 0 if over <= self.grace else math.ceil(over / DAY)
        after = self.closes is not None and when > self.closes
        return Lateness(when, self, days, after, self.policy.percent_for(days))


@dataclass(frozen=True)
class Extension:
    """A row of the extensions CSV."""

    student_id: str
    assignment: str
    due: dt.datetime | None
    cutoff: dt.datetime | None
    where: str  # "file:line", for messages


@dataclass(frozen=True)
class Deadlines:
    """Every student's deadline for one assignment: the assignment's own, or their extension's."""

    default: Deadline
    extensions: Mapping[str, Deadline] = field(default_factory=dict)

    def for_student(self, student_id: str) -> Deadline:
        return self.extensions.get(student_id, self.default)


def deadlines(course: Course, assignment: Assignment) -> Deadlines:
    """The assignment's deadlines, with the extensions of ``autograde.toml``'s CSV checked and applied."""
    config = assignment.config
    default = Deadline(assignment.due, assignment.cutoff, config.grace, config.late)
    own: dict[str, Deadline] = {}
    for ext in load_extensions(course):
        if ext.assignment != assignment.name:
            continue
        where = ext.where
        if default.due is None:
            raise ConfigError(f"{where}: assignment {assignment.name!r} has no due date to extend")
        if ext.due is not None and ext.due < default.due:
            raise ConfigError(f"{where}: due {shown(ext.due)} is before the assignment's own, {shown(default.due)}: "
                              "an extension cannot bring it forward")
        due = ext.due or default.due
        cutoff = ext.cutoff or max(default.cutoff or due, due)  # the assignment's cutoff is its due date when unset
        if cutoff < due:
            raise ConfigError(f"{where}: cutoff {shown(cutoff)} is before the student's due date, {shown(due)}")
        own[ext.student_id] = Deadline(due, cutoff, default.grace, default.policy, extended=ext.due is not None)
    return Deadlines(default, own)


def load_extensions(course: Course) -> list[Extension]:
    """Read and check the extensions CSV (none when ``extensions`` is not set): one-line errors naming the line."""
    if not course.config.extensions:
        return []
    path = course.path(course.config.extensions)
    try:
        text = path.read_text(encoding="utf-8-sig")  # a spreadsheet may save a byte-order mark
    except FileNotFoundError:
        raise ConfigError(f"{course.config_path}: extensions file {path} does not exist") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text (save it as CSV UTF-8)") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    if not {"student_id", "assignment"} <= set(header) or not {"due", "cutoff"} & set(header):
        raise ConfigError(f"{path}:1: the first line must name the columns student_id, assignment, due, cutoff")
    reader.fieldnames = header
    roster = {s.student_id for s in course.roster()}
    assignments = course.folder("assignments")
    seen: dict[tuple[str, str], int] = {}
    found = []
    for line, raw in enumerate(reader, start=2):
        row = {k: (v or "").strip() for k, v in raw.items() if isinstance(k, str)}
        if not any(row.values()):
            continue
        where = f"{path}:{line}"
        sid, name = row.get("student_id", ""), row.get("assignment", "")
        if sid not in roster:
            raise ConfigError(f"{where}: student {sid!r} is not on the roster")
        if not (assignments / name / "assignment.toml").is_file():
            raise ConfigError(f"{where}: there is no assignment {name!r}")
        if (sid, name) in seen:
            raise ConfigError(f"{where}: {sid} already has an extension for {name} on line {seen[sid, name]}")
        seen[sid, name] = line
        when = {}
        for column in ("due", "cutoff"):
            try:
                when[column] = parse_moment(row[column]) if row.get(column) else None
            except ValueError as exc:
                raise ConfigError(f"{where}: {column}: {exc}") from None
        if when["due"] is None and when["cutoff"] is None:
            raise ConfigError(f"{where}: give a due date, a cutoff or both")
        if when["due"] and when["cutoff"] and when["cutoff"] < when["due"]:
            raise ConfigError(f"{where}: cutoff {shown(when['cutoff'])} is before due {shown(when['due'])}")
        found.append(Extension(sid, name, when["due"], when["cutoff"], where))
    return found
