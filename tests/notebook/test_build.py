"""Student notebooks: valid nbformat, nbgrader metadata, the student's own numbers, same bytes every time."""

from __future__ import annotations

import json

import nbformat
import pytest

from grader.assignment import load_assignment
from grader.generate import generate, notebook_for, release_path
from grader.notebook.build import notebook_bytes
from grader.variants import variants


def _cells(nb):
    return {c.id: c for c in nb.cells}


def test_generate_writes_one_valid_notebook_per_student_and_solutions(make_course):
    course = make_course()
    result = generate(course, "a1", solutions=True)
    assert result.students == 3 and len(result.notebooks) == 6
    for sid in ("s001", "s002", "s003"):
        for worked in (False, True):
            nb = nbformat.read(release_path(course, "a1", sid, worked), as_version=4)
            nbformat.validate(nb)
            assert nb.metadata.autograde.student_id == sid


def test_the_same_inputs_give_the_same_bytes(make_course):
    course = make_course()
    generate(course, "a1")
    first = release_path(course, "a1", "s002").read_bytes()
    generate(course, "a1")
    assert release_path(course, "a1", "s002").read_bytes() == first


def test_cells_carry_nbgrader_metadata_without_checksums(make_course):
    course = make_course()
    a = load_assignment(course, "a1")
    nb = notebook_for(course, a, course.roster()[0], b"test-secret")
    cells = _cells(nb)
    answer, tests, statement, free = cells["q1"], cells["q1-tests"], cells["q1-statement"], cells["q3"]
    assert answer.metadata.nbgrader["solution"] and not answer.metadata.nbgrader["locked"]
    assert tests.metadata.nbgrader["grade"] and tests.metadata.nbgrader["points"] == 2.0
    assert statement.metadata.nbgrader["locked"] and statement.metadata.nbgrader["schema_version"] == 3
    assert free.cell_type == "markdown" and free.metadata.nbgrader["grade"] and free.metadata.nbgrader["solution"]
    # no checksum: released notebooks never carried one, and the README claims none
    assert not any("checksum" in cell.metadata.get("nbgrader", {}) for cell in nb.cells)


def test_the_statement_and_params_show_the_students_own_numbers(make_course):
    course = make_course()
    a = load_assignment(course, "a1")
    students = course.roster()
    first, second = (notebook_for(course, a, s, b"test-secret") for s in students[:2])
    assert _cells(first)["q1-params"].source != _cells(second)["q1-params"].source
    params = variants(b"test-secret", course.config.course, a, students[0].student_id)["q1"].params
    assert f"in_channels={params.in_channels}" in _cells(first)["q1-statement"].source
    assert "q1_out_channels = None  # an integer" in _cells(first)["q1"].source
    assert "q1_out_size = None  # a list of 2 integers" in _cells(first)["q1"].source


def test_the_worked_solution_fills_the_answers_and_explains(make_course):
    course = make_course()
    a = load_assignment(course, "a1")
    student = course.roster()[0]
    worked = notebook_for(course, a, student, b"test-secret", worked=True)
    cells = _cells(worked)
    params = variants(b"test-secret", course.config.course, a, student.student_id)["q1"].params
    answer = a.problem("q1").family.answer(params)
    assert f"q1_out_channels = {answer['out_channels']}" in cells["q1"].source
    assert "Worked solution" in cells["q1-worked"].source and "q1-tests" not in cells


def test_no_reference_answer_is_in_the_student_notebook(make_course):
    course = make_course()
    a = load_assignment(course, "a1")
    student = course.roster()[0]
    nb = notebook_for(course, a, student, b"test-secret")
    text = notebook_bytes(nb).decode()
    for variant in variants(b"test-secret", course.config.course, a, student.student_id).values():
        answer = variant.answer()
        assert json.dumps(answer["out_size"]) not in text
    assert "Mentions translation equivariance" not in text  # the grading rubric stays with the instructor


def test_notebook_bytes_are_what_nbformat_write_puts_in_a_file(make_course, tmp_path):
    course = make_course()
    a = load_assignment(course, "a1")
    for worked in (False, True):
        nb = notebook_for(course, a, course.roster()[0], b"test-secret", worked=worked)
        nbformat.validate(nb)
        nbformat.write(nb, tmp_path / "nb.ipynb")
        assert notebook_bytes(nb) == (tmp_path / "nb.ipynb").read_bytes()


KL = '''title = "Precision"
[[problems]]
id = "q1"
family = "kl_gaussian"
points = 1
'''


@pytest.mark.parametrize(("course_toml", "problem_toml", "says"), [
    ("", "", "3 significant figures are enough"),
    ("[tolerance]\nsig_figs = 4\n", "", "4 significant figures are enough"),
    ("[tolerance]\nsig_figs = 4\n", "[problems.tolerance]\natol = 0.01\n", "an error of up to 0.01 is allowed"),
])
def test_the_precision_asked_for_is_the_tolerance_grading_applies(make_course, course_toml, problem_toml, says):
    course = make_course(assignment=KL + problem_toml, config_extra=course_toml)
    nb = notebook_for(course, load_assignment(course, "a1"), course.roster()[0], b"test-secret")
    cells = _cells(nb)
    assert f"Give a number; {says}." in cells["q1-statement"].source
    assert f"# a number ({says})" in cells["q1"].source
