"""Read a submitted notebook defensively: size-capped, JSON only, normalised to what we use.

Nothing in a submission is trusted: we keep each cell's type, source, id and nbgrader grade id,
and drop everything else (outputs, attachments, metadata), so nothing the student wrote there can
matter later.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.errors import SubmissionError

if TYPE_CHECKING:
    from nbformat import NotebookNode

__all__ = ["MAX_CELLS", "MAX_CELL_CHARS", "read_notebook", "read_notebook_data", "read_submission_bytes"]

MAX_CELLS = 2_000
MAX_CELL_CHARS = 200_000
_CELL_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def read_submission_bytes(path: Path, max_bytes: int, root: Path | None = None) -> bytes:
    """The bytes of a submitted file: a regular file inside ``root``, at most ``max_bytes`` long."""
    path = Path(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise SubmissionError(f"{path}: file not found") from None
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):  # RuntimeError: a loop of links
        raise SubmissionError(f"{path.name}: a link that leads nowhere (a missing file or a loop)") from None
    # the file, or a folder on its way (an unpacked archive can hold links), may lead outside
    if root is not None and not target.is_relative_to(Path(root).resolve()):
        raise SubmissionError(f"{path.name}: a link to a file outside the submissions folder is not accepted")
    if stat.S_ISLNK(info.st_mode):
        info = os.stat(target)
    if not stat.S_ISREG(info.st_mode):
        raise SubmissionError(f"{path.name}: not a regular file")
    if info.st_size > max_bytes:
        raise SubmissionError(f"{path.name}: {info.st_size / 1e6:.1f} MB is larger than the {max_bytes / 1e6:g} MB limit")
    with open(path, "rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise SubmissionError(f"{path.name}: larger than the {max_bytes / 1e6:g} MB limit")
    return data


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_notebook(data: bytes, name: str = "notebook") -> NotebookNode:
    """Parse and normalise a notebook into nbformat's nodes; a one-line ``SubmissionError`` when it is not one."""
    from nbformat import from_dict  # here: the grading process reads submissions' bytes, never their cells

    return from_dict(read_notebook_data(data, name))


def read_notebook_data(data: bytes, name: str = "notebook") -> dict[str, Any]:
    """:func:`read_notebook` as plain data (what a grading worker runs and reads: it never imports nbformat)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SubmissionError(f"{name}: not valid JSON (not even UTF-8 text; is it a zip or a binary file?)") from None
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise SubmissionError(f"{name}: not valid JSON ({str(exc)[:120]})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list):
        raise SubmissionError(f"{name}: valid JSON but not a Jupyter notebook (no list of cells)")
    if raw.get("nbformat") != 4:
        raise SubmissionError(f"{name}: not a version-4 Jupyter notebook (nbformat is {raw.get('nbformat')!r})")
    if len(raw["cells"]) > MAX_CELLS:
        raise SubmissionError(f"{name}: {len(raw['cells'])} cells is more than the {MAX_CELLS} accepted")
    cells = [_cell(c, i) for i, c in enumerate(raw["cells"])]
    meta = raw.get("metadata") if isinstance(raw.get("metadata"), dict) else {}
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": _plain_metadata(meta), "cells": cells}


def _cell(raw: object, index: int) -> dict:
    if not isinstance(raw, dict):
        return {"cell_type": "raw", "source": "", "metadata": {}, "id": f"cell-{index}"}
    kind = raw.get("cell_type") if raw.get("cell_type") in ("code", "markdown", "raw") else "raw"
    source = raw.get("source", "")
    if isinstance(source, list):
        source = "".join(s for s in source if isinstance(s, str))
    if not isinstance(source, str):
        source = ""
    if len(source) > MAX_CELL_CHARS:
        kind, source = "raw", ""  # too long to be an answer: kept out of the run
    cell = {"cell_type": kind, "source": source, "metadata": {}}
    nbgrader = raw.get("metadata", {}).get("nbgrader") if isinstance(raw.get("metadata"), dict) else None
    if isinstance(nbgrader, dict) and isinstance(nbgrader.get("grade_id"), str):
        cell["metadata"]["nbgrader"] = {"grade_id": nbgrader["grade_id"][:64]}
    cell_id = raw.get("id")
    cell["id"] = cell_id if isinstance(cell_id, str) and _CELL_ID.match(cell_id) else f"cell-{index}"
    if kind == "code":
        cell.update(outputs=[], execution_count=None)
    return cell


def _plain_metadata(meta: dict) -> dict:
    """Only our own record survives, and only for messages: identity never comes from here."""
    record = meta.get("autograde")
    return {"autograde": record} if isinstance(record, dict) else {}
