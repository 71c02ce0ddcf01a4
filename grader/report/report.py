"""The instructor report: one self-contained HTML page per assignment, charts embedded as PNG.

``write_report`` reads the gradebook, computes :mod:`grader.report.stats`, draws
:mod:`grader.report.plots` and renders ``report.html.j2``. The page holds nothing that
changes between two runs on the same gradebook (no clock, no random ids), so it can be committed
or diffed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader.assignment import load_assignment
from grader.config import Course
from grader.gradebook import Gradebook
from grader.private import private_folder
from grader.report.difficulty import ParamEffect
from grader.report.integrity import IntegrityResult, integrity_or_none
from grader.report.markup import text_html
from grader.report.plots import difficulty_chart, mistakes_chart, parameter_chart, score_histogram
from grader.report.records import write_atomic
from grader.report.stats import AssignmentStats, assignment_stats
from grader.templates import environment

__all__ = ["ReportResult", "render_report", "write_report"]

EFFECT_PLOTS = 6
"""Parameters drawn as small multiples; the rest are in the table below them."""


@dataclass(frozen=True)
class ReportResult:
    path: Path
    stats: AssignmentStats
    integrity: IntegrityResult | None = None


def _plotted(effects: list[ParamEffect], min_spread: float) -> list[ParamEffect]:
    """Clear gaps first, then other flagged ones, then the widest other gaps of at least half the threshold."""
    comparable = [e for e in effects if e.spread is not None and (e.flagged or e.spread >= min_spread / 2)]
    ranked = sorted(comparable, key=lambda e: (not e.clear, not e.flagged, -(e.spread or 0), e.problem_id, e.param))
    return ranked[:EFFECT_PLOTS]


def _display_path(path: str, root: Path | None) -> str:
    if root is None:
        return path
    try:
        return str(Path(path).resolve().relative_to(root.resolve()))
    except ValueError:
        return path


def render_report(stats: AssignmentStats, *, course_title: str = "", root: Path | None = None,
                  integrity: IntegrityResult | None = None, integrity_note: str = "") -> str:
    """The report page as HTML text (``root``: the course folder, to show submission paths relative to it;
    ``integrity``: the section on answers shared across variants, or ``integrity_note`` saying why there is none)."""
    h = stats.headline
    graded_problems = [p for p in stats.problems if p.total.points]
    min_n, min_spread = stats.min_n, stats.min_spread
    plotted = _plotted(stats.effects, min_spread)
    charts = {
        "histogram": score_histogram(h.scores) if h.scores else None,
        "difficulty": difficulty_chart(graded_problems) if graded_problems else None,
        "mistakes": mistakes_chart(stats.mistakes, h.graded) if stats.mistakes else None,
        "parameters": parameter_chart(plotted, min_n) if plotted else None,
    }
    carried = [(v, part) for p in graded_problems for v in p.versions for part in v.parts if part.carried]
    trouble = [(t, _display_path(t.path, root)) for t in stats.trouble]
    return environment().get_template("report/report.html.j2").render(
        typeset=text_html, s=stats, h=h, course_title=course_title, charts=charts, problems=graded_problems, carried=carried,
        versions=[v for p in graded_problems for v in p.versions],
        trouble=trouble, flagged=stats.flagged, effects=stats.effects, min_n=min_n, min_spread=min_spread,
        integrity=integrity, integrity_note=integrity_note)


def write_report(course: Course, assignment: str, out: Path | None = None) -> ReportResult:
    """Write ``reports/<assignment>/index.html`` (or ``<out>/index.html``) from the course's gradebook."""
    a = load_assignment(course, assignment)
    book = Gradebook(course.config.gradebook, course.root)
    try:
        stats = assignment_stats(book, a, roster=[s.student_id for s in course.roster()])
    finally:
        book.close()
    folder = private_folder(Path(out) if out is not None else course.folder("reports") / assignment)
    integrity, note = integrity_or_none(course, assignment)
    html = render_report(stats, course_title=course.config.title or course.config.course, root=course.root,
                         integrity=integrity, integrity_note=note)
    path = write_atomic(folder / "index.html", html.encode("utf-8"))
    return ReportResult(path=path, stats=stats, integrity=integrity)
