"""Question pools: each student gets one alternative of a pool problem, by the keyed hash, and
every reader of the assignment (notebooks, grading, exports, report, variants) works per alternative."""

from __future__ import annotations

import csv
import json
from collections import Counter

import pytest

from grader.assignment import Pool, load_assignment
from grader.errors import ConfigError
from grader.variants import choose, variant_stats, variants
from tests.conftest import SMALL_ASSIGNMENT

Q2 = '''[[problems]]
id = "q2"
family = "conv_output_shape"
title = "Another shape"
[problems.space]
stride = [1, 2]
'''
POOL_ASSIGNMENT = SMALL_ASSIGNMENT.replace(Q2, '''[[problems]]
id = "q2"
title = "An output shape"
points = 2
[[problems.choose_from]]
id = "forward"
family = "conv_output_shape"
[problems.choose_from.space]
stride = [1, 2]
[[problems.choose_from]]
id = "transposed"
family = "conv_transpose_output_shape"
title = "A transposed output shape"
''')

STUDENTS = tuple(f"s{i:03d}" for i in range(200))


def _pooled(make_course, text=POOL_ASSIGNMENT, students=STUDENTS):
    course = make_course(students=students, assignment=text)
    return course, load_assignment(course, "a1")


def _chosen(course, assignment, students=STUDENTS):
    return {sid: variants(b"test-secret", course.config.course, assignment, sid)["q2"].alternative for sid in students}


def test_a_pool_loads_with_its_alternatives(make_course):
    _, a = _pooled(make_course, students=("s001",))
    pool = a.problem("q2")
    assert isinstance(pool, Pool) and a.pools == (pool,) and [p.id for p in a.computed] == ["q1", "q2"]
    forward, transposed = pool.alternatives
    assert (forward.alternative, forward.family.name, forward.id, forward.title) == (
        "forward", "conv_output_shape", "q2", "An output shape")
    assert forward.space.stride == [1, 2] and forward.config.points == 2  # the pool's points, its own space
    assert transposed.title == "A transposed output shape" and transposed.seed_id == "q2/transposed"


@pytest.mark.parametrize(("edit", "says"), [
    (lambda s: s.replace('title = "An output shape"\n', 'title = "An output shape"\nfamily = "conv_output_shape"\n'),
     r"problem 'q2': a pool \(choose_from\) gives family in each alternative, not in the pool"),
    (lambda s: s.replace('id = "transposed"', 'id = "forward"'), r"problem 'q2': alternative 'forward' is named twice"),
    (lambda s: s.replace('stride = [1, 2]', 'strde = [1, 2]'),
     r"problem 'q2', alternative 'forward': conv_output_shape space: strde: unknown key"),
    (lambda s: s.replace('title = "A transposed output shape"', 'title = "A transposed output shape"\npoints = 3'),
     r"problem 'q2': every alternative of a pool must be worth the same points \(forward 2, transposed 3\)"),
    (lambda s: s.replace('family = "conv_transpose_output_shape"', 'family = "conv_transpose_outptu_shape"'),
     r"problem 'q2', alternative 'transposed': unknown family"),
    (lambda s: s.replace('id = "transposed"', 'id = "2nd"'), r"choose_from\[2\]\.id: '2nd' must start with a letter"),
])
def test_mistakes_in_a_pool_name_the_problem_and_alternative(make_course, edit, says):
    course = make_course(assignment=edit(POOL_ASSIGNMENT))
    with pytest.raises(ConfigError, match=says):
        load_assignment(course, "a1")


def test_a_pool_of_one_is_refused(make_course):
    one = POOL_ASSIGNMENT.split('[[problems.choose_from]]\nid = "transposed"')[0] + '\n[[problems]]\nid = "q9"\nfamily = "kl_gaussian"\n'
    with pytest.raises(ConfigError, match="choose_from needs at least two alternatives"):
        load_assignment(make_course(assignment=one), "a1")


