"""``autograde feedback``: one self-contained HTML page per graded student.

The page shows the student's notebook as the defensive reader returns it (no outputs, no metadata:
nothing the kernel printed is ever rendered), with each problem's result right after its answer
cell (found by its nbgrader grade id; results for a missing cell come at the end). Expected values
appear only as ``feedback.show_expected`` allows, and each problem's worked solution (with the
student's graded parameters) as ``feedback.show_solution`` allows. Everything from the gradebook
is escaped; math is typeset on the server as MathML (:mod:`grader.report.markup`); the page
carries no script and forbids scripts by its Content-Security-Policy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup
from nbconvert import HTMLExporter
from nbconvert.filters import strip_files_prefix
from nbformat import NotebookNode
from pygments.formatters import HtmlFormatter

from grader.answers import show
from grader.assignment import Assignment, Pool, Problem, load_assignment
from grader.config import Course
from grader.errors import AutogradeError
from grader.gradebook import PartRecord
from grader.identity import IdentityCheck
from grader.late import deadlines, shown
from grader.notebook.nbgrader import grade_id
from grader.notebook.read import digest, read_notebook, read_submission_bytes
from grader.outcomes import GradeStatus, Verdict
from grader.report.bounds import page_budget, shortened_notebook
from grader.report.markup import SanitisedHTML, Typesetter, clean_html
from grader.report.records import StudentRecord, graded_problem, opened, points, student_records, write_atomic
from grader.templates import environment

__all__ = ["FeedbackResult", "FeedbackWriter", "expected_visible", "write_feedback"]

HERE = Path(__file__).parent
PAGE_STATUSES = (GradeStatus.GRADED, GradeStatus.FAILED, GradeStatus.INVALID)
MAX_SHOWN = 300
"""A value longer than this is cut in the page: the notebook above shows the whole answer."""

LABELS = {
    Verdict.CORRECT: "correct",
    Verdict.PARTIAL: "partly right",
    Verdict.WRONG: "wrong",
    Verdict.CARRIED: "carried forward",
    Verdict.UNANSWERED: "not answered",
    Verdict.PENDING: "pending: graded by hand",
    Verdict.MANUAL: "graded by hand",
}


def expected_visible(policy: str, verdict: Verdict, closes: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether a part's expected value (or, under ``feedback.show_solution``, a worked solution) may be shown.

    ``closes`` is when submissions close for this student (:attr:`grader.late.Deadline.closes`: their
    own cutoff, an extension's if any, plus the grace): before it they could still hand in what a
    page showed them. An assignment without a due date never closes, so ``after_due`` and the default
    ``wrong_after_due`` never reveal its answers. A carried-forward part earned credit for a wrong
    value, so it counts as not fully right.
    """
    if policy == "always":
        return True
    if policy == "never" or closes is None or now <= closes:
        return False
    return policy == "after_due" or verdict != Verdict.CORRECT


@dataclass(frozen=True)
class PartView:
    part: str
    score: str
    max: str
    verdict: Verdict
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
    solution: Markup | None = None  # the worked solution with the student's numbers, as the policy allows

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
    """A value as JSON (a string answer in quotes, so "128" is not mistaken for 128), never echoed whole when huge."""
    text = show(value, MAX_SHOWN)
    return text if not text.endswith("…") else f"{text} (cut: too long to show whole)"


def _files_prefix(html: Any) -> Any:
    """nbconvert's strip_files_prefix, which would turn sanitised markdown back into a plain string."""
    return html if type(html) is SanitisedHTML else strip_files_prefix(html)


