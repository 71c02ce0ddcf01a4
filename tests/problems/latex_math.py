"""Read the arithmetic a worked solution shows, to check that no step contradicts another.

A worked solution is markdown with LaTeX between ``$`` (or ``$$``). Each math segment with ``=``
(or ``\\ge``, ``\\le``, ``<``, ``>``) is a chain of sides; every side made only of numbers and
arithmetic (``\\frac``, ``\\cdot``, ``\\lfloor``, ``\\lceil``, ``\\max``, ``\\log``, ``|x|``, powers,
and ``bmatrix`` entry by entry) is evaluated, and the chain must hold between those sides, up to the
rounding of the numbers shown (four significant figures). A side with a symbol in it (``\\sigma``,
``y_0[1, 2]``, a transpose) is left out.
"""

from __future__ import annotations

import ast
import math
import operator
import re
from dataclasses import dataclass

import numpy as np

SEGMENT = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$", re.S)
MATRIX = re.compile(r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}", re.S)
RELATION = re.compile(r"\\ge(?![a-z])|\\le(?![a-z])|\\geq|\\leq|=|<|>")
_FUNCTIONS = {"floor": math.floor, "ceil": math.ceil, "max": max, "min": min, "log": math.log, "abs": abs}
_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.Pow: operator.pow}


@dataclass(frozen=True)
class Step:
    """One relation between two numeric sides of a chain, as shown."""

    text: str
    left: float | np.ndarray  # a matrix side is compared entry by entry
    relation: str
    right: float | np.ndarray
    scale: float  # the largest number written on either side: what rounding errors are relative to

    def holds(self) -> bool:
        left, right = np.asarray(self.left), np.asarray(self.right)
        if left.shape and right.shape and left.shape != right.shape:
            return False
        slack = 1e-3 * max(1.0, self.scale)  # numbers are shown to 4 significant figures
        if self.relation == "=":
            return bool(np.all(np.abs(left - right) <= slack))
        if self.relation in (r"\ge", r"\geq", ">"):
            return bool(np.all(left >= right - slack))
        return bool(np.all(left <= right + slack))


def _braced(text: str, start: int) -> tuple[str, int]:
    """The contents of the ``{...}`` group opening at ``start``, and the index after it."""
    depth = 0
    for i in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return text[start + 1:i], i + 1
    raise ValueError("unbalanced braces")


def _fractions(text: str) -> str:
    while (at := text.find(r"\frac")) >= 0:
        top, after = _braced(text, text.index("{", at))
        bottom, end = _braced(text, text.index("{", after))
        text = f"{text[:at]}(({top})/({bottom})){text[end:]}"
    return text


def _matrix(found: re.Match) -> str:
    rows = [row.split("&") for row in found.group(1).split(r"\\")]
    return "M((" + ", ".join("(" + ", ".join(cell.strip() for cell in row) + ",)" for row in rows) + ",))"


def to_python(side: str) -> str:
    """A numeric LaTeX side as a Python expression (it may still hold symbols: then it does not parse)."""
    text = side.replace("{,}", "")  # a thousands separator
    text = MATRIX.sub(_matrix, text)  # M((row), (row)): a matrix, evaluated entry by entry
    text = re.sub(r"\\text\s*\{[^{}]*\}", " ", text)  # units: "nats"
    text = re.sub(r"\\(mathbf|mathrm)\s*\{([^{}]*)\}", lambda m: m.group(2) if m.group(1) == "mathbf" else f" {m.group(2)} ", text)
    text = _fractions(text)
    for latex, python in ((r"\left\lfloor", " floor("), (r"\right\rfloor", ")"), (r"\lfloor", " floor("),
                          (r"\rfloor", ")"), (r"\left\lceil", " ceil("), (r"\right\rceil", ")"), (r"\lceil", " ceil("),
                          (r"\rceil", ")"), (r"\left(", "("), (r"\right)", ")"), (r"\cdot", "*"), (r"\times", "*"),
                          (r"\max", "max"), (r"\min", "min"), (r"\log", "log "), (r"\,", " "), (r"\;", " "),
                          (r"\!", ""), (r"\ ", " "), ("^", "**"), ("{", "("), ("}", ")")):
        text = text.replace(latex, python)
    text = re.sub(r"\|([^|]+)\|", r"abs(\1)", text)
    text = re.sub(r"\blog\s+(\d+(?:\.\d+)?)", r"log(\1)", text)  # \log 0.45 as written, without brackets
    return text.strip().rstrip(".,;:").strip()


def evaluate(side: str) -> float | None:
    """The value of a side made only of numbers and arithmetic; ``None`` when it holds anything else."""
    try:
        tree = ast.parse(to_python(side), mode="eval")
    except SyntaxError:
        return None
    try:
        value = _value(tree.body)
        return value.astype(float) if isinstance(value, np.ndarray) else float(value)
    except (ValueError, TypeError, ZeroDivisionError, OverflowError):
        return None


def _value(node: ast.AST):
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _BINARY[type(node.op)](_value(node.left), _value(node.right))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return -_value(node.operand) if isinstance(node.op, ast.USub) else _value(node.operand)
    if isinstance(node, ast.Tuple) and len(node.elts) == 1:
        return _value(node.elts[0])
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "M":  # see _matrix
        return np.array([[_value(e) for e in row.elts] for row in node.args[0].elts], dtype=float)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS and not node.keywords:
        return _FUNCTIONS[node.func.id](*(_value(a) for a in node.args))
    raise ValueError("not plain arithmetic")


def _scale(side: str) -> float:
    numbers = [abs(float(n)) for n in re.findall(r"\d+(?:\.\d+)?(?:e[-+]?\d+)?", to_python(side))]
    return max(numbers, default=0.0)


def steps(text: str) -> list[Step]:
    """Every relation between numeric sides that the math of ``text`` shows."""
    found = []
    for match in SEGMENT.finditer(text):
        segment = match.group(1) or match.group(2)
        pieces = RELATION.split(segment)
        relations = RELATION.findall(segment)
        values = [evaluate(piece) for piece in pieces]
        known = [(i, v) for i, v in enumerate(values) if v is not None]
        for (i, a), (j, b) in zip(known, known[1:]):
            between = relations[i:j]
            # a chain through a symbol still relates the numbers around it; an inequality anywhere
            # in between makes the pair an inequality of that direction
            relation = next((r for r in between if r != "="), "=")
            found.append(Step(segment.strip(), a, relation, b, max(_scale(pieces[i]), _scale(pieces[j]))))
    return found
