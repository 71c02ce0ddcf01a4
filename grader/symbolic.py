"""Read a student's symbolic expression safely and decide whether it equals the reference.

Text is first rewritten from the ways students write (``notation.py``: LaTeX, Unicode, ``ln σ``,
implicit products), then parsed by Python's own parser (``ast.parse``, which never runs code) and
every node is checked against a whitelist before a sympy object is built from it: numbers, the
allowed symbol names, ``+ - * / **``, and the functions in ``FUNCTIONS``. Nothing is passed to
``eval``, ``sympify`` or ``parse_expr``. Sizes are bounded (characters, nodes, depth, constant
magnitudes) so that building and probing an expression is quick whatever was typed.

Equivalence, over the whole domain (every real value, positive ones for a positive symbol):
both expressions are evaluated at probe points spread over many orders of magnitude, drawn from
a generator seeded by the two expressions themselves, so the points are the same for the same
answer (same verdict, every time) and no constant list in the code can predict them. A
disagreement found with floats is confirmed at 60 digits (mpmath) before it counts. Where the
probes cannot decide (too few points where both are defined), or the answer holds ``abs()``
(which can make two functions agree on a region and differ beyond it), sympy's ``simplify``
decides, in a separate process under a hard time limit.
"""

from __future__ import annotations

import ast
import enum
import hashlib
import math
import multiprocessing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import mpmath
import numpy as np
import sympy

from grader.notation import ExpressionError, normalise

__all__ = ["Equivalence", "ExpressionError", "Parsed", "compare", "equivalent", "evaluate", "parse", "read", "value_at"]

MAX_CHARS = 400
MAX_NODES = 200
MAX_DEPTH = 40
MAX_CONSTANT = 1e6
MAX_BITS = 1024  # sympy factors exact integers under sqrt: 4096 bits took 0.4 s each
SIMPLIFY_SECONDS = 3.0
PROBES = 24
PRECISION = 60  # decimal digits for confirming a disagreement
MAX_MAGNITUDE = mpmath.mpf(10) ** 300  # past this a probe is an overflow, not evidence

FUNCTIONS = {"log": sympy.log, "ln": sympy.log, "exp": sympy.exp, "sqrt": sympy.sqrt, "abs": sympy.Abs}
CONSTANTS = {"pi": sympy.pi, "e": sympy.E}


@dataclass(frozen=True)
class Parsed:
    """A parsed expression and, when reading it took interpretation, how it was read (for the student)."""

    expr: sympy.Expr
    note: str = ""


class Equivalence(enum.Enum):
    """Whether two expressions are the same function on the whole domain."""

    SAME = "same"
    DIFFERENT = "different"
    UNPROVEN = "unproven"  # agree at every probe, but holds abs() and simplify could not show it


def expression_text(raw: Any) -> str:
    """The text of an answer: text as it is, a JSON number as its shortest decimal (``-0.5``)."""
    if isinstance(raw, str):
        return raw
    if isinstance(raw, int) and not isinstance(raw, bool) and raw.bit_length() < 64:
        return str(raw)
    if isinstance(raw, float) and math.isfinite(raw):
        return repr(raw)
    raise ExpressionError("an expression must be text")


def parse(text: str, symbols: Iterable[str], positive: Iterable[str] = ()) -> sympy.Expr:
    """Parse ``text`` into a sympy expression over ``symbols``; raise ``ExpressionError`` if refused."""
    return read(text, symbols, positive).expr


def read(text: Any, symbols: Iterable[str], positive: Iterable[str] = ()) -> Parsed:
    """Like :func:`parse`, with a note saying how the text was read when it took interpretation."""
    return _read(expression_text(text), tuple(symbols), tuple(sorted(positive)))


