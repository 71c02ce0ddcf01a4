"""Limits applied inside the child process just before it runs student code, and its environment."""

from __future__ import annotations

import os
import resource
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from grader.limits import Limits
from grader.sandbox import ONE_THREAD

__all__ = ["RunDir", "apply_limits", "clean_environment", "make_rundir"]

_KEEP = ("PATH", "LANG", "LC_ALL", "TZ")


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
        **ONE_THREAD,
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

