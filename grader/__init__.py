"""autograde: randomised, auto-graded exercises for deep-learning courses.

The public surface is small on purpose; everything else is an implementation detail. Names are
imported on first use, so a light entry point (the sandbox launcher, say) does not pay for numpy,
pydantic and sympy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "AutogradeError": "grader.errors",
    "CheckResult": "grader.checking",
    "PartResult": "grader.checking",
    "check": "grader.checking",
    "Tolerance": "grader.answers",
    "Verdict": "grader.answers",
    "Family": "grader.problems",
    "Mistake": "grader.problems",
    "Part": "grader.problems",
    "families": "grader.problems",
    "get_family": "grader.problems",
    "load_family_file": "grader.problems",
}

__all__ = sorted(_EXPORTS) + ["__version__"]

if TYPE_CHECKING:
    from grader.answers import Tolerance, Verdict
    from grader.checking import CheckResult, PartResult, check
    from grader.errors import AutogradeError
    from grader.problems import Family, Mistake, Part, families, get_family, load_family_file


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'grader' has no attribute {name!r}")