@lru_cache(maxsize=4096)  # a class's answers repeat the same few references and mistakes
def _read(text: str, symbols: tuple[str, ...], positive: tuple[str, ...]) -> Parsed:
    if len(text) > MAX_CHARS:
        raise ExpressionError(f"the expression is longer than {MAX_CHARS} characters")
    notation = normalise(text, frozenset(FUNCTIONS), frozenset(symbols) | frozenset(CONSTANTS))
    if not notation.text:
        raise ExpressionError("the expression is empty")
    try:
        tree = ast.parse(notation.text, mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        raise ExpressionError(f"{text.strip()[:80]!r} is not a well-formed expression "
                              "(write products with *, e.g. 2*sigma)") from None
    names = {name: sympy.Symbol(name, positive=True) if name in positive else sympy.Symbol(name, real=True)
             for name in symbols}
    expr = _Builder(names).build(tree.body, depth=0)
    note = f"read as {_short(expr)}" if notation.interpreted else ""
    return Parsed(expr, note)


def _short(expr: sympy.Expr) -> str:
    text = sympy.sstr(expr)
    return text if len(text) <= 120 else text[:119] + "…"


class _Builder:
    def __init__(self, names: Mapping[str, sympy.Symbol]):
        self.names = names
        self.nodes = 0

    def build(self, node: ast.AST, depth: int) -> sympy.Expr:
        self.nodes += 1
        if self.nodes > MAX_NODES or depth > MAX_DEPTH:
            raise ExpressionError("the expression is too large")
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            if abs(node.value) > MAX_CONSTANT:
                raise ExpressionError(f"the number {node.value} is too large")
            return sympy.Integer(node.value) if isinstance(node.value, int) else sympy.Float(node.value)
        if isinstance(node, ast.Name):
            if node.id in self.names:
                return self.names[node.id]
            if node.id in CONSTANTS:
                return CONSTANTS[node.id]
            allowed = ", ".join(sorted(self.names))
            raise ExpressionError(f"unknown name {node.id!r} (the variables are {allowed})")
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = self.build(node.operand, depth + 1)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            left = self.build(node.left, depth + 1)
            right = self.build(node.right, depth + 1)
            if isinstance(node.op, ast.Pow) and right.is_number:
                if not (right.is_extended_real and right.is_finite):  # log(-1) is I*pi; float() of it raises
                    raise ExpressionError("an exponent is not a finite real number")
                if abs(float(right)) > 64:
                    raise ExpressionError("an exponent is too large")
            if isinstance(node.op, ast.Div) and right == 0:
                raise ExpressionError("division by zero")
            return _checked(_BINARY[type(node.op)](left, right))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
            func = FUNCTIONS.get(node.func.id)
            if func is None:
                raise ExpressionError(f"unknown function {node.func.id!r} (allowed: {', '.join(sorted(FUNCTIONS))})")
            if len(node.args) != 1:
                raise ExpressionError(f"{node.func.id}() takes one argument")
            return _checked(func(self.build(node.args[0], depth + 1)))
        raise ExpressionError(f"{ast.unparse(node)!r} is not allowed in an expression")


_BINARY = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}


def _checked(expr: sympy.Expr) -> sympy.Expr:
    """Refuse exact numbers so large that further arithmetic on them would be slow."""
    if expr.is_Rational and (abs(expr.p).bit_length() > MAX_BITS or expr.q.bit_length() > MAX_BITS):
        raise ExpressionError("a number in the expression is too large")
    return expr


def evaluate(expr: sympy.Expr, env: Mapping[sympy.Symbol, float]) -> float:
    """Evaluate a parsed expression with floats; NaN where it is undefined, inf on overflow."""
    try:
        return _float(expr, env)
    except (ValueError, ZeroDivisionError):
        return math.nan
    except OverflowError:
        return math.inf


def _float(expr: sympy.Expr, env: Mapping[sympy.Symbol, float]) -> float:
    if expr.is_Symbol:
        return env[expr]
    if expr.is_Number or expr.is_NumberSymbol:
        return float(expr)
    args = [_float(a, env) for a in expr.args]
    if expr.is_Add:
        return math.fsum(args)
    if expr.is_Mul:
        return math.prod(args)
    if expr.is_Pow:
        return math.pow(*args)
    if isinstance(expr, sympy.log):
        return math.log(args[0])
    if isinstance(expr, sympy.exp):
        return math.exp(args[0])
    if isinstance(expr, sympy.Abs):
        return abs(args[0])
    raise ValueError(f"cannot evaluate {type(expr).__name__}")


