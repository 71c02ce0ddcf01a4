"""The report's charts, as PNG data URIs: fixed sizes and no metadata, so the same gradebook gives the same bytes.

Figures are built with :class:`matplotlib.figure.Figure` directly, never through pyplot, so
nothing touches matplotlib's global figure state (a report can be drawn inside a server or a
test without a display and without leaking figures).
"""

from __future__ import annotations

import base64
import io
import re
import statistics
import textwrap
from collections.abc import Sequence

import matplotlib
from matplotlib.figure import Figure
from matplotlib.mathtext import MathTextParser
from matplotlib.ticker import MaxNLocator, PercentFormatter

from grader.report.difficulty import ParamEffect
from grader.report.stats import MistakeStats, PartStats, ProblemStats

__all__ = ["COLORS", "difficulty_chart", "mistakes_chart", "parameter_chart", "score_histogram"]

# Okabe-Ito colours: told apart with the common colour-vision deficiencies
COLORS = {
    "earned": "#0072B2",
    "carried": "#56B4E9",
    "wrong": "#D55E00",
    "unanswered": "#BBBBBB",
    "pending": "#E69F00",
}
LABELS = {
    "earned": "credit",
    "carried": "carried forward",
    "wrong": "wrong",
    "unanswered": "unanswered",
    "pending": "to grade by hand",
}
STYLE = {
    "font.family": "DejaVu Sans",   # ships with matplotlib: the same glyphs on every machine
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.dpi": 100,
}
DPI = 130


def _png(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _short(text: str, width: int) -> str:
    return _drawable(textwrap.shorten(text, width=width, placeholder="…"))


_MATH = re.compile(r"\$([^$]+)\$")
_MATHTEXT = MathTextParser("path")


def _drawable(label: str) -> str:
    """A label whose $...$ matplotlib's mathtext can draw, or else with its dollars shown as typed:
    a title with LaTeX mathtext cannot read must not stop the report."""
    try:
        for fragment in _MATH.findall(label):
            _MATHTEXT.parse(f"${fragment}$")
    except ValueError:
        return label.replace("$", r"\$")
    return label


def score_histogram(scores: Sequence[float]) -> str:
    """Submissions per 10-point band of the score, with the mean and median marked."""
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(6.4, 2.6), layout="constrained")
        ax = fig.subplots()
        values = [100 * s for s in scores]
        ax.hist(values, bins=list(range(0, 101, 10)), color=COLORS["earned"], edgecolor="white")
        if values:
            mean, median = statistics.fmean(values), statistics.median(values)
            ax.axvline(mean, color="black", linestyle="-", linewidth=1.2, label=f"mean {mean:.0f}%")
            ax.axvline(median, color="black", linestyle="--", linewidth=1.2, label=f"median {median:.0f}%")
            ax.legend(loc="upper left", frameon=False)
        ax.set_xlim(0, 100)
        ax.xaxis.set_major_formatter(PercentFormatter())
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("score (share of the points graded so far)")
        ax.set_ylabel("submissions")
        return _png(fig)


