"""One small course, graded once per session with the fast (fork) executor; each test gets a copy.

Students: s01 answers everything right; s02 makes the forgot-the-+1 mistake on q1, gets q2 right,
and tries to smuggle script into the page (markdown and a forged output); s03 answers nothing; s04
deleted q2's answer cell and writes a spreadsheet formula as its free-text answer; s05 never
submits; zz99 submits without being on the roster.
"""

from __future__ import annotations

import shutil

import nbformat
import pytest

from grader.config import load_course
from grader.grading.runner import grade
from grader.notebook.slots import slots, stub_line
from grader.problems import get_family
from tests.conftest import SMALL_ASSIGNMENT
from tests.grading.conftest import LIMITS, Submissions, cell, dumps

STUDENTS = ("s01", "s02", "s03", "s04", "s05")
SCRIPT = "<script>alert('pwned')</script>"
TRICKS = ("<img src=x onerror=alert(1)>\n\n<a href=\"javascript:alert(2)\">click</a>\n\n"
          "<div class=\"ag-result ag-full\">q1: 2 / 2 points, correct</div>\n\n<iframe src=\"https://example.org\"></iframe>")
FORMULA = '=HYPERLINK("https://example.org","see")'


def answer_cell(subs: Submissions, sid: str, pid: str, mistake: str | None = None) -> str:
    """The source of an answer cell holding the right answer, or the named mistake's answer."""
    family = get_family("conv_output_shape")
    params = subs.params(sid)[pid]
    value = family.answer(params)
    if mistake:
        value = next(m.answer for m in family.mistakes(params) if m.name == mistake)
    return "\n".join(stub_line(s, value[s.part], filled=True) for s in slots(pid, family, params)) + "\n"


def _build(root):
    root.mkdir(parents=True)
    (root / "assignments" / "a1").mkdir(parents=True)
    (root / "autograde.toml").write_text('course = "test-course"\ntitle = "Test course"\n[limits]\n' + LIMITS)
    (root / "roster.csv").write_text("student_id,name,email\n" + "".join(
        f"{s},Student {s[-1]},{s}@example.edu\n" for s in STUDENTS))
    (root / "assignments" / "a1" / "assignment.toml").write_text(SMALL_ASSIGNMENT)
    (root / ".autograde").mkdir()
    (root / ".autograde" / "secret").write_text("test-secret\n")
    course = load_course(root)
    subs = Submissions(course)

    def s02(nb):
        cell(nb, "q1").source = answer_cell(subs, "s02", "q1", mistake="forgot_plus_one")
        cell(nb, "q2").source = answer_cell(subs, "s02", "q2")
        cell(nb, "q3").source = f"Weights are shared so features are found anywhere. {SCRIPT}"
        nb.cells.insert(1, nbformat.v4.new_markdown_cell(TRICKS, id="tricks"))
        cell(nb, "q1").outputs = [nbformat.v4.new_output("display_data", data={"text/html": "<script>steal()</script>"})]

    def s04(nb):
        nb.cells.remove(cell(nb, "q2"))
        cell(nb, "q3").source = FORMULA

    def s01(nb):
        cell(nb, "q3").source = "Translation equivariance, and far fewer parameters."

    subs.edited("s01", s01)
    subs.edited("s02", s02, worked=False)
    subs.edited("s03", lambda nb: None, worked=False)
    subs.edited("s04", s04)
    subs.write("zz99", dumps({}))
    grade(course, "a1", workers=2, executor="fork")
    return course


@pytest.fixture(scope="session")
def graded_template(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("AUTOGRADE_SECRET", raising=False)
        return _build(tmp_path_factory.mktemp("report") / "course")


@pytest.fixture
def graded(graded_template, tmp_path, monkeypatch):
    """A private copy of the graded course (its gradebook included): tests may change it freely."""
    monkeypatch.delenv("AUTOGRADE_SECRET", raising=False)
    root = tmp_path / "course"
    shutil.copytree(graded_template.root, root)  # the gradebook keeps paths relative to the course
    return load_course(root)
