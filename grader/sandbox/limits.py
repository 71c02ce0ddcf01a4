"""Limits applied inside the child process just before it runs student code, and its environment."""

from __future__ import annotations

import os
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from grader.sandbox.job import Limits, Sandbox

if TYPE_CHECKING:  # the zygote and the launcher stay light: no pydantic, no course code
    from grader.config import Course

__all__ = ["RunDir", "apply_limits", "clean_environment", "courses_near", "make_rundir", "sandbox_for"]

_KEEP = ("PATH", "LANG", "LC_ALL", "TZ")
COURSE_MARK = "autograde.toml"


def apply_limits(limits: Limits) -> None:
    """Cap memory, processes, file size, open files and CPU time of this process and its children."""
    def cap(which: int, value: int) -> None:
        soft, hard = resource.getrlimit(which)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(which, (value, value))

    cap(resource.RLIMIT_AS, limits.memory_mb * 1024 * 1024)
    cap(resource.RLIMIT_FSIZE, limits.file_mb * 1024 * 1024)
    cap(resource.RLIMIT_NOFILE, limits.open_files)
    cap(resource.RLIMIT_CPU, int(limits.notebook_seconds) + 5)
    cap(resource.RLIMIT_CORE, 0)
    if os.geteuid() != 0:  # root ignores RLIMIT_NPROC; the privilege drop makes it count
        cap(resource.RLIMIT_NPROC, limits.processes)


def clean_environment(workdir: Path) -> dict[str, str]:
    """An environment without the course secret, the grader's paths or anything else inherited."""
    env = {k: os.environ[k] for k in _KEEP if k in os.environ}
    env.setdefault("PATH", os.defpath)
    env.update({
        "HOME": str(workdir),
        "TMPDIR": str(workdir),
        "IPYTHONDIR": str(workdir / ".ipython"),
        "JUPYTER_CONFIG_DIR": str(workdir / ".jupyter"),
        "JUPYTER_DATA_DIR": str(workdir / ".jupyter"),
        "MPLCONFIGDIR": str(workdir / ".matplotlib"),
        "MPLBACKEND": "Agg",
        "PYTHONNOUSERSITE": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    })
    return env


@dataclass(frozen=True)
class RunDir:
    """A run's folder: ``home`` (the working directory) and ``shared`` (kernel sockets, notes)."""

    root: Path

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def shared(self) -> Path:
        return self.root / "ipc"

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def make_rundir() -> RunDir:
    """A fresh run folder: traversable (not listable) by the run's own uid, empty inside."""
    run = RunDir(Path(tempfile.mkdtemp(prefix="autograde-run-")))
    os.chmod(run.root, 0o711)
    run.home.mkdir()
    run.shared.mkdir(mode=0o700)
    return run




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
    for start in paths:
        start = Path(start).resolve()
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
    import grader

    hide = [str(Path.home()), str(Path(grader.__file__).resolve().parent), *_installation_neighbours()]
    if course is not None:
        # every course folder, wherever autograde.toml puts it (exports and reports hold every grade)
        hide += [str(course.root)] + [str(course.folder(f)) for f in type(course.config.folders).model_fields]
        if course.config.secret_file:
            hide.append(str(course.path(course.config.secret_file).parent))
        if "://" not in course.config.gradebook:
            hide.append(str(course.path(course.config.gradebook).parent))
    return Sandbox(hide=tuple(dict.fromkeys(hide)))
