"""Course state is private by construction: what autograde creates for a course is its owner's only.

Every folder autograde makes for a course (``.autograde/``, ``submitted/``, ``release/``,
``solutions-release/``, ``feedback/``, ``exports/``, ``reports/`` and the folders in them) is
created mode 0700 and every file 0600, whatever the umask: a run of another course, under a uid of
its own, cannot read one course kept beside it (a demo course inside the checkout, say), and
neither can the machine's other users. Pages and exports are handed out by the instructor.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["FILE_MODE", "FOLDER_MODE", "make_private", "private_file", "private_folder", "write_private"]

FOLDER_MODE, FILE_MODE = 0o700, 0o600


def private_folder(path: Path) -> Path:
    """``path`` as a folder, every level created here made 0700 (``os.makedirs`` gives the levels
    above the last the umask's mode); levels that already exist are left as they are."""
    path = Path(path)
    missing = []
    for folder in (path, *path.parents):
        if folder.is_dir():
            break
        missing.append(folder)
    for folder in reversed(missing):
        try:
            os.mkdir(folder, FOLDER_MODE)
        except FileExistsError:  # made meanwhile by a concurrent writer: still ours to tighten below
            pass
        os.chmod(folder, FOLDER_MODE)
    return path


def write_private(path: Path, data: bytes, exclusive: bool = False) -> Path:
    """Write ``data`` to a 0600 file (``exclusive``: one that must not exist yet)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)  # an existing file keeps its mode through O_TRUNC: tightened here
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)
    return Path(path)


def make_private(root: Path) -> None:
    """Make a tree autograde copied (folders 0700, files 0600), links left alone."""
    for folder, _dirs, files in os.walk(root):
        os.chmod(folder, FOLDER_MODE)
        for name in files:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                os.chmod(path, FILE_MODE)


def private_file(path: Path) -> None:
    """A file (a gradebook) made 0600, new or one an older autograde made with the umask's mode."""
    if str(path) == ":memory:" or not path.parent.is_dir():
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        os.chmod(path, FILE_MODE)
