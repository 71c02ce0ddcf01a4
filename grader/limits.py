"""What one run of student code may use: one type for ``[limits]`` in autograde.toml and the sandbox.

A plain frozen dataclass, so the sandbox's light processes (the zygote, the launcher) import it
without pydantic; the course's config validates it all the same (pydantic reads the bounds from
``Annotated`` and the descriptions from the attribute docstrings, and refuses unknown keys).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from annotated_types import Ge, Gt, Le

__all__ = ["Limits"]


@dataclass(frozen=True)
class Limits:
    """What one submission may use while it runs (``[limits]`` in autograde.toml)."""

    __pydantic_config__ = {"extra": "forbid", "use_attribute_docstrings": True}  # read by pydantic only

    cell_seconds: Annotated[float, Gt(0), Le(3600)] = 30
    """Wall-clock limit for one cell."""
    notebook_seconds: Annotated[float, Gt(0), Le(7200)] = 120
    """Wall-clock limit for the whole notebook."""
    memory_mb: Annotated[int, Ge(64), Le(1_000_000)] = 2048
    """Memory of one run: each process's address space, and the resident memory of all its processes together (its control group)."""
    processes: Annotated[int, Ge(1), Le(10_000)] = 64
    """Processes and threads of one run, all together (its uid's cap and its control group's)."""
    output_kb: Annotated[int, Ge(1), Le(1_000_000)] = 1024
    """Printed output kept per notebook."""
    file_mb: Annotated[int, Ge(1), Le(100_000)] = 64
    """Largest file the kernel may write."""
    disk_mb: Annotated[int, Ge(16), Le(100_000)] = 256
    """Space of the run's private working folder (where namespaces are available)."""
    open_files: Annotated[int, Ge(16), Le(100_000)] = 256
    """Files one process of a run may hold open at once."""
    submission_mb: Annotated[int, Ge(1), Le(10_000)] = 20
    """Largest submitted notebook accepted (checked before any run)."""
