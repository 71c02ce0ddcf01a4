"""``autograde integrity``: on a simulated class it finds the copiers and little else; on a real course
it reads the gradebook and the notebooks, prints a table or JSON, fills the report's section, and
writes nothing anywhere."""

from __future__ import annotations

import json
import math

import nbformat
import pytest
from typer.testing import CliRunner

from benchmarks._classroom import flagged, make_course, simulate
from grader.cli import app
from grader.grading.runner import grade
from grader.notebook.build import notebook_bytes
from grader.notebook.slots import slots, stub_line
from grader.report.integrity import MIN_THRESHOLD, IntegrityResult, MatchKind, check_integrity
from tests.conftest import write_course
from tests.grading.conftest import LIMITS, Submissions, cell

PRECISION_FLOOR = 0.9
RECALL_FLOOR = 0.8


@pytest.fixture(scope="module")
def copying_class(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("integrity") / "course", 200)
    sim = simulate(course, full_copies=5, half_copies=5, seed=11)
    return sim, check_integrity(course, sim.assignment)


def test_a_class_of_200_with_10_copying_pairs_finds_them_and_little_else(copying_class):
    sim, result = copying_class
    found, truth = flagged(result), sim.copied_pairs
    assert len(truth) == 10 and result.graded == 200 and result.threshold_chosen and result.threshold >= MIN_THRESHOLD
    precision, recall = len(found & truth) / len(found), len(found & truth) / len(truth)
    assert precision >= PRECISION_FLOOR and recall >= RECALL_FLOOR, (precision, recall)
    full = {c.pair for c in sim.copies if c.full}
    assert full <= found  # every whole-assignment copy
    assert result.expected_by_chance <= 0.05


def test_each_listed_pair_carries_its_evidence(copying_class):
    sim, result = copying_class
    top = result.pairs[0]
    assert top.score == max(p.score for p in result.pairs) and top.chance_pairs_this_high <= result.expected_by_chance
    assert top.score == pytest.approx(sum(m.evidence for m in top.matches), abs=0.05)
    for m in top.matches:
        assert m.wrong in top.students and m.source in top.students and m.wrong != m.source
        assert 0 < m.chance <= 0.1 and m.values and set(m.values) == set(m.parts)
    # q3 is a pool: each side names the version it had
    q3 = [m for p in result.pairs for m in p.matches if m.problem_id == "q3"]
    assert q3 and all(m.wrong_alternative in ("separable", "bottleneck") for m in q3)
    assert any("could not be read" in n for n in result.notes)  # simulated: no notebook files to compare
    assert IntegrityResult.model_validate_json(result.model_dump_json()) == result


def test_an_honest_class_of_200_gives_at_most_one_false_pair(tmp_path):
    course = make_course(tmp_path / "course", 200)
    simulate(course, seed=3)
    result = check_integrity(course, "cnn-fundamentals")
    assert len(result.pairs) <= 1 and result.expected_by_chance <= 0.05


# -- a real course: notebooks, the command line and the report ------------------------------------

STUDENTS = tuple(f"s{i:02d}" for i in range(1, 21))
HELPERS = ["# my own helper for the output size\ndef out_size(n, k, s=1, p=0, d=1):\n    return (n + 2 * p - d * (k - 1) - 1) // s + 1\n",
           "sizes_checked = [out_size(28, 3), out_size(28, 5, 2)]  # tried by hand first\n"]


def _answer_source(subs, pid, family, params, value):
    return "\n".join(stub_line(s, value[s.part], filled=True) for s in slots(pid, family, params)) + "\n"


@pytest.fixture(scope="module")
def real_course(tmp_path_factory):
    """20 students: s02 hands in s01's answers in their own notebook, s03 hands in the notebook released
    to s04 (worked), s05 and s06 share two cells of their own; everyone else is right."""
    course = write_course(tmp_path_factory.mktemp("real") / "course", STUDENTS, limits=LIMITS)
    subs = Submissions(course)
    for sid in STUDENTS:
        if sid in ("s02", "s03"):
            continue
        nb = subs.notebook(sid, worked=True)
        if sid in ("s05", "s06"):
            for source in reversed(HELPERS):
                nb.cells.insert(3, nbformat.v4.new_code_cell(source))
        subs.write(sid, nb)
    copier = subs.notebook("s02", worked=False)
    from grader.problems import get_family

    family = get_family("conv_output_shape")
    for pid, params in subs.params("s01").items():
        cell(copier, pid).source = _answer_source(subs, pid, family, params, family.answer(params))
    subs.write("s02", copier)
    subs.write("s03", notebook_bytes(subs.notebook("s04", worked=True)))
    grade(course, "a1", workers=2, executor="fork")
    return course


