"""Every bad input gets a result row with a clear reason, and the batch around it goes on.

One batch holds honest submissions and one of each kind of breakage; it runs on the fast (fork)
executor in the default suite and on real kernels in the slow one.
"""

from __future__ import annotations

import pytest

from grader.grading.runner import grade
from tests.grading.conftest import cell, dumps, insert_after, rows_by_student

EXECUTORS = ["fork", pytest.param("kernel", marks=pytest.mark.slow)]


def _answer_q1(nb, value="[1, 1]"):
    cell(nb, "q1").source = f"q1_out_channels = 1\nq1_out_size = {value}\n"


CASES = {
    "s01": ("honest", lambda nb: None),
    "s02": ("honest", lambda nb: None),
    "s03": ("not valid JSON", None),
    "s04": ("not a notebook", None),
    "s05": ("answer cell deleted", lambda nb: nb.cells.remove(cell(nb, "q2"))),
    "s06": ("answer cell duplicated", lambda nb: nb.cells.append(nbformat_copy(cell(nb, "q1")))),
    "s07": ("answer cells moved", lambda nb: nb.cells.insert(0, nb.cells.pop(nb.cells.index(cell(nb, "q2"))))),
    "s08": ("wrong type", lambda nb: setattr(cell(nb, "q1"), "source", "q1_out_channels = 'many'\nq1_out_size = 7.5\n")),
    "s09": ("exception in a cell", lambda nb: insert_after(nb, "header", "1 / 0")),
    "s10": ("infinite loop", lambda nb: insert_after(nb, "q1", "while True:\n    pass")),
    "s11": ("kernel exits", lambda nb: insert_after(nb, "q1", "import os\nos._exit(0)")),
    "s12": ("segfault", lambda nb: insert_after(nb, "q1", "import ctypes\nctypes.string_at(0)")),
    "s13": ("huge allocation", lambda nb: insert_after(nb, "header", "import numpy as np\nx = np.ones(10**11)")),
    "s14": ("megabytes of output", lambda nb: insert_after(nb, "header", "print('x' * 20_000_000)")),
    "s15": ("unknown kernelspec", lambda nb: nb.metadata.update(kernelspec={"name": "no-such-kernel", "display_name": "x", "language": "python"})),
    "s16": ("exception in an answer cell", lambda nb: setattr(cell(nb, "q2"), "source", cell(nb, "q2").source + "\nraise ValueError('oops')\n")),
    "s17": ("notebook past its time", lambda nb: [insert_after(nb, "q1", "import time\ntime.sleep(2.8)") for _ in range(8)]),
}


def nbformat_copy(c):
    import nbformat

    copy = nbformat.from_dict(c)
    copy.id = "dup"
    return copy


def write_cases(subs) -> None:
    """One submission per case, plus one from a student who is not on the roster."""
    for sid, (_, edit) in CASES.items():
        if sid == "s03":
            subs.write(sid, b'{"cells": [')
        elif sid == "s04":
            subs.write(sid, dumps(["not", "a", "notebook"]))
        else:
            subs.edited(sid, edit)
    subs.write("zz99", dumps({}))


@pytest.mark.parametrize("executor", EXECUTORS)
def test_a_batch_of_broken_submissions_grades_everyone_with_reasons(subs, executor):
    write_cases(subs)
    grade(subs.course, "a1", workers=2, executor=executor)
    found = rows_by_student(subs.course)
    assert set(found) == set(CASES) | {"zz99"}

    def status(sid):
        return found[sid][0].status, found[sid][0].reason

    def part(sid, problem, name):
        return found[sid][1][(problem, name)]

    full = {k: r for k, r in found["s01"][1].items() if k[0] != "q3"}
    assert all(r.verdict == "correct" for r in full.values())
    assert found["s01"][0].score == 4 and found["s02"][0].score == 4  # the honest ones are unharmed

    assert status("s03")[0] == "invalid" and "not valid JSON" in status("s03")[1]
    assert status("s04")[0] == "invalid" and "not a Jupyter notebook" in status("s04")[1]
    assert all(r.score == 0 and "could not be read" in r.feedback for r in found["s03"][1].values() if r.part != "answer")
    assert part("s05", "q2", "out_size").verdict == "unanswered" and "was deleted" in part("s05", "q2", "out_size").feedback
    assert part("s05", "q1", "out_size").verdict == "correct"
    assert "appears 2 times" in part("s06", "q1", "out_size").feedback and part("s06", "q1", "out_size").verdict == "correct"
    assert part("s07", "q2", "out_size").verdict == "correct" and found["s07"][0].score == 4
    assert "Expected an integer" in part("s08", "q1", "out_channels").feedback
    assert "list of 2 integers" in part("s08", "q1", "out_size").feedback
    assert found["s09"][0].score == 4  # an error in one cell does not stop the later ones
    assert found["s10"][0].score == 4 and status("s10")[0] == "graded"  # the loop is interrupted, the run goes on
    for sid in ("s11", "s12"):  # the kernel dies after q1: q1 still counts, q2 says why it is missing
        assert part(sid, "q1", "out_size").verdict == "correct", sid
        assert part(sid, "q2", "out_size").verdict == "unanswered", sid
        assert "kernel died" in part(sid, "q2", "out_size").feedback, sid
    assert found["s13"][0].score == 4  # MemoryError in one cell
    assert found["s14"][0].score == 4
    assert found["s15"][0].score == 4  # the notebook's kernelspec is never used
    assert part("s16", "q2", "out_size").verdict == "correct" and "raised ValueError: oops" in part("s16", "q2", "out_size").feedback
    assert part("s17", "q1", "out_size").verdict == "correct" and "ran out of time" in part("s17", "q2", "out_size").feedback
    assert status("zz99")[0] == "not_on_roster"
    for sid in CASES:
        assert part(sid, "q3", "answer").verdict in ("pending", "unanswered")
