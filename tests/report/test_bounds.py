"""Rendering student text is bounded: long cells and answers are cut with a note, each page has a
time budget, and a page that fails never stops the others (the command says which failed)."""

from __future__ import annotations

import re
import time

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from typer.testing import CliRunner

from grader.cli import app
from grader.errors import RenderError
from grader.report import feedback
from grader.report.bounds import page_budget, shorten, shortened_notebook
from grader.report.feedback import write_feedback
from tests.grading.conftest import cell


def test_a_long_answer_is_cut_with_a_note_saying_how_much():
    assert shorten("x" * 50, 50) == "x" * 50
    assert shorten("x" * 1_000, 10) == "x" * 10 + " … (990 more characters not shown)"


def test_long_cells_are_cut_and_cells_past_the_page_left_off_with_notes():
    nb = new_notebook(cells=[new_code_cell("a = 1"), new_code_cell("b" * 25), new_markdown_cell("*c*" * 10),
                             new_code_cell("d = 4"), new_code_cell("e = 5")])
    shown = shortened_notebook(nb, cell_chars=10, page_chars=100)  # full after the third cell
    assert [c.source for c in shown.cells[:3]] == [
        "a = 1", "b" * 10 + "\n# … (15 more characters not shown on this page)",
        "*c**c**c**\n\n*… (20 more characters not shown on this page)*"]
    assert shown.cells[3].cell_type == "markdown" and shown.cells[3].source == "*… (2 more cells not shown on this page)*"
    assert len(shown.cells) == 4 and nb.cells[1].source == "b" * 25  # the notebook itself is untouched
    nbformat.validate(shown)


def test_a_page_past_its_budget_raises_a_render_error_even_through_broad_excepts():
    with pytest.raises(RenderError, match="s01's page took more than 0.2 s"):
        with page_budget(0.2, "s01's page"):
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                try:
                    sum(range(10_000))
                except Exception:  # noqa: BLE001, S110 - a renderer that swallows errors must not swallow this
                    pass


def test_a_budget_puts_back_a_timer_already_running():
    import signal

    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *_: fired.append(True))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.6)
        with page_budget(5):
            pass
        time.sleep(0.8)
        assert fired == [True]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_one_failing_page_never_stops_the_others_and_the_command_names_it(graded, monkeypatch):
    page = feedback.FeedbackWriter.page

    def broken(self, record):
        if record.student_id == "s02":
            raise RenderError("s02's page took more than 30 s to render and was left out")
        if record.student_id == "s03":
            raise ValueError("a renderer bug")
        return page(self, record)

    monkeypatch.setattr(feedback.FeedbackWriter, "page", broken)
    result = write_feedback(graded, "a1")
    assert sorted(p.stem for p in result.pages) == ["s01", "s04"]
    assert dict(result.failed) == {"s02": "s02's page took more than 30 s to render and was left out",
                                   "s03": "ValueError: a renderer bug"}
    run = CliRunner().invoke(app, ["feedback", "a1", "--course", str(graded.root)])
    assert run.exit_code == 1
    assert "wrote 2 feedback page(s)" in run.output and "no page for s02" in run.output and "no page for s03" in run.output


def test_a_19mb_notebook_gets_its_page_cut(graded, tmp_path):
    from grader.gradebook import Gradebook
    from grader.notebook.build import notebook_bytes
    from grader.notebook.read import digest

    book = Gradebook(graded.config.gradebook, graded.root)
    try:
        sub = next(s for s in book.submissions("a1") if s.student_id == "s01")
    finally:
        book.close()
    path = tmp_path / "big.ipynb"  # as the hostile corpus's literal_19mb: ~200000 characters a cell
    nb = nbformat.read(sub.path, as_version=4)
    cell(nb, "q1").source += "\n" + "# " + "x" * 199_000
    nb.cells += [new_markdown_cell(("*a **b [" * 30 + "\n") * 825) for _ in range(95)]  # 19 MB in all
    data = notebook_bytes(nb)
    path.write_bytes(data)
    book = Gradebook(graded.config.gradebook, graded.root)
    try:  # the graded file is the big one now (its digest recorded), so the page shows it
        with book.engine.begin() as conn:
            conn.exec_driver_sql("update submissions set path = ?, sha256 = ? where id = ?", (str(path), digest(data), sub.id))
    finally:
        book.close()
    result = write_feedback(graded, "a1")
    html = (graded.folder("feedback") / "a1" / "s01.html").read_text()
    assert result.failed == [] and len(data) > 15_000_000
    assert re.search(r"1\d\d,\d{3} more characters not shown on this page", html)
    assert re.search(r"\d+ more cells not shown on this page", html)
    assert len(html) < 1_000_000
