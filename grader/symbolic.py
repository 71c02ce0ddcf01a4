"""Read a student's symbolic expression safely and decide whether it equals the reference.

Text is parsed by Python's own parser (``ast.parse``, which never runs code) and every node is
checked against a whitelist before a sympy object is built from it: numbers, the allowed symbol
names, ``+ - * / **``, and the functions in ``FUNCTIONS``. Nothing is passed to ``eval``,
``sympify`` or ``parse_expr``. Sizes are bounded (characters, nodes, depth, constant magnitudes)
so that building and probing an expression is quick whatever was typed.

Equivalence: both expressions are evaluated at random points with plain floats (bounded work);
agreement at every usable point means equal, any disagreement (or a point where only one of them
is defined) means different. Only when the probes cannot decide (too few points where both are
defined) does sympy's ``simplify`` run, in a separate process under a hard time limit.
"""

from __future__ import annotations

import ast
import math
import multiprocessing
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

import numpy as np
import sympy

__all__ = ["ExpressionError", "equivalent", "evaluate", "parse", "value_at"]

MAX_CHARS = 400
MAX_NODES = 200
MAX_DEPTH = 40
MAX_CONSTANT = 1e6
MAX_BITS = 1024  # sympy factors exact integers under sqrt: 4096 bits took 0.4 s each
SIMPLIFY_SECONDS = 3.0

FUNCTIONS = {"log": sympy.log, "ln": sympy.log, "exp": sympy.exp, "sqrt": sympy.sqrt, "abs": sympy.Abs}
CONSTANTS = {"pi": sympy.pi, "e": sympy.E}

_REWRITES = [
    (r"\\left|\\right", ""),
    (r"\\(mu|sigma|log|ln|exp|sqrt|pi)\b", r"\1"),
    (r"\\cdot|·|×", "*"),
    ("μ", "mu"), ("σ", "sigma"), ("π", "pi"), ("²", "**2"), ("−", "-"),
    (r"[{\[]", "("), (r"[}\]]", ")"),
    (r"\^", "**"),
    (r"(?<![\w.])(\d+(?:\.\d+)?)(?![eE][+-]?\d)\s*(?=[A-Za-z(])", r"\1*"),  # 2sigma -> 2*sigma
    (r"\)\s*\(", ")*("),
]


class ExpressionError(ValueError):
    """Text that is not an expression we accept; the message says why, in one sentence."""


def _normalise(text: str) -> str:
    for pattern, repl in _REWRITES:
        text = re.sub(pattern, repl, text)
    return text.strip()


def parse(text: str, symbols: Iterable[str]) -> sympy.Expr:
    """Parse ``text`` into a sympy expression over ``symbols``; raise ``ExpressionError`` if refused."""
    if not isinstance(text, str):
        raise ExpressionError("an expression must be text")
    return _parse(text, tuple(symbols))


@lru_cache(maxsize=4096)  # a class's answers repeat the same few references and mistakes
def _parse(text: str, symbols: tuple[str, ...]) -> sympy.Expr:
    if len(text) > MAX_CHARS:
        raise ExpressionError(f"the expression is longer than {MAX_CHARS} characters")
    source = _normalise(text)
    if not source:
        raise ExpressionError("the expression is empty")
    try:
        tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        raise ExpressionError(f"{text.strip()!r} is not a well-formed expression "
                              "(write products with *, e.g. 2*sigma)") from None
    names = {name: sympy.Symbol(name, real=True) for name in symbols}
    builder = _Builder(names)
    return builder.build(tree.body, depth=0)


class _Builder:
    def __init__(self, names: Mapping[str, sympy.Symbol]):
        self.names = names
        self.nodes = 0

    def build(self, node: ast.AST, depth: int) -> sympy.Expr:
        self.nodes += 1
        if self.nodes > MAX_NODES or depth > MAX_DEPTH:
            raise ExpressionError("the expression is too large")
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
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


def value_at(text: str, values: Mapping[str, float]) -> float:
    """The value of ``text`` with its variables set to ``values`` (by name); NaN where it is undefined."""
    expr = parse(text, tuple(values))
    return evaluate(expr, {sympy.Symbol(name, real=True): float(v) for name, v in values.items()})


def equivalent(a: sympy.Expr, b: sympy.Expr, positive: Iterable[str] = (), probes: int = 12) -> bool:
    """Whether ``a`` and ``b`` are the same function of their symbols (see the module docstring)."""
    return _equivalent(a, b, frozenset(positive), probes)


@lru_cache(maxsize=4096)
def _equivalent(a: sympy.Expr, b: sympy.Expr, positive: frozenset[str], probes: int) -> bool:
    symbols = sorted(a.free_symbols | b.free_symbols, key=str)
    rng = np.random.default_rng(20240229)  # fixed: the same answers always get the same verdict
    usable = 0
    for _ in range(probes):
        env = {s: float(rng.uniform(0.3, 3.0) if s.name in positive else rng.uniform(-2.5, 2.5)) for s in symbols}
        x, y = evaluate(a, env), evaluate(b, env)
        if math.isfinite(x) != math.isfinite(y):
            # defined where the other is not: not the same function (and no need for simplify,
            # which an expression undefined everywhere would otherwise send there for every check)
            return False
        if not math.isfinite(x):
            continue
        usable += 1
        if abs(x - y) > 1e-8 * max(1.0, abs(x), abs(y)):
            return False
    if usable >= 4:
        return True
    # without the assumption, simplify cannot use log(sigma**2) == 2*log(sigma)
    signed = {s: sympy.Symbol(s.name, positive=True) for s in symbols if s.name in positive}
    return _simplifies_to_zero((a - b).xreplace(signed))


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