def _invoke(course, *args):
    result = CliRunner().invoke(app, ["integrity", "a1", "--course", str(course.root), *args], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def test_the_command_lists_copied_answers_with_their_evidence(real_course):
    # two problems of 20 students cannot reach the default threshold: a lower one is asked for
    doc = IntegrityResult.model_validate_json(_invoke(real_course, "--format", "json", "--threshold", "1"))
    pairs = {p.students: p for p in doc.pairs}
    copied = pairs[("s01", "s02")]
    assert {m.problem_id for m in copied.matches} == {"q1", "q2"}
    assert all(m.wrong == "s02" and m.source == "s01" and m.kind is MatchKind.their_right_answer for m in copied.matches)
    assert copied.submitted_at[0].startswith("2030-01-01T10:00:00") and not doc.threshold_chosen
    released = pairs[("s03", "s04")]
    assert [(r.handed_in_by, r.released_to) for r in released.released] == [("s03", "s04")]
    # the release stamp grading records says so where there is one; else the parameters cells do
    assert released.released[0].how in ("its release stamp", "its parameters cells are the ones generated for them")
    assert [(r.handed_in_by, r.released_to) for r in doc.released] == [("s03", "s04")]
    shared = {p.students: p for p in doc.shared_notebooks}
    assert len(shared[("s05", "s06")].identical_cells) == 2 and ("s05", "s06") not in pairs
    assert doc.graded == 20 and doc.expected_by_chance >= 0 and doc.permutations == 100
    # a class of 20: no match can say more than one chance in 21
    assert all(m.evidence <= math.log10(21) + 1e-9 for p in doc.pairs for m in p.matches)


def test_the_table_says_what_it_is_and_is_not(real_course):
    text = _invoke(real_course, "--threshold", "1")
    assert "s01 & s02" in text and "s01's right answer" in text and "shuffles of the roster" in text
    assert "s03 handed in the notebook released to s04" in text
    assert "Evidence for a person to judge" in text and "not who copied" in text
    default = _invoke(real_course)
    assert "(chosen from the shuffles)" in default and f"at least {MIN_THRESHOLD:g}" in default


def test_nothing_is_written_and_nothing_reaches_feedback(real_course):
    from grader.report.feedback import write_feedback

    def files():
        return {p: p.read_bytes() for p in real_course.root.rglob("*") if p.is_file() and "gradebook" not in p.name}

    before = files()
    _invoke(real_course, "--threshold", "1")
    assert files() == before
    for page in write_feedback(real_course, "a1").pages:
        text = page.read_text()
        assert "copied" not in text and "integrity" not in text.lower() and "shuffle" not in text


def test_the_report_has_the_section(real_course, monkeypatch):
    from grader.report.report import write_report

    result = write_report(real_course, "a1")
    html = (real_course.folder("reports") / "a1" / "index.html").read_text()
    assert result.integrity is not None and 'id="integrity"' in html and "Answers shared across variants" in html
    # s03 handed in s04's notebook, as its release stamp says: listed once, where the stamps' findings are
    assert html.count("released to s04, not to s03") == 1 and "s03 handed in the notebook released to s04" not in html
    assert '1 notebook(s) handed in by\nsomeone they were not released to, as their release stamps say: <a href="#identity">' in html
    monkeypatch.setenv("AUTOGRADE_SECRET", "")
    (real_course.root / ".autograde" / "secret").rename(real_course.root / ".autograde" / "moved")
    try:
        write_report(real_course, "a1")
        assert "Not computed:" in (real_course.folder("reports") / "a1" / "index.html").read_text()
    finally:
        (real_course.root / ".autograde" / "moved").rename(real_course.root / ".autograde" / "secret")


def test_a_json_document_a_page_can_render(real_course):
    doc = json.loads(_invoke(real_course, "--format", "json"))
    assert set(doc) >= {"assignment", "threshold", "expected_by_chance", "pairs", "released", "notes"}


def test_answers_graded_on_other_numbers_than_the_assignment_gives_now_are_left_out(make_course):
    from grader.assignment import load_assignment
    from grader.gradebook import PartRecord
    from grader.outcomes import Verdict
    from grader.report.integrity import class_answers
    from grader.variants import variants

    course = make_course()
    a = load_assignment(course, "a1")
    vs = {s.student_id: variants(b"test-secret", course.config.course, a, s.student_id) for s in course.roster()}
    rows = {"s001": [PartRecord(problem_id="q1", part="out_size", given=[1, 1], score=0.0, max_score=1.0,
                                verdict=Verdict.WRONG)]}
    now = vs["s001"]["q1"].params.model_dump(mode="json")
    assert class_answers(a, vs, rows, {"s001": "2030-01-01"}, graded_params={("s001", "q1"): now}).wrong_answers == 1
    stale = class_answers(a, vs, rows, {"s001": "2030-01-01"}, graded_params={("s001", "q1"): {**now, "stride": 9}})
    assert stale.wrong_answers == 0 and stale.notes[0].startswith("q1: some students were graded on other numbers")


def test_parameters_cells_many_students_share_prove_nothing(make_course):
    from grader.gradebook import SubmissionRecord
    from grader.report.notebook_evidence import read_class_notebooks
    from grader.variants import variants
    from tests.conftest import SMALL_ASSIGNMENT

    fixed = SMALL_ASSIGNMENT.replace('points = 2\n', 'points = 2\nparams = {input_size = 8, kernel_size = 3}\n', 1)
    course = make_course(students=("s001", "s002", "s003"), assignment=fixed)
    subs = Submissions(course)
    paths = {"s001": subs.write("s001", subs.notebook("s001")), "s002": subs.write("s002", subs.notebook("s002")),
             "s003": subs.write("s003", subs.notebook("s002"))}  # s003 hands in s002's notebook
    records = {sid: SubmissionRecord(i, "a1", sid, str(path), "", "", None, "graded", "", None, None, None, "")
               for i, (sid, path) in enumerate(paths.items())}
    vs = {sid: variants(b"test-secret", course.config.course, subs.assignment, sid) for sid in paths}
    found = read_class_notebooks(course.root, subs.assignment, records, vs, 10_000_000)
    # q1's cell is everyone's (fixed parameters); q2's tells whose notebook it is
    assert found.released_to == {"s003": ("s002", "its parameters cells are the ones generated for them")}
