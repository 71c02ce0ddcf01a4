"""A feedback page as a browser shows it: headless Chromium loads the page, and no LaTeX is left.

Slow: it starts Debian's ``chromium`` (skipped where there is none). The screenshot is kept in
pytest's temporary folder (its path is printed) for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest

from grader.grading.runner import grade
from grader.notebook.slots import slots, stub_line
from grader.report.feedback import write_feedback
from tests.grading.conftest import LIMITS, Submissions, cell
from tests.report.test_markup import LATEX_COMMAND, reading

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
ASSIGNMENT = '''
title = "Math on the page"
due = 2030-01-31T23:59:00Z

[[problems]]
id = "q1"
family = "conv_output_shape"
points = 2

[[problems]]
id = "q2"
family = "pool_values"
points = 3
[problems.space]
dims = [2]

[[problems]]
id = "q3"
family = "kl_gaussian"
points = 2
'''


def _variants(course):
    from grader.assignment import load_assignment
    from grader.variants import variants

    return variants(b"test-secret", course.config.course, load_assignment(course, "a1"), "s01").values()


def _chromium(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, *FLAGS, *args], capture_output=True, text=True, timeout=120, check=True)


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium (apt-get install chromium)")
def test_chromium_shows_the_feedback_page_with_its_math_typeset(make_course, tmp_path):
    course = make_course(students=("s01",), assignment=ASSIGNMENT, limits=LIMITS)
    subs = Submissions(course)
    variants = {v.problem_id: v for v in _variants(course)}

    def answer(nb):  # q1 wrong, q2 and q3 right: solutions open and folded
        cell(nb, "q1").source = "q1_out_channels = 1\nq1_out_size = [1, 1]\n"
        for pid in ("q2", "q3"):
            family, params = variants[pid].family, variants[pid].params
            value = family.answer(params)
            cell(nb, pid).source = "\n".join(
                stub_line(s, value if s.part is None or family.layout == "value" else value[s.part], filled=True)
                for s in slots(pid, family, params))

    subs.edited("s01", answer, worked=False)
    grade(course, "a1", workers=1, executor="fork")
    page = write_feedback(course, "a1", now=dt.datetime(2030, 3, 1, tzinfo=dt.UTC)).pages[0]  # after the due date

    dom = _chromium("--dump-dom", page.as_uri()).stdout
    shot = tmp_path / "feedback.png"
    _chromium(f"--screenshot={shot}", "--window-size=1200,2400", page.as_uri())
    print(f"screenshot: {shot}")

    reader = reading(dom)  # the rendered document's text outside math and code
    text = "".join(reader.text)
    assert "Worked solution" in text and "q2: " in text  # the page, with its solutions, is what loaded
    assert "5 / 7" in text  # q1 wrong, q2 and q3 right
    assert reader.math >= 10  # statements and solutions: sizes, the pool input's bmatrix, KL's formula
    assert reader.fallbacks == 0 and "$" not in text and not LATEX_COMMAND.search(text)
    assert shot.stat().st_size > 20_000 and Path(shot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
