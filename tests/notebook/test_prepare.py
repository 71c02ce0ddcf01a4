"""Preparing a submission to run: locked cells restored, student order kept, collectors added."""

from __future__ import annotations

import nbformat
import pytest

from grader.assignment import load_assignment
from grader.generate import notebook_for
from grader.notebook.prepare import prepare
from grader.notebook.slots import UNANSWERED, collector_source, parse_collected, slots
from grader.variants import variants


@pytest.fixture
def setting(make_course):
    course = make_course()
    a = load_assignment(course, "a1")
    student = course.roster()[0]
    nb = notebook_for(course, a, student, b"test-secret")
    vs = variants(b"test-secret", course.config.course, a, student.student_id)
    slot_map = {pid: slots(pid, v.family, v.params) for pid, v in vs.items()}
    return nb, slot_map


def _ids(prepared):
    return [c["metadata"].get("nbgrader", {}).get("grade_id", c["id"]) for c in prepared.notebook["cells"]]


def test_an_untouched_notebook_runs_in_order_with_collectors(setting):
    nb, slot_map = setting
    prepared = prepare(nb, nbformat.from_dict(nb), slot_map, ["q3"])
    ids = _ids(prepared)
    assert ids.index("q1") < ids.index("autograde-collect-q1") < ids.index("q2-statement")
    assert ids[-1] == "autograde-collect-final" and prepared.notes == {}


def test_edited_locked_cells_are_restored(setting):
    nb, slot_map = setting
    edited = nbformat.from_dict(nb)
    for cell in edited.cells:
        if cell.id in ("q1-params", "q1-statement"):
            cell.source = "q1_params = {'input_size': 3}  # easier!"
    prepared = prepare(nb, edited, slot_map, ["q3"])
    restored = [c for c in prepared.notebook["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "q1-params"]
    assert restored[0]["source"] == next(c.source for c in nb.cells if c.id == "q1-params")


def test_deleted_params_cell_is_put_back_and_deleted_answers_are_noted(setting):
    nb, slot_map = setting
    edited = nbformat.from_dict(nb)
    edited.cells = [c for c in edited.cells if c.id not in ("q1-params", "q2", "q3")]
    prepared = prepare(nb, edited, slot_map, ["q3"])
    assert _ids(prepared)[0] == "q1-params"
    assert "was deleted" in prepared.notes["q2"][0] and "was deleted" in prepared.notes["q3"][0]
    assert prepared.free_text["q3"] is None


def test_duplicated_and_moved_answer_cells_run_in_the_students_order(setting):
    nb, slot_map = setting
    edited = nbformat.from_dict(nb)
    q1 = next(c for c in edited.cells if c.id == "q1")
    q2 = next(c for c in edited.cells if c.id == "q2")
    edited.cells = [q2] + [c for c in edited.cells if c.id != "q2"] + [nbformat.from_dict(q1)]
    prepared = prepare(nb, edited, slot_map, ["q3"])
    assert "appears 2 times" in prepared.notes["q1"][0]
    assert any("moved" in n for n in prepared.notes[""])
    assert _ids(prepared).count("q1") == 2


def test_free_text_is_read_from_the_answer_cell(setting):
    nb, slot_map = setting
    edited = nbformat.from_dict(nb)
    next(c for c in edited.cells if c.id == "q3").source = "Translation equivariance."
    assert prepare(nb, edited, slot_map, ["q3"]).free_text["q3"] == "Translation equivariance."
    assert prepare(nb, nbformat.from_dict(nb), slot_map, ["q3"]).free_text["q3"] is None


def test_the_collector_output_needs_the_runs_marker():
    marker = "@@autograde:abc@@"
    assert parse_collected(f"noise{marker}{{\"q1_x\": 3}}{marker}\n", marker) == {"q1_x": 3}
    forged = '@@autograde:guess@@{"q1_x": 99}@@autograde:guess@@'
    assert parse_collected(forged, marker) is None
    assert parse_collected(f"{marker}{{\"q1_x\": 1}}{marker}{marker}", marker) is None  # printed twice: refused
    assert parse_collected(f'{marker}{{"q1_x": {{"$autograde": "unanswered"}}}}{marker}', marker) == {"q1_x": UNANSWERED}
    assert "q1_x" in collector_source(["q1_x"], marker) and marker in collector_source(["q1_x"], marker)


def test_the_collector_turns_values_into_bounded_plain_json(capsys):
    import numpy as np

    marker = "@@m@@"
    scope = {"a": np.arange(4).reshape(2, 2), "b": np.float64(0.5), "c": ..., "d": object(), "e": [1] * 200_000,
             "f": float("nan"), "g": None}
    exec(collector_source(list(scope) + ["missing"], marker), scope)  # noqa: S102 - our own collector, in a test
    found = parse_collected(capsys.readouterr().out, marker)
    assert found["a"] == [[0, 1], [2, 3]] and found["b"] == 0.5 and found["g"] is None
    assert found["c"] == UNANSWERED and found["missing"] == UNANSWERED
    assert found["d"] == "<a object: give plain numbers or lists>"
    assert found["e"] == "<too large to read>" and found["f"] != found["f"]  # nan stays a number, not finite
