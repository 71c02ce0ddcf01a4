"""How students write an expression, rewritten into the plain syntax that ``symbolic.py`` parses.

Read as a careful grader reads it: LaTeX (``\\frac{1}{2}``, ``\\ln\\sigma``, ``\\sigma^{2}``),
Unicode (``μ``, ``σ²``, ``½``, ``−``), a leading label (``KL = ...``: what follows the last ``=``),
``log_e`` for ``log``, a function without parentheses (``ln σ``, ``-log sigma``, ``ln σ²`` is
``ln(σ²)``), and products written by juxtaposition (``2σ``, ``(1/2)log(σ^2)``, ``μ σ``). The result
is only text: the whitelist in ``symbolic.py`` still decides what it may contain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ExpressionError", "Notation", "normalise"]

MAX_LATEX_GROUPS = 50


class ExpressionError(ValueError):
    """Text that is not an expression we accept; the message says why, in one sentence."""


@dataclass(frozen=True)
class Notation:
    """The expression as plain syntax, and whether reading it took interpretation (worth a note)."""

    text: str
    interpreted: bool


_SPACING = re.compile(r"\\(?:left|right|displaystyle|textstyle|quad|qquad|[,;:! ])|\$")
_LATEX_WORDS = {"ln": "ln", "log": "log", "exp": "exp", "mu": "mu", "sigma": "sigma", "pi": "pi",
                "cdot": "*", "times": "*", "div": "/"}
_UNICODE = [("μ", " mu "), ("µ", " mu "), ("σ", " sigma "), ("π", " pi "), ("√", " sqrt "),
            ("−", "-"), ("–", "-"), ("·", "*"), ("×", "*"), ("⋅", "*"), ("∙", "*"), ("÷", "/")]
_FRACTIONS = {"½": "(1/2)", "⅓": "(1/3)", "⅔": "(2/3)", "¼": "(1/4)", "¾": "(3/4)"}
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_TOKEN = re.compile(r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(?P<name>[A-Za-z_][A-Za-z_0-9]*)"
                    r"|(?P<op>\*\*|[-+*/()]))")


def normalise(raw: str, functions: frozenset[str], names: frozenset[str]) -> Notation:
    """Plain expression text for ``raw``; ``ExpressionError`` when it holds something no reading fixes.

    ``functions`` may be written without parentheses; ``names`` (the variables and constants) may
    be multiplied by juxtaposition, including with a parenthesis (``σ(μ+1)``).
    """
    text, interpreted = raw.strip(), False
    if "=" in text:  # "KL = ...", "log_term = ...": the expression is what follows the last "="
        text, interpreted = text.rsplit("=", 1)[1], True
    latex = _latex(text)
    interpreted |= latex != text and ("frac" in text or "sqrt" in text)
    text = latex
    for char, repl in _FRACTIONS.items():
        if char in text:
            text, interpreted = text.replace(char, repl), True
    for char, repl in _UNICODE:
        text = text.replace(char, repl)
    text = re.sub(r"[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+", lambda m: f"**({m.group().translate(_SUPERSCRIPTS)})", text)
    text = re.sub(r"\b(log|ln)\s*_\s*[({]?\s*e\s*[)}]?(?![A-Za-z0-9_])", r"\1", text)  # log_e, log_{e}
    text = re.sub(r"[{\[]", "(", re.sub(r"[}\]]", ")", text)).replace("^", "**")
    tokens, changed = _fix_products(_tokens(text), functions, names)
    return Notation(" ".join(tokens), interpreted or changed)


def _latex(text: str) -> str:
    """LaTeX commands as plain words and groups; ``\\frac{a}{b}`` as ``((a)/(b))``, ``\\sqrt{a}`` as ``sqrt(a)``."""
    text = _SPACING.sub(" ", text)
    text = re.sub(r"\\(?:mathrm|operatorname|text)\s*\{\s*([A-Za-z]+)\s*\}", r" \1 ", text)
    text = re.sub(r"\\[dt]frac", r"\\frac", text)
    for _ in range(MAX_LATEX_GROUPS):
        match = re.search(r"\\(frac|sqrt)", text)
        if not match:
            break
        rest = match.end()
        first, rest = _group(text, rest)
        if match.group(1) == "frac":
            second, rest = _group(text, rest)
            text = f"{text[:match.start()]} (({first})/({second})) {text[rest:]}"
        else:
            text = f"{text[:match.start()]} sqrt({first}) {text[rest:]}"
    else:
        raise ExpressionError("the expression has too many \\frac or \\sqrt groups")

    def word(m: re.Match) -> str:
        if m.group(1) not in _LATEX_WORDS:
            raise ExpressionError(f"unknown LaTeX command \\{m.group(1)}")
        return f" {_LATEX_WORDS[m.group(1)]} "

    return re.sub(r"\\([A-Za-z]+)", word, text)


def _group(text: str, start: int) -> tuple[str, int]:
    """The next LaTeX argument from ``start``: a ``{...}`` group (nested braces) or one character."""
    i = start
    while i < len(text) and text[i].isspace():
        i += 1
    if i >= len(text):
        raise ExpressionError("\\frac or \\sqrt is missing an argument")
    if text[i] != "{":
        command = re.match(r"\\[A-Za-z]+", text[i:])
        end = i + (command.end() if command else 1)
        return text[i:end], end
    depth = 0
    for j in range(i, len(text)):
        depth += {"{": 1, "}": -1}.get(text[j], 0)
        if depth == 0:
            return text[i + 1:j], j + 1
    raise ExpressionError("a { in the expression is never closed")


def _tokens(text: str) -> list[str]:
    tokens, i = [], 0
    text = text.rstrip()
    while i < len(text):
        match = _TOKEN.match(text, i)
        if not match:
            bad = text[i:].lstrip()[:1]
            raise ExpressionError(f"{bad!r} cannot appear in an expression")
        tokens.append(match.group().strip())
        i = match.end()
    return tokens


def _fix_products(tokens: list[str], functions: frozenset[str], names: frozenset[str]) -> tuple[list[str], bool]:
    """Parentheses around a function's bare argument, and ``*`` where a product is written by juxtaposition."""
    out: list[str] = []
    changed = False
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token in functions and (i + 1 >= len(tokens) or tokens[i + 1] != "("):
            argument, i = _bare_argument(tokens, i + 1, functions)
            piece = [token, "(", *argument, ")"]
            changed = True
        else:
            piece, i = [token], i + 1
        if out and _ends_factor(out[-1], names) and _starts_factor(piece[0]):
            out.append("*")
            changed = True
        out.extend(piece)
    return out, changed