def difficulty_chart(problems: Sequence[ProblemStats]) -> str:
    """One stacked bar per problem and per part: where the points went, in assignment order."""
    rows: list[tuple[str, PartStats, bool]] = []
    for p in problems:
        if not p.total.points:
            continue
        rows.append((_short(f"{p.problem_id}  {p.title}", 46), p.total, True))
        if len(p.parts) > 1:
            word = "version " if p.alternatives else ""  # a pool's rows are its alternatives
            rows += [(_short(f"{word}{part.part}", 40), part, False) for part in p.parts]
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(8.0, 1.1 + 0.24 * max(len(rows), 1)), layout="constrained")
        ax = fig.subplots()
        ys = list(range(len(rows)))
        left = [0.0] * len(rows)
        for key in COLORS:
            widths = [100 * s.share(key) for _, s, _ in rows]
            if not any(widths):
                continue
            ax.barh(ys, widths, left=left, height=[0.75 if top else 0.55 for *_, top in rows],
                    color=COLORS[key], label=LABELS[key])
            left = [a + b for a, b in zip(left, widths)]
        for y, (_, stats, _) in zip(ys, rows):
            # a mean over a handful of unanswered free-text parts is not the question's difficulty
            text = "–" if stats.mean is None else f"{100 * stats.mean:.0f}%"
            if stats.pending:
                text += f" ({100 * stats.share('pending'):.0f}% to grade)"
            ax.text(101, y, text, va="center", fontsize=8)
        ax.set_yticks(ys, [label if top else "    " + label for label, _, top in rows])
        for tick, (_, _, top) in zip(ax.get_yticklabels(), rows):
            tick.set_fontweight("bold" if top else "normal")
        ax.invert_yaxis()
        ax.set_xlim(0, 130 if any(s.pending for _, s, _ in rows) else 108)
        ax.set_xticks(range(0, 101, 20))
        ax.xaxis.set_major_formatter(PercentFormatter())
        ax.spines["bottom"].set_bounds(0, 100)
        ax.set_xlabel("share of the points; at the right, the mean score (carried credit included)", loc="left")
        fig.legend(loc="outside upper center", ncols=5, frameon=False, fontsize=8, handlelength=1.2, columnspacing=1.2)
        return _png(fig)


def mistakes_chart(mistakes: Sequence[MistakeStats], graded: int, limit: int = 12) -> str:
    """The most frequent named mistakes across the assignment, by number of students."""
    top = sorted(mistakes, key=lambda m: (-m.students, m.problem_id, m.name))[:limit]
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(7.0, 1.0 + 0.28 * max(len(top), 1)), layout="constrained")
        ax = fig.subplots()
        ys = list(range(len(top)))
        ax.barh(ys, [m.students for m in top], color=COLORS["wrong"], height=0.65)
        most = max((m.students for m in top), default=1)
        for y, m in zip(ys, top):
            ax.text(m.students + most * 0.01, y, f"{m.students} ({m.share:.0%})", va="center", fontsize=8)
        ax.set_yticks(ys, [_short(f"{m.problem_id} · {m.name}", 44) for m in top])
        ax.invert_yaxis()
        ax.set_xlim(0, most * 1.18)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(f"students who made it (of {graded} graded)")
        return _png(fig)


def parameter_chart(effects: Sequence[ParamEffect], min_n: int, columns: int = 3) -> str:
    """Small multiples: mean score per parameter value, n under each bar; bars of too few students hatched.

    Titles in red are clear gaps (flagged and at least two standard errors wide)."""
    rows = (len(effects) + columns - 1) // columns
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(8.4, 2.5 * rows), layout="constrained")
        axes = fig.subplots(rows, columns, squeeze=False).ravel()
        for ax, effect in zip(axes, effects):
            xs = list(range(len(effect.levels)))
            for x, level in zip(xs, effect.levels):
                enough = level.n >= min_n
                ax.bar(x, 100 * level.mean, width=0.7, color=COLORS["earned"] if enough else "white",
                       edgecolor=COLORS["earned"], hatch=None if enough else "///", linewidth=1)
                ax.text(x, 100 * level.mean + 2, f"{100 * level.mean:.0f}%", ha="center", fontsize=7.5)
            ax.set_xticks(xs, [f"{_short(level.label, 12)}\nn={level.n}" for level in effect.levels], fontsize=7.5)
            ax.set_ylim(0, 112)
            ax.set_yticks([0, 50, 100])
            ax.yaxis.set_major_formatter(PercentFormatter())
            note = "" if effect.clear or not effect.flagged else "\n(gap within chance)"
            ax.set_title(f"{effect.problem_id}: {effect.param}{note}", color=COLORS["wrong"] if effect.clear else "black",
                         fontweight="bold" if effect.clear else "normal")
        for ax in axes[len(effects):]:
            ax.set_visible(False)
        return _png(fig)
