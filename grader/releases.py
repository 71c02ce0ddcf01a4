"""What each student was released: a fingerprint of every problem's parameters, kept by ``generate``.

``.autograde/releases/<assignment>.json`` maps each student to a fingerprint (a hash of the family
and the parameters) per problem. A space or a family changed after release changes the numbers a
student is graded on without changing the notebook they hold; ``grade`` compares the variants it
is about to grade with this record and names the problems and students that would change.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from grader.config import Course
from grader.errors import ConfigError
from grader.private import private_folder, write_private
from grader.variants import Variant

__all__ = ["ReleaseRecord", "changed_problems", "changes_message", "fingerprint", "fingerprints"]

SCHEMA = 1
SHOWN = 8
"""Students named per problem in a message; the rest are counted."""


def fingerprint(variant: Variant) -> str:
    """A hash of one problem's family and parameters: equal exactly when the student's numbers are."""
    data = json.dumps({"family": variant.family.name, "params": variant.params.model_dump(mode="json")},
                      sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()[:20]


def fingerprints(variants: Mapping[str, Variant]) -> dict[str, str]:
    return {pid: fingerprint(v) for pid, v in variants.items()}


@dataclass
class ReleaseRecord:
    """The fingerprints of one assignment's released problems, student by student."""

    path: Path
    students: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, course: Course, assignment: str) -> ReleaseRecord:
        path = course.root / ".autograde" / "releases" / f"{assignment}.json"
        if not path.is_file():
            return cls(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            students = data["students"]
            if not (isinstance(students, dict) and all(isinstance(v, dict) for v in students.values())):
                raise ValueError("students is not a mapping of student to fingerprints")
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not a release record ({exc}); delete it and run generate --force to rebuild it") from None
        return cls(path, {str(k): {str(p): str(f) for p, f in v.items()} for k, v in students.items()})

    def changed(self, student_id: str, current: Mapping[str, str]) -> list[str]:
        return changed_problems(self.students.get(student_id, {}), current)

    def update(self, released: Mapping[str, Mapping[str, str]]) -> None:
        for sid, values in released.items():
            self.students[sid] = dict(values)

    def save(self) -> None:
        private_folder(self.path.parent)
        text = json.dumps({"schema": SCHEMA, "students": self.students}, sort_keys=True, indent=1) + "\n"
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        write_private(tmp, text.encode("utf-8"))
        tmp.replace(self.path)


def changed_problems(released: Mapping[str, str], current: Mapping[str, str]) -> list[str]:
    """The problems whose fingerprints differ from those released (a problem added since is no change)."""
    return [pid for pid, value in current.items() if pid in released and released[pid] != value]


def changes_message(changes: Mapping[str, Iterable[str]]) -> str:
    """``q2 for 12 students (s001, s002, ...)``; ``q3 for s004``: problem by problem."""
    parts = []
    for pid, students in changes.items():
        students = sorted(students)
        names = ", ".join(students[:SHOWN]) + (f", and {len(students) - SHOWN} more" if len(students) > SHOWN else "")
        parts.append(f"{pid} for {names}" if len(students) == 1 else f"{pid} for {len(students)} students ({names})")
    return "; ".join(parts)