def value_at(text: Any, values: Mapping[str, float]) -> float:
    """The value of ``text`` with its variables set to ``values`` (by name); NaN where it is undefined."""
    expr = parse(text, tuple(values))
    return evaluate(expr, {sympy.Symbol(name, real=True): float(v) for name, v in values.items()})


def equivalent(a: sympy.Expr, b: sympy.Expr, positive: Iterable[str] = (), probes: int = PROBES) -> bool:
    """Whether ``a`` and ``b`` are the same function of their symbols (see the module docstring)."""
    return _compare(a, b, frozenset(positive), probes) is Equivalence.SAME


def compare(a: sympy.Expr, b: sympy.Expr, positive: Iterable[str] = (), probes: int = PROBES) -> Equivalence:
    """Whether ``a`` (an answer) and ``b`` (the reference) are the same function, saying when it is unproven."""
    return _compare(a, b, frozenset(positive), probes)


@lru_cache(maxsize=4096)
def _compare(a: sympy.Expr, b: sympy.Expr, positive: frozenset[str], probes: int) -> Equivalence:
    symbols = a.free_symbols | b.free_symbols
    names = sorted({s.name for s in symbols})
    usable = 0
    for point in _probe_points(a, b, names, positive, probes):
        env = {s: point[s.name] for s in symbols}
        agree = _agree(a, b, env)
        if agree is False:
            return Equivalence.DIFFERENT
        usable += bool(agree)
    if usable >= 4 and not (_piecewise(a, positive) or _piecewise(b, positive)):
        return Equivalence.SAME
    # without the assumption, simplify cannot use log(sigma**2) == 2*log(sigma)
    signed = {s: sympy.Symbol(s.name, positive=True) for s in symbols if s.name in positive}
    if _simplifies_to_zero((a - b).xreplace(signed)):
        return Equivalence.SAME
    return Equivalence.UNPROVEN if usable >= 4 else Equivalence.DIFFERENT


def _probe_points(a: sympy.Expr, b: sympy.Expr, names: list[str], positive: frozenset[str], count: int):
    """Points over the whole domain, derived from the two expressions (the same answer, the same points).

    A quarter lie in a small box around zero; the rest spread evenly over magnitudes 1e-3 to 1e3,
    both signs (positive only for a positive symbol), shuffled per symbol.
    """
    seed = hashlib.sha256("\x00".join([sympy.srepr(a), sympy.srepr(b), *sorted(positive)]).encode()).digest()
    rng = np.random.default_rng(int.from_bytes(seed[:16], "big"))
    near = count // 4
    wide = count - near
    columns = {}
    for name in names:
        small = rng.uniform(0.2, 3.0, near) if name in positive else rng.uniform(-3.0, 3.0, near)
        exponents = -3.0 + 6.0 * (rng.permutation(wide) + rng.uniform(0, 1, wide)) / wide
        signs = np.ones(wide) if name in positive else rng.permutation(np.resize([1.0, -1.0], wide))
        columns[name] = np.concatenate([small, signs * 10.0**exponents])
    for i in range(count):
        yield {name: float(columns[name][i]) for name in names}


def _piecewise(expr: sympy.Expr, positive: frozenset[str]) -> bool:
    """Whether ``expr`` may be piecewise (abs, or a fractional power of something not known positive):
    such a function can agree with another on a region and differ beyond it, so probes cannot settle it."""
    signed = {s: sympy.Symbol(s.name, positive=True) for s in expr.free_symbols if s.name in positive}
    expr = expr.xreplace(signed)
    if expr.has(sympy.Abs):
        return True
    return any(not p.exp.is_integer and p.base.is_positive is not True for p in expr.atoms(sympy.Pow))


