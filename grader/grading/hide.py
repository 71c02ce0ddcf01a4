"""What a run must not see: the course's folders, the grader's own home and source, and course
folders found around the installation. Worked out here, by the grader, and put in the job: the
sandbox applies what it is given and knows nothing of courses.
"""

from __future__ import annotations

import os
import sys
import time
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from grader.sandbox.job import Sandbox

if TYPE_CHECKING:
    from grader.config import Course

__all__ = ["courses_near", "sandbox_for"]

COURSE_MARK = "autograde.toml"
_SOURCE = str(Path(__file__).resolve().parents[1])  # the grader package's folder


def _subfolders(folder: Path) -> list[Path]:
    try:
        return [Path(e.path) for e in os.scandir(folder) if e.is_dir(follow_symlinks=False)]
    except OSError:
        return []


def courses_near(paths: tuple[str, ...], depth: int = 2) -> list[str]:
    """Course folders (an ``autograde.toml`` inside) in each of ``paths``, each folder above them
    and up to ``depth`` levels below those: the folders a run could see around what is bound back
    into it (``make demo`` keeps a course in the checkout, beside the virtual environment)."""
    found: dict[str, None] = {}
    for given in paths:
        start = Path(given).resolve()
        for above in (start, *start.parents):
            if above == above.parent:  # the root itself is never covered
                break
            level = [above]
            for _ in range(depth + 1):
                found.update((str(f), None) for f in level if (f / COURSE_MARK).is_file())
                level = [sub for f in level for sub in _subfolders(f)]
    return list(found)


@lru_cache(maxsize=1)
def _neighbours(_minute: int) -> tuple[str, ...]:
    return tuple(courses_near((sys.prefix, sys.base_prefix, sys.exec_prefix)))


def _installation_neighbours() -> tuple[str, ...]:
    """Looked for at most once a minute per process (a scan costs tens of milliseconds, and a worker
    sets up a run in a few), so a course made beside the installation is covered within a minute."""
    return _neighbours(int(time.monotonic() // 60))


def sandbox_for(course: Course | None) -> Sandbox:
    """What runs of this course must not see, and what they need to start."""
    hide = [str(Path.home()), _SOURCE, *_installation_neighbours()]
    if course is not None:
        # every course folder, wherever autograde.toml puts it (exports and reports hold every grade)
        hide += [str(course.root)] + [str(course.folder(f)) for f in type(course.config.folders).model_fields]
        if course.config.secret_file:
            hide.append(str(course.path(course.config.secret_file).parent))
        if "://" not in course.config.gradebook:
            hide.append(str(course.path(course.config.gradebook).parent))
    return Sandbox(hide=tuple(dict.fromkeys(hide)))