def test_every_alternative_is_about_as_likely_and_the_choice_is_deterministic(make_course):
    course, a = _pooled(make_course)
    chosen = _chosen(course, a)
    assert chosen == _chosen(course, a)
    counts = Counter(chosen.values())
    assert set(counts) == {"forward", "transposed"} and 70 <= counts["forward"] <= 130  # 100 +- 4.2 sd
    got = {sid: variants(b"test-secret", course.config.course, a, sid)["q2"] for sid in STUDENTS[:20]}
    for v in got.values():  # the variant is the alternative's own problem, with its own family
        assert v.problem_id == "q2" and v.family.name == {"forward": "conv_output_shape",
                                                          "transposed": "conv_transpose_output_shape"}[v.alternative]


def test_the_choice_is_stable_under_roster_changes_and_fixes_elsewhere(make_course):
    course, a = _pooled(make_course)
    before = _chosen(course, a)
    params = {sid: variants(b"test-secret", course.config.course, a, sid) for sid in STUDENTS}
    # another roster, a fix to q1 and to one alternative's space: nobody's choice moves, nor the other alternative's numbers
    fixed = POOL_ASSIGNMENT.replace('points = 2\n\n[[problems]]\nid = "q2"', 'points = 2\n[problems.space]\nstride = [3]\n\n[[problems]]\nid = "q2"')
    fixed = fixed.replace("stride = [1, 2]", "stride = [1]")
    assert fixed.count("stride = [3]") == 1 and "stride = [1]\n" in fixed
    course2, a2 = _pooled(make_course, fixed, students=tuple(reversed(STUDENTS[:50])))
    after = _chosen(course2, a2, STUDENTS[:50])
    assert after == {sid: before[sid] for sid in STUDENTS[:50]}
    for sid in STUDENTS[:50]:
        new = variants(b"test-secret", course2.config.course, a2, sid)
        if before[sid] == "transposed":
            assert new["q2"].params == params[sid]["q2"].params


def test_adding_an_alternative_moves_only_the_students_it_wins(make_course):
    course, a = _pooled(make_course)
    before = _chosen(course, a)
    more = POOL_ASSIGNMENT.replace('title = "A transposed output shape"\n', 'title = "A transposed output shape"\n'
                                   '[[problems.choose_from]]\nid = "dilated"\nfamily = "conv_output_shape"\n'
                                   '[problems.choose_from.space]\ndilation = [2, 3]\n')
    course2, a2 = _pooled(make_course, more)
    after = _chosen(course2, a2)
    moved = [sid for sid in STUDENTS if after[sid] != before[sid]]
    assert moved and all(after[sid] == "dilated" for sid in moved)
    assert 40 <= len(moved) <= 95  # about a third


def test_reordering_the_alternatives_changes_nothing(make_course):
    course, a = _pooled(make_course)
    pool = a.problem("q2")
    swapped = Pool(pool.config, tuple(reversed(pool.alternatives)))
    for sid in STUDENTS[:40]:
        assert choose(b"test-secret", "test-course", "a1", pool, sid) == choose(b"test-secret", "test-course", "a1", swapped, sid)


def test_variants_are_counted_per_alternative(make_course):
    course, a = _pooled(make_course)
    stats = variant_stats(b"test-secret", course.config.course, a, STUDENTS)
    assert [s.label for s in stats] == ["q1", "q2/forward", "q2/transposed"]
    assert stats[1].students + stats[2].students == 200 and stats[1].family == "conv_output_shape"


