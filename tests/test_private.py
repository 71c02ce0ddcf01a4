"""Course state is private by construction: every folder autograde makes for a course is 0700 and
every file 0600, the gradebook included, whatever the umask."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from typer.testing import CliRunner

from grader.cli import app
from grader.generate import release_path


def _tree(root: Path) -> dict[Path, int]:
    return {p: stat.S_IMODE(p.lstat().st_mode) for p in [root, *root.rglob("*")]}


def test_everything_autograde_makes_for_a_course_is_its_owners_only(make_course, monkeypatch):
    course = make_course(students=("s001", "s002"))
    (course.root / ".autograde" / "secret").unlink()
    (course.root / ".autograde").rmdir()  # made by generate, as on a fresh course
    before = set(_tree(course.root))
    old = os.umask(0o022)  # the usual one: it must not decide
    try:
        def run(*args: str) -> None:
            result = CliRunner().invoke(app, [*args, "--course", str(course.root)])
            assert result.exit_code in (0, 1), result.output

        run("generate", "a1", "--solutions")
        run("submit", "a1", str(release_path(course, "a1", "s001", worked=True)), "--student", "s001")
        run("grade", "a1", "--workers", "1")
        run("feedback", "a1")
        run("export", "a1")
        run("export", "a1", "--format", "json")
        run("report", "a1")
        run("manual", "export", "a1")
    finally:
        os.umask(old)
    made = {path: mode for path, mode in _tree(course.root).items() if path not in before}
    kinds = {path.relative_to(course.root).parts[0] for path in made}
    assert {".autograde", "release", "solutions-release", "submitted", "feedback", "exports", "reports",
            "gradebook.db"} <= kinds
    loose = {str(path.relative_to(course.root)): oct(mode) for path, mode in made.items()
             if mode != (0o700 if path.is_dir() else 0o600)}
    assert loose == {}
