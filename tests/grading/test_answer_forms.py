"""Answers written the ways students write them grade the same in a notebook as through ``autograde check``.

The README promises that an output shape written as text, ``"126x126x16"``, reads right: here it
is graded from a submitted notebook (fast path), where it arrives in one answer variable.
"""

from __future__ import annotations

import pytest

from grader.grading.runner import grade
from grader.problems import get_family
from tests.grading.conftest import cell, rows_by_student


def _truth(subs, sid):
    family = get_family("conv_output_shape")
    return family.answer(family.params(subs.params(sid)["q1"]))


@pytest.mark.parametrize(("form", "says", "source"), [
    ("HxWxC text in out_size", "as H×W×C", lambda t: f"q1_out_channels = None\nq1_out_size = '{t['out_size'][0]}x{t['out_size'][1]}x{t['out_channels']}'\n"),
    ("torch.Size text in out_channels", "channels first", lambda t: f"q1_out_channels = 'torch.Size([{t['out_channels']}, {t['out_size'][0]}, {t['out_size'][1]}])'\nq1_out_size = None\n"),
    ("numbers as text and numpy floats", "read", lambda t: "import numpy as np\n"
     f"q1_out_channels = '{t['out_channels']}'\nq1_out_size = [np.float64({t['out_size'][0]}), {t['out_size'][1]}.0]\n"),
])
def test_a_shape_written_as_students_write_it_grades_right_in_a_notebook(subs, form, says, source):
    truth = {sid: _truth(subs, sid) for sid in ("s01", "s02")}
    for sid, t in truth.items():
        subs.edited(sid, lambda nb, t=t: setattr(cell(nb, "q1"), "source", source(t)))
    grade(subs.course, "a1", workers=1, executor="fork")
    found = rows_by_student(subs.course)
    for sid in truth:
        rows = found[sid][1]
        assert rows[("q1", "out_channels")].verdict == "correct", (form, rows[("q1", "out_channels")])
        assert rows[("q1", "out_size")].verdict == "correct", (form, rows[("q1", "out_size")])
        assert says in rows[("q1", "out_size")].feedback + rows[("q1", "out_channels")].feedback  # how it was read
