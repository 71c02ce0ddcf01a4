"""The instructor report of a real small batch, graded once with the fork executor.

Ten roster students: q1 is answered right except by r07 and r08 (forgot the +1) and r09 (nothing);
q2 is answered right with stride 1 and wrong with stride 2 (ceil instead of floor, or a forgotten
+1), so stride 2 must come out as harder; r10's file is not JSON and zz99 is not on the roster.
The course name seeds the variants: with "report-demo" three of r01-r09 draw stride 1 and six
stride 2, enough on both sides to compare.
"""

from __future__ import annotations

import re
import shutil

import pytest
from typer.testing import CliRunner

from grader.cli import app
from grader.config import load_course
from grader.gradebook import Gradebook
from grader.grading.runner import grade
from grader.notebook.slots import slots, stub_line
from grader.problems import get_family
from grader.report.report import write_report
from tests.conftest import SMALL_ASSIGNMENT
from tests.grading.conftest import LIMITS, Submissions, cell, dumps

STUDENTS = tuple(f"r{i:02d}" for i in range(1, 11))


def _answer(subs: Submissions, sid: str, pid: str, mistakes: tuple[str, ...] = ()) -> str:
    family = get_family("conv_output_shape")
    params = subs.params(sid)[pid]
    value = family.answer(params)
    known = {m.name: m.answer for m in family.mistakes(params)}
    value = next((known[m] for m in mistakes if m in known), value)
    return "\n".join(stub_line(s, value[s.part], filled=True) for s in slots(pid, family, params)) + "\n"


def _build(root):
    root.mkdir(parents=True)
    (root / "assignments" / "a1").mkdir(parents=True)
    (root / "autograde.toml").write_text('course = "report-demo"\ntitle = "Report course"\n[limits]\n' + LIMITS)
    (root / "roster.csv").write_text("student_id\n" + "".join(f"{s}\n" for s in STUDENTS))
    (root / "assignments" / "a1" / "assignment.toml").write_text(SMALL_ASSIGNMENT)
    (root / ".autograde").mkdir()
    (root / ".autograde" / "secret").write_text("test-secret\n")
    course = load_course(root)
    subs = Submissions(course)
    for sid in STUDENTS[:9]:
        def edit(nb, sid=sid):
            q1 = ("forgot_plus_one",) if sid in ("r07", "r08") else ()
            cell(nb, "q1").source = _answer(subs, sid, "q1", q1) if sid != "r09" else cell(nb, "q1").source
            hard = subs.params(sid)["q2"].stride == 2
            cell(nb, "q2").source = _answer(subs, sid, "q2", ("ceil_not_floor", "forgot_plus_one") if hard else ())
        subs.edited(sid, edit, worked=sid != "r09")
    subs.write("r10", b'{"cells": [')
    subs.write("zz99", dumps({}))
    grade(course, "a1", workers=2, executor="fork")
    return course


@pytest.fixture(scope="module")
def batch_template(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("AUTOGRADE_SECRET", raising=False)
        return _build(tmp_path_factory.mktemp("instructor-report") / "course")


@pytest.fixture(scope="module")
def rendered(batch_template):
    """The report of the batch, written once for the tests that only read it."""
    return write_report(batch_template, "a1")


@pytest.fixture
def batch(batch_template, tmp_path, monkeypatch):
    monkeypatch.delenv("AUTOGRADE_SECRET", raising=False)
    root = tmp_path / "course"
    shutil.copytree(batch_template.root, root)
    return load_course(root)


def _text(html: str) -> str:
    """The page's words, without tags, images or runs of spaces."""
    html = re.sub(r'src="data:[^"]*"', "", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_report_shows_every_section_with_the_batchs_numbers(rendered, batch_template):
    result = rendered
    assert result.path == batch_template.root / "reports" / "a1" / "index.html"
    html = result.path.read_text()
    text = _text(html)
    h = result.stats.headline
    assert (h.graded, h.failed, h.invalid, h.not_on_roster, h.missing) == (9, 0, 1, 1, 0)
    for section in ("summary", "difficulty", "mistakes", "parameters", "trouble"):
        assert f'id="{section}"' in html
    assert f"{100 * h.mean:.1f}% mean score" in text and f"{100 * h.median:.1f}% median score" in text
    assert "9 graded" in text and "1 invalid" in text and "1 not on roster" in text
    assert "forgot_plus_one" in text and "the first position counts too" in text
    assert "q2 is harder with stride=2" in text
    assert "not valid JSON" in text and "zz99 is not on the roster" in text
    assert "<code>submitted/r10/a1/" in html  # paths relative to the course
    assert len(re.findall(r'<img [^>]*src="data:image/png;base64,', html)) == 4


def test_the_report_is_self_contained(rendered):
    html = rendered.path.read_text()
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<script" not in html


def test_two_runs_on_the_same_gradebook_give_the_same_bytes(batch, tmp_path):
    first = write_report(batch, "a1").path.read_bytes()
    second = write_report(batch, "a1", out=tmp_path / "again").path.read_bytes()
    assert first == second


def test_the_stride_effect_is_measured_on_the_real_batch(rendered):
    stats = rendered.stats
    stride = next(e for e in stats.effects if (e.problem_id, e.param) == ("q2", "stride"))
    by_value = {lv.label: lv for lv in stride.levels}
    assert (by_value["1"].n, by_value["2"].n) == (3, 6)
    assert by_value["1"].mean == 1.0 and by_value["2"].mean < 1.0
    assert stride.flagged and stride.worst is by_value["2"]


def test_the_command_writes_the_report_and_says_where(batch, tmp_path):
    result = CliRunner().invoke(app, ["report", "a1", "--course", str(batch.root), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "index.html").is_file()
    assert "index.html" in result.output and "9 graded" in result.output


def test_the_command_names_an_unknown_assignment(batch):
    result = CliRunner().invoke(app, ["report", "nope", "--course", str(batch.root)])
    assert result.exit_code == 2 and "unknown assignment 'nope'" in result.output


def test_text_from_the_gradebook_is_escaped(batch):
    book = Gradebook(batch.config.gradebook, batch.root)
    try:
        book.record(assignment="a1", student_id="r10", path="elsewhere.ipynb", sha256="", submitted_at="2030-01-09",
                    status="failed", reason="<script>alert('x')</script>")
    finally:
        book.close()
    html = write_report(batch, "a1").path.read_text()
    assert "<script" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html


def test_a_course_with_no_submissions_gets_a_report_that_says_so(make_course):
    course = make_course()
    result = write_report(course, "a1")
    text = _text(result.path.read_text())
    assert "No graded submissions yet." in text and "3 on roster, no submission" in text
    assert "data:image/png" not in result.path.read_text()


def test_math_in_a_title_is_typeset_as_mathml(batch):
    toml = batch.root / "assignments" / "a1" / "assignment.toml"
    toml.write_text(toml.read_text().replace('title = "Another shape"', 'title = "Another shape, $n \\\\times n$"'))
    html = write_report(batch, "a1").path.read_text()
    assert "q2 Another shape, <math" in html and "<mo>&#x000D7;</mo>" in html
    assert "$" not in _text(html)


def test_a_title_with_latex_nothing_can_read_is_shown_as_code_and_drawn_as_typed(batch):
    toml = batch.root / "assignments" / "a1" / "assignment.toml"
    toml.write_text(toml.read_text().replace('title = "Another shape"', 'title = "Shape $\\\\notacommand{x}$"'))
    html = write_report(batch, "a1").path.read_text()  # matplotlib's mathtext cannot read it either: no crash
    assert '<code class="latex">\\notacommand{x}</code>' in html