def _bare_argument(tokens: list[str], i: int, functions: frozenset[str]) -> tuple[list[str], int]:
    """The argument of ``ln σ``: one factor, with its power (``ln σ²`` is ``ln(σ²)``)."""
    argument, i = _atom(tokens, i, functions)
    while i + 1 < len(tokens) and tokens[i] == "**":
        sign = [tokens[i + 1]] if tokens[i + 1] in "+-" else []
        power, j = _atom(tokens, i + 1 + len(sign), functions)
        argument, i = [*argument, "**", *sign, *power], j
    return argument, i


def _atom(tokens: list[str], i: int, functions: frozenset[str]) -> tuple[list[str], int]:
    if i >= len(tokens) or tokens[i] in ("**", "*", "/", "+", "-", ")"):
        raise ExpressionError("a function is missing its argument (write log(sigma))")
    if tokens[i] == "(":
        depth = 0
        for j in range(i, len(tokens)):
            depth += {"(": 1, ")": -1}.get(tokens[j], 0)
            if depth == 0:
                return tokens[i:j + 1], j + 1
        raise ExpressionError("a parenthesis is never closed")
    if tokens[i] in functions:
        if i + 1 < len(tokens) and tokens[i + 1] == "(":
            inner, j = _atom(tokens, i + 1, functions)
            return [tokens[i], *inner], j
        inner, j = _bare_argument(tokens, i + 1, functions)
        return [tokens[i], "(", *inner, ")"], j
    return [tokens[i]], i + 1


def _ends_factor(token: str, names: frozenset[str]) -> bool:
    return token == ")" or token[0].isdigit() or token[0] == "." or token in names


def _starts_factor(token: str) -> bool:
    return token == "(" or token[0].isalpha() or token[0] == "_"