def test_the_variants_command_shows_each_alternative(make_course):
    from typer.testing import CliRunner

    from grader.cli import app

    course, _ = _pooled(make_course)
    out = CliRunner().invoke(app, ["variants", "a1", "--course", str(course.root)], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "q2/forward" in out.output and "q2/transposed" in out.output and "students" in out.output


def test_the_notebook_names_the_alternative_and_asks_for_its_answers(make_course):
    from grader.generate import notebook_for

    course, a = _pooled(make_course, students=STUDENTS[:30])
    chosen = _chosen(course, a, STUDENTS[:30])
    sid = next(s for s in STUDENTS if chosen[s] == "transposed")
    student = next(s for s in course.roster() if s.student_id == sid)
    for worked in (False, True):
        nb = notebook_for(course, a, student, b"test-secret", worked=worked)
        cells = {c.id: c.source for c in nb.cells}
        assert "## q2: A transposed output shape (2 points)" in cells["q2-statement"]
        assert "Your version of this question: **transposed** (one of 2)" in cells["q2-statement"]
        source = cells["q2-params"]  # the alternative before the parameters: validate reads the last statement
        assert 0 < source.index("q2_alternative = 'transposed'") < source.index("q2_params = {")
        assert "output_padding" in source and "q2_alternative" not in cells["q1-params"]
        record = {p["id"]: p for p in nb.metadata["autograde"]["problems"]}
        assert record["q2"] == {"id": "q2", "family": "conv_transpose_output_shape", "alternative": "transposed"}
        assert "alternative" not in record["q1"]


def test_a_pool_is_graded_exported_and_reported_per_alternative(make_course, monkeypatch):
    from grader.gradebook import Gradebook
    from grader.grading.runner import grade
    from grader.report.export import export
    from grader.report.report import write_report
    from tests.grading.conftest import Submissions

    course, a = _pooled(make_course, students=STUDENTS[:12])
    subs = Submissions(course)
    for sid in STUDENTS[:12]:
        subs.write(sid, subs.notebook(sid, worked=True))
    grade(course, "a1", workers=2, executor="fork")  # exit 1: the free-text answers are left blank
    chosen = _chosen(course, a, STUDENTS[:12])
    book = Gradebook(course.config.gradebook, course.root)
    try:
        assert book.variant_alternatives("a1") == {(sid, "q2"): chosen[sid] for sid in STUDENTS[:12]}
        for sub in book.submissions("a1"):
            rows = [r for r in book.part_rows(sub.id) if not r.manual]
            assert rows and all(r.verdict == "correct" for r in rows), sub.student_id
    finally:
        book.close()

    with open(export(course, "a1", "csv").path, newline="", encoding="utf-8-sig") as f:
        table = list(csv.DictReader(f))
    assert list(table[0])[:5] == ["student_id", "name", "q1", "q2", "q2_alternative"]
    assert {r["student_id"]: r["q2_alternative"] for r in table} == chosen
    doc = json.loads(export(course, "a1", "json").path.read_text())
    assert doc["problems"][1]["alternatives"] == ["forward", "transposed"] and "alternatives" not in doc["problems"][0]
    by_student = {s["student_id"]: {p["id"]: p for p in s["problems"]} for s in doc["students"]}
    assert all(by_student[sid]["q2"]["alternative"] == chosen[sid] for sid in chosen)

    stats = write_report(course, "a1").stats
    q2 = next(p for p in stats.problems if p.problem_id == "q2")
    counts = Counter(chosen.values())
    assert [v.label for v in q2.alternatives] == [f"q2/{n}" for n in ("forward", "transposed") if counts[n]]
    assert sum(v.total.verdicts.total() for v in q2.alternatives) == q2.total.verdicts.total()
    assert [row.part for row in q2.parts] == [v.alternative for v in q2.alternatives]
    if len(q2.alternatives) == 2:  # is one version harder? compared like a parameter's values
        assert [e.param for e in q2.effects][0] == "alternative"
    html = (course.folder("reports") / "a1" / "index.html").read_text()
    assert "version transposed: A transposed output shape" in html or not counts["transposed"]
    from grader.report.feedback import write_feedback

    pages = write_feedback(course, "a1").pages
    sid = next(s for s in STUDENTS[:12] if chosen[s] == "transposed")
    page = next(p for p in pages if p.stem == sid).read_text()
    assert "A transposed output shape (version transposed)" in page


def test_validate_reads_a_pool_problem_as_the_alternative_the_student_got(make_course, tmp_path):
    from grader.generate import notebook_for
    from grader.notebook.build import write_notebook
    from grader.submit import validate

    course, a = _pooled(make_course, students=STUDENTS[:8])
    for student in course.roster():
        path = tmp_path / student.student_id / "a1.ipynb"
        write_notebook(notebook_for(course, a, student, b"test-secret", worked=True), path)
        report = validate(path, course.config.limits, course=course)
        assert {p.problem_id: p.status for p in report.problems} == {"q1": "answered", "q2": "answered", "q3": "missing"}
