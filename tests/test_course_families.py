"""One way to look families up, for every command: built-ins, entry points and the course's own files."""

from __future__ import annotations

import json
import shutil

import nbformat
import pytest
from typer.testing import CliRunner

from grader.cli import app
from grader.course_families import course_families, find_family
from grader.errors import ConfigError, FamilyError
from grader.generate import generate, release_path
from grader.problems import families
from grader.submit import validate
from tests.conftest import DOUBLE_FAMILY, SMALL_ASSIGNMENT

runner = CliRunner()


def test_a_course_finds_its_own_families_beside_the_built_in_ones(custom_course):
    course = custom_course()
    found = course_families(course)
    assert set(families()) < set(found) and "double" in found
    assert find_family(course, "double").answer(find_family(course, "double").params({"n": 4})) == 8
    assert find_family(course, "conv_output_shape") is families()["conv_output_shape"]
    assert "double" not in course_families(None)


def test_an_unknown_name_lists_the_course_families_too(custom_course):
    with pytest.raises(FamilyError, match=r"unknown family 'tripple'; known: .*conv_output_shape.*double"):
        find_family(custom_course(), "tripple")


def test_without_the_course_a_course_family_is_unknown_and_says_where_to_look():
    with pytest.raises(FamilyError, match=r"unknown family 'double'.*inside the course folder, or with --course"):
        find_family(None, "double")


def test_a_family_file_may_not_take_a_registered_name(custom_course):
    course = custom_course(file_name="conv_output_shape.py")
    with pytest.raises(ConfigError, match=r"problem 'q4': .*conv_output_shape.py.*is already a registered family"):
        course_families(course)
    from grader.assignment import load_assignment

    with pytest.raises(ConfigError, match=r"problem 'q4': .*is already a registered family"):
        load_assignment(course, "a1")  # grade and generate refuse it too: one name, one family


def test_two_different_files_of_one_name_in_a_course_are_refused(custom_course):
    course = custom_course()
    other = course.folder("assignments") / "a2"
    other.mkdir()
    (other / "assignment.toml").write_text(SMALL_ASSIGNMENT + '\n[[problems]]\nid = "q4"\nfamily_file = "double.py"\n')
    (other / "double.py").write_text(DOUBLE_FAMILY.replace("Double a number.", "Double a number, again."))
    with pytest.raises(ConfigError, match=r"family 'double' is defined twice: .*a1/double.py and .*a2/double.py"):
        course_families(course)
    shutil.copyfile(course.folder("assignments") / "a1" / "double.py", other / "double.py")
    with pytest.raises(ConfigError, match="defined twice"):  # the same text is still two modules
        course_families(course)


def test_one_file_named_by_two_assignments_is_one_family(custom_course):
    course = custom_course()
    other = course.folder("assignments") / "a2"
    other.mkdir()
    (other / "assignment.toml").write_text(SMALL_ASSIGNMENT + '\n[[problems]]\nid = "q4"\nfamily_file = "../a1/double.py"\n')
    assert "double" in course_families(course)


def _run(*args: str, stdin: str | None = None):
    return runner.invoke(app, list(args), input=stdin)


def test_every_family_command_sees_the_course_families(custom_course):
    course = str(custom_course().root)
    listing = _run("families", "--course", course)
    assert listing.exit_code == 0 and "double" in listing.output and "Double a number" in listing.output
    assert "assignments/a1/double.py" in listing.output
    solved = _run("solve", "double", "--params", '{"n": 4}', "--course", course)
    assert solved.exit_code == 0 and json.loads(solved.output) == 8
    checked = _run("check", "double", "--params", '{"n": 4}', "--answer", "16", "--course", course)
    assert json.loads(checked.output)["mistakes"] == ["squared"]
    sampled = _run("sample", "double", "--seed", "1", "--course", course)
    assert sampled.exit_code == 0 and 1 <= json.loads(sampled.output)["n"] <= 9


def test_family_commands_find_the_course_they_run_in(custom_course, monkeypatch):
    monkeypatch.chdir(custom_course().root / "assignments")
    assert json.loads(_run("solve", "double", "--params", '{"n": 5}').output) == 10


def test_validate_checks_a_custom_family_problem(custom_course):
    course = custom_course()
    generate(course, "a1", solutions=True)
    report = validate(release_path(course, "a1", "s001", worked=True), course=course)
    statuses = {p.problem_id: p.status for p in report.problems}
    assert statuses["q4"] == "answered", report.problems
    nb = nbformat.read(release_path(course, "a1", "s001"), as_version=4)
    blank = {p.problem_id: p.status for p in validate(release_path(course, "a1", "s001"), course=course).problems}
    assert blank["q4"] == "missing" and any(c.get("id") == "q4" for c in nb.cells)


def test_validate_from_the_command_line_exits_0_on_a_complete_notebook(custom_course, tmp_path):
    course = custom_course()
    generate(course, "a1", solutions=True)
    nb = nbformat.read(release_path(course, "a1", "s001", worked=True), as_version=4)
    for cell in nb.cells:
        if cell.get("id") == "q3":
            cell.source = "Shared weights."
    path = tmp_path / "a1.ipynb"
    nbformat.write(nb, path)
    result = _run("validate", str(path), "--course", str(course.root))
    assert result.exit_code == 0, result.output
    assert "unknown family" not in result.output


def test_validate_without_the_course_says_where_a_course_family_is_found(custom_course):
    course = custom_course()
    generate(course, "a1", solutions=True)
    report = validate(release_path(course, "a1", "s001", worked=True))
    q4 = next(p for p in report.problems if p.problem_id == "q4")
    assert q4.status == "unknown" and q4.messages == [
        "cannot check this problem here: its family 'double' is the course's own; validate inside the course folder, or with --course"]


def test_a_broken_assignment_stops_only_the_lookups_that_need_the_course(custom_course):
    course = custom_course()
    broken = course.folder("assignments") / "a2"
    broken.mkdir()
    (broken / "assignment.toml").write_text('title = "Broken"\n[[problems]]\nid = "q1"\nfamliy = "x"\n')
    assert find_family(course, "conv_output_shape") is families()["conv_output_shape"]
    with pytest.raises(ConfigError, match=r"a2/assignment.toml: problems\[1\]\.famliy: unknown key"):
        find_family(course, "double")
