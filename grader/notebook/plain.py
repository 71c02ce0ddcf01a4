"""Turn answer values into bounded plain JSON: the one conversion both answer routes use.

``to_plain`` runs inside the student's kernel (its source text is the heart of the collector
cell) and, for notebooks whose code cells are nothing but literal assignments, in the grader on
values read with ``ast.literal_eval``. Keeping it self-contained (no imports from outside the
function, no globals) is what lets the same code run in both places.
"""

from __future__ import annotations

import functools
import inspect

__all__ = ["to_plain", "to_plain_source"]


def to_plain(x, budget, depth=0, depth_limit=32):
    """``x`` as JSON-ready data; ``budget`` is a one-item list counting the entries still allowed."""
    import math as _math

    budget[0] -= 1
    if budget[0] < 0 or depth > depth_limit:
        return {"$autograde": "too_large"}
    if x is Ellipsis:
        return {"$autograde": "unanswered"}
    if x is None or isinstance(x, bool):
        return x
    if isinstance(x, str):
        return x if len(x) <= 20_000 else {"$autograde": "too_large"}
    if isinstance(x, int):  # 10**400 passes for a float nowhere: past 18 digits, no number is compared
        return x if -(10**18) < x < 10**18 else {"$autograde": "huge_number"}
    if isinstance(x, float):
        return x if _math.isfinite(x) else {"$autograde": "nonfinite", "repr": repr(x)}
    module = str(getattr(type(x), "__module__", None) or "").split(".")[0]  # a class made by type() may have none
    if module in ("numpy", "torch", "jax", "jaxlib") and hasattr(x, "tolist"):
        size = getattr(x, "size", None)
        size = size() if callable(size) else size
        if isinstance(size, int) and size > budget[0]:
            return {"$autograde": "too_large"}
        return to_plain(x.tolist(), budget, depth + 1, depth_limit)
    if isinstance(x, (list, tuple)):
        if len(x) > budget[0]:
            return {"$autograde": "too_large"}
        return [to_plain(v, budget, depth + 1, depth_limit) for v in x]
    if isinstance(x, dict) and all(isinstance(k, str) for k in x):
        return {k: to_plain(v, budget, depth + 1, depth_limit) for k, v in list(x.items())[:1000]}
    return {"$autograde": "unreadable", "type": str(type(x).__name__)[:100]}


@functools.cache  # reading and tokenizing the source takes milliseconds, and it never changes
def to_plain_source() -> str:
    """The function's source, renamed so it cannot clash with a student's names."""
    return inspect.getsource(to_plain).replace("to_plain(", "__autograde_plain(")