class FeedbackWriter:
    """Renders pages for one assignment; build once, call :meth:`page` per student."""

    def __init__(self, course: Course, assignment: Assignment, now: dt.datetime):
        self.course = course
        self.assignment = assignment
        self.now = now if now.tzinfo else now.replace(tzinfo=dt.UTC)
        self.policy = course.config.feedback.show_expected
        self.solution_policy = course.config.feedback.solution_policy
        self.deadlines = deadlines(course, assignment)  # answers wait for each student's own cutoff
        self.env = environment()
        self.typesetter = Typesetter()  # a new one for each page (see page())
        self.exporter = HTMLExporter(
            template_file=str(HERE / "feedback_cells.html.j2"),
            sanitize_html=True,
            # markdown sanitised, its math typeset as MathML once the page is done (no MathJax: the
            # page runs no script); the template's clean_html passes it through, and still
            # sanitises the highlighted code
            filters={"clean_html": clean_html, "markdown2html": lambda source: self.typesetter.markdown(source),
                     "strip_files_prefix": _files_prefix},
            exclude_input_prompt=True, exclude_output_prompt=True, exclude_output=True, exclude_raw=True,
            exclude_anchor_links=True,
        )
        self.highlight_css = HtmlFormatter(style="default").get_style_defs(".highlight")

    def _typeset(self, text: Any) -> Any:
        return self.typesetter.text(text)  # the page's typesetter of the moment (see page())

    # -- views -------------------------------------------------------------------------------
    def closes(self, student_id: str) -> dt.datetime | None:
        """When submissions close for this student (see :func:`expected_visible`)."""
        return self.deadlines.for_student(student_id).closes

    def problems(self, record: StudentRecord) -> list[ProblemView]:
        closes = self.closes(record.student_id)
        views = []
        for item in self.assignment.problems:
            rows = [r for r in record.rows if r.problem_id == item.id]
            if not rows:
                continue
            parts = tuple(self._part(r, closes) for r in rows)
            got, top = sum(r.score for r in rows), sum(r.max_score for r in rows)
            if any(r.verdict == Verdict.PENDING for r in rows):
                state = "waiting"
            else:
                state = "full" if got >= top - 1e-9 else ("some" if got > 0 else "none")
            title = item.title if isinstance(item, Problem) else (item.title or "Written answer")
            problem = item
            if isinstance(item, Pool):  # the student's own alternative: its title, its name and its solution
                problem = graded_problem(item, record.alternative(item.id))
                title = f"{problem.title} (version {problem.alternative})" if problem is not None else item.title
            solution = self._solution(problem, record, state, closes) if isinstance(problem, Problem) else None
            views.append(ProblemView(item.id, title, points(got), points(top), state, parts, solution))
        return views

    def _solution(self, problem: Problem, record: StudentRecord, state: str, closes: dt.datetime | None) -> Markup | None:
        """The worked solution for the parameters that were graded, when ``feedback.show_solution`` allows."""
        verdict = Verdict.CORRECT if state == "full" else Verdict.WRONG
        params = record.params.get(problem.id)
        if params is None or not expected_visible(self.solution_policy, verdict, closes, self.now):
            return None
        family = problem.family
        try:
            return self.typesetter.markdown(family.worked_solution(family.params(params)))
        except AutogradeError:
            return Markup("<p>The worked solution cannot be shown: this problem has changed since it was graded.</p>")
        except Exception as exc:  # noqa: BLE001 - a custom family's template: one problem's note, not a lost page
            return Markup("<p>The worked solution cannot be shown ({}).</p>").format(type(exc).__name__)

    def _part(self, row: PartRecord, closes: dt.datetime | None) -> PartView:
        verdict = row.verdict
        feedback = row.feedback or ""
        if verdict == Verdict.PENDING:
            feedback = "Pending: a grader will read your answer."
        if row.override is not None:
            feedback = f"{feedback} Your instructor set this part's score: {row.override}".strip()
        show = not row.manual and row.expected is not None and expected_visible(self.policy, verdict, closes, self.now)
        given = None if row.manual or row.given is None else _shown(row.given)
        return PartView(row.part, points(row.score), points(row.max_score), verdict,
                        LABELS[verdict], feedback, given, _shown(row.expected) if show else None)

    def _due(self, student_id: str) -> str:
        """The student's own due date for the page's header: an extension's, said so, else the assignment's."""
        deadline = self.deadlines.for_student(student_id)
        if deadline.due is None:
            return ""
        return deadline.due.strftime("%Y-%m-%d %H:%M %Z") + (" (your extension)" if deadline.extended else "")

    def _closing(self, closes: dt.datetime) -> tuple[str, str]:
        """The moment answers may be shown, said before and after it: the due date where that is all
        it is, else when submissions close for this student (a cutoff, a grace, an extension)."""
        if closes == self.assignment.due:
            return f"after the due date ({shown(closes)})", f"since the due date ({shown(closes)}) has passed"
        return f"once submissions close for you ({shown(closes)})", f"since submissions closed for you ({shown(closes)})"

    def _solution_note(self, closes: dt.datetime | None) -> str:
        policy = self.solution_policy
        which = "for problems not fully right" if policy == "wrong_after_due" else "for every problem"
        if policy == "always":
            return "Each problem's worked solution, with your numbers, follows its result."
        if policy == "never" or closes is None:
            return ""
        if self.now <= closes:
            return f"Worked solutions {which} will be shown {self._closing(closes)[0]}."
        return f"Worked solutions, with your numbers, follow the results {which}."

    def _expected_note(self, closes: dt.datetime | None) -> str:
        if self.policy == "always":
            return "Expected values are shown for every part."
        if self.policy == "never":
            return "Expected values are not shown for this course."
        which = "for every part" if self.policy == "after_due" else "for parts that are not fully right"
        if closes is None:
            return "Expected values are not shown: this assignment has no due date."
        before, after = self._closing(closes)
        if self.now <= closes:
            return f"Expected values will be shown {which} {before}."
        return f"Expected values are shown {which}, {after}."

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
                placed[pid] = self.env.get_template("report/feedback_result.html.j2").render(
                    typeset=self._typeset, problem=by_id[pid])
        body, _ = self.exporter.from_notebook_node(nb, resources={"autograde_annotations": placed})
        return body, [v for v in views if v.id not in placed]

    def page(self, record: StudentRecord, back: str = "") -> str:
        """The student's page; ``back``: a link back to where it was opened from (the service's), or none."""
        sub = record.submission
        self.typesetter = Typesetter()
        views = self.problems(record)
        nb, notebook_note = self.notebook(record)
        if nb is None:
            body, unplaced = "", views
        else:
            body, unplaced = self.cells_html(nb, views)
        late = record.lateness
        late_note = late.describe() if late else ""
        if record.penalty:
            late_note += f" Before the penalty: {points(record.raw_score)} points."
        status_note = ""
        if record.status != GradeStatus.GRADED:
            status_note = f"This submission was {record.status}: {sub.reason}" if sub.reason else f"Status: {record.status}."
        identity = IdentityCheck.stored(record.student_id, sub.identity, sub.released_to)
        if identity is not None and identity.flagged:
            # the notebook shows someone else's numbers; the results are for the student's own
            status_note = " ".join(filter(None, [status_note, f"Note: {identity.message()}. It was graded with your own numbers."]))
        config = self.course.config
        html = self.env.get_template("report/feedback_page.html.j2").render(
            typeset=self._typeset,
            course_title=config.title or config.course,
            assignment_title=self.assignment.config.title,
            assignment_name=self.assignment.name,
            due=self._due(record.student_id),
            student_id=record.student_id,
            student_name=record.name,
            submitted_at=shown(record.submitted_at) or sub.submitted_at,
            graded_at=sub.graded_at or "",
            score=points(record.score or 0.0),
            max_score=points(record.max_score or 0.0),
            status_note=status_note,
            late_note=late_note,
            pending=sum(1 for r in record.rows if r.verdict == Verdict.PENDING),
            expected_note=self._expected_note(self.closes(record.student_id)),
            solution_note=self._solution_note(self.closes(record.student_id)),
            notebook_note=notebook_note,
            notebook_html=Markup(body),  # sanitised by the exporter's clean_html above
            unplaced=unplaced,
            highlight_css=Markup(self.highlight_css),
            back=back,
        )
        return self.typesetter.place(html)


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
