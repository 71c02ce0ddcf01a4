"""autograde: randomised, auto-graded exercises for deep-learning courses.

The public surface is small on purpose; everything else is an implementation detail.
"""

from grader.answers import Tolerance, Verdict
from grader.checking import CheckResult, PartResult, check
from grader.errors import AutogradeError
from grader.problems import Family, Mistake, Part, families, get_family, load_family_file

__version__ = "0.1.0"

__all__ = [
    "AutogradeError",
    "CheckResult",
    "Family",
    "Mistake",
    "Part",
    "PartResult",
    "Tolerance",
    "Verdict",
    "__version__",
    "check",
    "families",
    "get_family",
    "load_family_file",
]
