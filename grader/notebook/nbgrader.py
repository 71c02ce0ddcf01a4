"""nbgrader's cell metadata (schema version 3), so nbgrader-aware tools read our notebooks.

Without nbgrader's ``checksum``: no notebook released so far carries one, and adding it would change
every notebook's bytes; autograde never reads a locked cell back (grading restores them from the
reference), so it has no use for one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["SCHEMA_VERSION", "grade_id", "is_locked", "nbgrader_metadata"]

SCHEMA_VERSION = 3


def nbgrader_metadata(grade_id: str, *, solution: bool = False, grade: bool = False, locked: bool = False,
                      points: float | None = None) -> dict[str, Any]:
    """A cell's ``metadata.nbgrader``, the way ``nbgrader generate_assignment`` writes it.

    Without ``checksum`` and ``cell_type`` (see the module's docstring).
    """
    meta: dict[str, Any] = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": SCHEMA_VERSION,
                            "solution": solution, "task": False}
    if grade:
        meta["points"] = float(points or 0)
    return meta


def grade_id(cell: Mapping[str, Any]) -> str | None:
    """A cell's nbgrader grade id (a cell of nbformat's nodes or of plain data)."""
    meta = cell.get("metadata", {}).get("nbgrader")
    value = meta.get("grade_id") if isinstance(meta, dict) else None
    return value if isinstance(value, str) else None


def is_locked(cell: Mapping[str, Any]) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    if meta.get("solution"):
        return False
    return bool(meta.get("grade") or meta.get("locked"))
