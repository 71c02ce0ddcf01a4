"""``autograde feedback``: one self-contained HTML page per graded student.

The page shows the student's notebook as the defensive reader returns it (no outputs, no metadata:
nothing the kernel printed is ever rendered), with each problem's result right after its answer
cell (found by its nbgrader grade id; results for a missing cell come at the end). Expected values
appear only as ``feedback.show_expected`` allows. Everything from the gradebook is escaped; the
page carries no script and forbids scripts by its Content-Security-Policy.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bleach
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from nbconvert import HTMLExporter
from nbformat import NotebookNode
from pygments.formatters import HtmlFormatter

from grader.assignment import Assignment, Problem, load_assignment
from grader.config import Course
from grader.errors import AutogradeError
from grader.notebook.nbgrader import grade_id
from grader.notebook.read import digest, read_notebook, read_submission_bytes
from grader.report.bounds import page_budget, shorten, shortened_notebook
from grader.report.records import StudentRecord, opened, points, student_records, write_atomic

__all__ = ["FeedbackResult", "FeedbackWriter", "expected_visible", "write_feedback"]

HERE = Path(__file__).parent
PAGE_STATUSES = ("graded", "failed", "invalid")
MAX_SHOWN = 300
"""A value longer than this is cut in the page: the notebook above shows the whole answer."""

LABELS = {
    "correct": "correct",
    "partial": "partly right",
    "wrong": "wrong",
    "carried": "carried forward",
    "unanswered": "not answered",
    "pending": "pending: graded by hand",
    "manual": "graded by hand",
}

# nbconvert's own clean_html allows no <p>, <h1>-<h6> or <th> (jupyter/nbconvert#2016), which
# escapes ordinary markdown into visible tags; this allowlist keeps markdown's structure only.
ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "kbd", "li", "ol", "p", "pre", "s", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
})


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if name == "class":
        # our own result blocks use ag-*: a student must not be able to dress markdown up as one
        return not any(c.startswith("ag-") for c in value.split())
    if tag == "a":
        return name in ("href", "title")
    return tag in ("td", "th") and name in ("colspan", "rowspan")


def clean_html(html: Any) -> str:
    """Sanitise rendered student markdown and highlighted code (the exporter's ``clean_html``)."""
    text = html.decode() if isinstance(html, bytes) else str(html)
    return bleach.clean(text, tags=ALLOWED_TAGS, attributes=_allowed_attribute, strip_comments=True)


def expected_visible(policy: str, verdict: str, due: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether a part's expected value may be shown under ``feedback.show_expected``.

    An assignment without a due date is never past due, so ``after_due`` and the default
    ``wrong_after_due`` never reveal its answers. A carried-forward part earned credit for a wrong
    value, so it counts as not fully right.
    """
    if policy == "always":
        return True
    if policy == "never" or due is None or now <= due:
        return False
    return policy == "after_due" or verdict != "correct"


@dataclass(frozen=True)
class PartView:
    part: str
    score: str
    max: str
    verdict: str
    label: str
    feedback: str
    given: str | None
    expected: str | None


@dataclass(frozen=True)
class ProblemView:
    id: str
    title: str
    score: str
    max: str
    state: str  # full | some | none | waiting: the block's colour
    parts: tuple[PartView, ...]

    @property
    def shows_expected(self) -> bool:
        return any(p.expected is not None for p in self.parts)


@dataclass
class FeedbackResult:
    assignment: str
    pages: list[Path] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (student_id, why)
    failed: list[tuple[str, str]] = field(default_factory=list)   # (student_id, why): no page written


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return shorten(text, MAX_SHOWN)


class FeedbackWriter:
    """Renders pages for one assignment; build once, call :meth:`page` per student."""

    def __init__(self, course: Course, assignment: Assignment, now: dt.datetime):
        self.course = course
        self.assignment = assignment
        self.now = now if now.tzinfo else now.replace(tzinfo=dt.UTC)
        self.policy = course.config.feedback.show_expected
        self.env = Environment(loader=FileSystemLoader(HERE), autoescape=True, undefined=StrictUndefined,
                               keep_trailing_newline=True)
        self.exporter = HTMLExporter(
            template_file=str(HERE / "feedback_cells.html.j2"),
            sanitize_html=True,
            filters={"clean_html": clean_html},
            exclude_input_prompt=True, exclude_output_prompt=True, exclude_output=True, exclude_raw=True,
            exclude_anchor_links=True,
        )
        self.highlight_css = HtmlFormatter(style="default").get_style_defs(".highlight")

    # -- views -------------------------------------------------------------------------------
    def problems(self, record: StudentRecord) -> list[ProblemView]:
        due = self.assignment.due
        views = []
        for item in self.assignment.problems:
            rows = [r for r in record.rows if r["problem_id"] == item.id]
            if not rows:
                continue
            parts = tuple(self._part(r, due) for r in rows)
            got, top = sum(r["score"] for r in rows), sum(r["max_score"] for r in rows)
            if any(r["verdict"] == "pending" for r in rows):
                state = "waiting"
            else:
                state = "full" if got >= top - 1e-9 else ("some" if got > 0 else "none")
            title = item.title if isinstance(item, Problem) else (item.title or "Written answer")
            views.append(ProblemView(item.id, title, points(got), points(top), state, parts))
        return views

    def _part(self, row: dict[str, Any], due: dt.datetime | None) -> PartView:
        verdict = row["verdict"]
        manual = bool(row["manual"])
        feedback = row["feedback"] or ""
        if verdict == "pending":
            feedback = "Pending: a grader will read your answer."
        show = not manual and row["expected"] is not None and expected_visible(self.policy, verdict, due, self.now)
        given = None if manual or row["given"] is None else _shown(row["given"])
        return PartView(row["part"], points(row["score"]), points(row["max_score"]), verdict,
                        LABELS.get(verdict, verdict), feedback, given, _shown(row["expected"]) if show else None)

    def _expected_note(self) -> str:
        due = self.assignment.due
        when = due.strftime("%Y-%m-%d %H:%M %Z") if due else None
        if self.policy == "always":
            return "Expected values are shown for every part."
        if self.policy == "never":
            return "Expected values are not shown for this course."
        which = "for every part" if self.policy == "after_due" else "for parts that are not fully right"
        if due is None:
            return "Expected values are not shown: this assignment has no due date."
        if self.now <= due:
            return f"Expected values will be shown {which} after the due date ({when})."
        return f"Expected values are shown {which}, since the due date ({when}) has passed."

    # -- rendering ---------------------------------------------------------------------------
    def notebook(self, record: StudentRecord) -> tuple[NotebookNode | None, str]:
        """The submission as the reader returns it, or None and a sentence saying why."""
        sub = record.submission
        path = Path(sub.path)
        submitted = self.course.folder("submitted")
        try:
            inside = path.resolve().is_relative_to(submitted)
        except (OSError, RuntimeError):  # a link loop: the reader below says so
            inside = False
        root = submitted if inside else path.parent
        limit = self.course.config.limits.submission_mb * 1_000_000
        try:
            data = read_submission_bytes(path, limit, root)
            if sub.sha256 and digest(data) != sub.sha256:
                # results beside cells they were not computed from would mislead
                return None, "Your notebook has changed since it was graded, so it is not shown; the results below are for the graded one."
            return shortened_notebook(read_notebook(data, path.name)), ""
        except AutogradeError as exc:
            return None, f"Your notebook cannot be shown here: {exc}"

    def cells_html(self, nb: NotebookNode, views: list[ProblemView]) -> tuple[str, list[ProblemView]]:
        """The notebook with each result after its answer cell; the results with no cell to follow."""
        placed: dict[str, str] = {}
        by_id = {v.id: v for v in views}
        for cell in nb.cells:
            pid = grade_id(cell)
            if pid in by_id and pid not in placed:  # a duplicated answer cell gets one block, after the first
                cell.metadata["autograde_annotation"] = pid
                placed[pid] = self.env.get_template("feedback_result.html.j2").render(problem=by_id[pid])
        body, _ = self.exporter.from_notebook_node(nb, resources={"autograde_annotations": placed})
        return body, [v for v in views if v.id not in placed]

    def page(self, record: StudentRecord) -> str:
        sub = record.submission
        views = self.problems(record)
        nb, notebook_note = self.notebook(record)
        if nb is None:
            body, unplaced = "", views
        else:
            body, unplaced = self.cells_html(nb, views)
        status_note = ""
        if record.status != "graded":
            status_note = f"This submission was {record.status}: {sub.reason}" if sub.reason else f"Status: {record.status}."
        config = self.course.config
        return self.env.get_template("feedback_page.html.j2").render(
            course_title=config.title or config.course,
            assignment_title=self.assignment.config.title,
            assignment_name=self.assignment.name,
            due=self.assignment.due.strftime("%Y-%m-%d %H:%M %Z") if self.assignment.due else "",
            student_id=record.student_id,
            student_name=record.name,
            submitted_at=sub.submitted_at,
            graded_at=sub.graded_at or "",
            score=points(record.score or 0.0),
            max_score=points(record.max_score or 0.0),
            status_note=status_note,
            pending=sum(1 for r in record.rows if r["verdict"] == "pending"),
            expected_note=self._expected_note(),
            notebook_note=notebook_note,
            notebook_html=Markup(body),  # sanitised by the exporter's clean_html above
            unplaced=unplaced,
            highlight_css=Markup(self.highlight_css),
        )


def write_feedback(course: Course, assignment_name: str, now: dt.datetime | None = None) -> FeedbackResult:
    """Write ``feedback/<assignment>/<student>.html`` for every graded (or failed) latest submission.

    Args:
        now: the moment the expected-value policy is judged at (default: the current time).
    """
    assignment = load_assignment(course, assignment_name)
    writer = FeedbackWriter(course, assignment, now or dt.datetime.now(dt.UTC))
    folder = course.folder("feedback") / assignment.name
    result = FeedbackResult(assignment.name)
    with opened(course) as book:
        records = student_records(course, assignment, book)
    for record in records:
        if record.status not in PAGE_STATUSES:
            result.skipped.append((record.student_id, record.status))
            continue
        path = folder / f"{record.student_id}.html"
        try:  # one page that cannot be rendered never stops the others
            with page_budget(what=f"{record.student_id}'s page"):
                html = writer.page(record)
        except Exception as exc:  # noqa: BLE001 - whatever a notebook sets off in the renderers
            result.failed.append((record.student_id, str(exc) if isinstance(exc, AutogradeError)
                                  else f"{type(exc).__name__}: {exc}"[:300]))
            continue
        result.pages.append(write_atomic(path, html.encode("utf-8")))
    return result
