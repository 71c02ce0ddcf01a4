"""nbgrader's cell metadata (schema version 3), so nbgrader-aware tools read our notebooks, and its
checksum (which our notebooks do not carry: see :func:`nbgrader_metadata`)."""

from __future__ import annotations

import hashlib
from typing import Any

from nbformat import NotebookNode

__all__ = ["SCHEMA_VERSION", "compute_checksum", "grade_id", "mark", "is_locked", "nbgrader_metadata"]

SCHEMA_VERSION = 3


def nbgrader_metadata(grade_id: str, *, solution: bool = False, grade: bool = False, locked: bool = False,
                      points: float | None = None) -> dict[str, Any]:
    """A cell's ``metadata.nbgrader``, the way ``nbgrader generate_assignment`` writes it.

    Without ``checksum`` and ``cell_type``: :func:`mark` always computed the checksum into a dict
    that ``NotebookNode`` had already copied, so no notebook ever carried one; writing it now
    would change every notebook's bytes (see :func:`compute_checksum` to add it).
    """
    meta: dict[str, Any] = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": SCHEMA_VERSION,
                            "solution": solution, "task": False}
    if grade:
        meta["points"] = float(points or 0)
    return meta


def mark(cell: NotebookNode, grade_id: str, *, solution: bool = False, grade: bool = False,
         locked: bool = False, points: float | None = None) -> NotebookNode:
    """Give ``cell`` nbgrader metadata (see :func:`nbgrader_metadata`)."""
    cell.metadata["nbgrader"] = nbgrader_metadata(grade_id, solution=solution, grade=grade, locked=locked,
                                                  points=points)
    return cell


def grade_id(cell: NotebookNode) -> str | None:
    meta = cell.get("metadata", {}).get("nbgrader")
    value = meta.get("grade_id") if isinstance(meta, dict) else None
    return value if isinstance(value, str) else None


def is_locked(cell: NotebookNode) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    if meta.get("solution"):
        return False
    return bool(meta.get("grade") or meta.get("locked"))


def compute_checksum(cell: NotebookNode) -> str:
    """nbgrader's checksum: source, type, grade/solution/locked flags, grade id and points."""
    meta = cell.metadata["nbgrader"]
    digest = hashlib.md5(usedforsecurity=False)
    for piece in (cell.source, cell.cell_type, str(bool(meta.get("grade"))), str(bool(meta.get("solution"))),
                  str(is_locked(cell)), meta["grade_id"]):
        digest.update(piece.encode("utf-8"))
    if meta.get("grade"):
        digest.update(str(float(meta["points"])).encode("utf-8"))
    return digest.hexdigest()
