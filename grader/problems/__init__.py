"""Problem families: one small module each, registered by name.

See ``conv_output_shape.py`` for the shape of a family and ``registry.py`` for how families
(built-in, from entry points, or from a file beside an assignment) are found and checked.
"""

from grader.problems.base import Mistake, Part
from grader.problems.registry import Family, families, get_family, load_family_file

__all__ = ["Family", "Mistake", "Part", "families", "get_family", "load_family_file"]