def _agree(a: sympy.Expr, b: sympy.Expr, env: Mapping[sympy.Symbol, float]) -> bool | None:
    """True or False at this point; None when it tells nothing (undefined for both, or an overflow).

    Floats decide agreement; a disagreement is confirmed at 60 digits, so float rounding or an
    overflow in one way of writing the same function never counts against an answer.
    """
    x, y = evaluate(a, env), evaluate(b, env)
    if math.isfinite(x) and math.isfinite(y) and abs(x - y) <= 1e-8 * max(1.0, abs(x), abs(y)):
        return True
    x, y = _precise(a, env), _precise(b, env)
    if (x is _OVERFLOW) != (y is _OVERFLOW):  # past 1e300 against a number of sensible size: different
        other = y if x is _OVERFLOW else x
        return None if other is None or abs(other) > mpmath.mpf(10) ** 200 else False
    if x is _OVERFLOW or (x is None and y is None):
        return None
    if x is None or y is None:
        return False  # defined where the other is not: not the same function
    floats = a.has(sympy.Float) or b.has(sympy.Float)  # a decimal like 0.1 carries binary rounding
    return bool(abs(x - y) <= (mpmath.mpf("1e-9") if floats else mpmath.mpf("1e-30")) * max(1, abs(x), abs(y)))


_OVERFLOW = object()


def _precise(expr: sympy.Expr, env: Mapping[sympy.Symbol, float]) -> Any:
    """The value at 60 digits: an mpf, ``None`` where undefined, ``_OVERFLOW`` past 1e300."""
    with mpmath.workdps(PRECISION):
        try:
            return _mp(expr, env)
        except (ValueError, ZeroDivisionError):
            return None
        except OverflowError:
            return _OVERFLOW


def _mp(expr: sympy.Expr, env: Mapping[sympy.Symbol, float]) -> Any:
    if expr.is_Symbol:
        return mpmath.mpf(env[expr])
    if expr.is_Integer:
        return mpmath.mpf(int(expr))
    if expr.is_Rational:
        return mpmath.mpf(int(expr.p)) / int(expr.q)
    if expr.is_Float:
        return mpmath.mpf(expr)
    if expr is sympy.pi:
        return +mpmath.pi
    if expr is sympy.E:
        return +mpmath.e
    args = [_mp(arg, env) for arg in expr.args]
    if expr.is_Add:
        value = mpmath.fsum(args)
    elif expr.is_Mul:
        value = mpmath.fprod(args)
    elif expr.is_Pow:
        base, power = args
        if base < 0 and power != int(power) or base == 0 and power < 0:
            raise ValueError("undefined power")
        value = mpmath.power(base, power)
    elif isinstance(expr, sympy.log):
        if args[0] <= 0:
            raise ValueError("log of a number that is not positive")
        value = mpmath.log(args[0])
    elif isinstance(expr, sympy.exp):
        if args[0] > 690:
            raise OverflowError
        value = mpmath.exp(args[0])
    elif isinstance(expr, sympy.Abs):
        value = abs(args[0])
    else:
        raise ValueError(f"cannot evaluate {type(expr).__name__}")
    if not mpmath.isfinite(value) or abs(value) > MAX_MAGNITUDE:
        raise OverflowError
    return value


def _simplify_child(expr: sympy.Expr, conn) -> None:  # runs in a separate process
    conn.send(bool(sympy.simplify(expr) == 0))


def _simplifies_to_zero(expr: sympy.Expr, seconds: float = SIMPLIFY_SECONDS) -> bool:
    ctx = multiprocessing.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_simplify_child, args=(expr, send), daemon=True)
    child.start()
    send.close()  # so that a child that dies without answering ends the wait at once (EOFError)
    try:
        return bool(receive.recv()) if receive.poll(seconds) else False
    except EOFError:
        return False
    finally:
        child.kill()
        child.join()
