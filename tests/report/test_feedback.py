"""Feedback pages: one per graded student, results after their answer cells, the expected-value
policy at every setting either side of the due date, named misconceptions, nothing executable."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from markupsafe import escape
from typer.testing import CliRunner

from grader.cli import app
from grader.config import load_course
from grader.problems import get_family
from grader.report.feedback import expected_visible, write_feedback
from tests.grading.conftest import rows_by_student

BEFORE_DUE = dt.datetime(2030, 1, 15, tzinfo=dt.UTC)  # SMALL_ASSIGNMENT is due 2030-01-31 23:59 UTC
AFTER_DUE = dt.datetime(2030, 3, 1, tzinfo=dt.UTC)
COMPUTED = {("q1", "out_channels"), ("q1", "out_size"), ("q2", "out_channels"), ("q2", "out_size")}


def pages(course, now=BEFORE_DUE) -> dict[str, str]:
    result = write_feedback(course, "a1", now=now)
    return {p.stem: p.read_text(encoding="utf-8") for p in result.pages}


def with_policy(course, policy: str):
    (course.root / "autograde.toml").write_text(
        (course.root / "autograde.toml").read_text() + f'[feedback]\nshow_expected = "{policy}"\n')
    return load_course(course.root)


def sections(page: str) -> dict[str, str]:
    return dict(re.findall(r'<section class="ag-result[^"]*" id="result-(\w+)">(.*?)</section>', page, re.S))


def expected_shown(page: str) -> set[tuple[str, str]]:
    """(problem, part) pairs whose row has a filled Expected cell."""
    shown = set()
    for pid, body in sections(page).items():
        for row in re.findall(r"<tr class=\"ag-\w+\">(.*?)</tr>", body, re.S):
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            if len(cells) == 5 and cells[4].strip():
                shown.add((pid, cells[0]))
    return shown


def test_one_page_per_graded_student_with_a_header(graded):
    found = write_feedback(graded, "a1", now=BEFORE_DUE)
    assert sorted(p.name for p in found.pages) == ["s01.html", "s02.html", "s03.html", "s04.html"]
    assert all(p.parent == graded.folder("feedback") / "a1" for p in found.pages)
    assert dict(found.skipped) == {"s05": "missing", "zz99": "not_on_roster"}
    page = found.pages[0].read_text()
    assert "<h1>Test course: Small</h1>" in page
    assert "Student 1 (s01)" in page and "due 2030-01-31 23:59 UTC" in page
    assert re.search(r'<dd class="ag-total">4 / 6</dd>', page)
    assert "1 written answer is still to be graded by hand" in page


def test_each_result_follows_its_answer_cell_and_a_missing_cell_puts_it_at_the_end(graded):
    got = pages(graded)
    page = got["s01"]
    for pid in ("q1", "q2", "q3"):
        answer, result = page.index(f'id="cell-id={pid}"'), page.index(f'id="result-{pid}"')
        following = page.find('id="cell-id=', answer + 1)
        assert answer < result < following, pid
    s04 = got["s04"]
    tail = s04.index("Results for problems whose answer cell is missing")
    assert s04.index('id="result-q2"') > tail and s04.index('id="result-q1"') < tail
    assert "was deleted" in sections(s04)["q2"]


def test_a_notebook_changed_after_grading_is_not_shown_beside_the_old_results(graded):
    sub = rows_by_student(graded)["s01"][0]
    path = Path(sub.path)
    assert path.is_relative_to(graded.root)
    path.write_text(path.read_text().replace("Translation equivariance", "Something else"))
    page = pages(graded)["s01"]
    assert "has changed since it was graded" in page and 'id="cell-id=' not in page
    assert all(f'id="result-{pid}"' in page for pid in ("q1", "q2", "q3"))


def test_markdown_keeps_its_structure(graded):
    page = pages(graded)["s01"]
    assert re.search(r"<h2>q1: .*\(2 points\)</h2>", page)  # nbconvert's own clean_html would escape <h2>
    assert "&lt;p&gt;" not in page and "&lt;h2" not in page


def test_the_statements_math_is_mathml_and_no_latex_is_left(graded):
    from tests.report.test_markup import LATEX_COMMAND, reading

    page = pages(graded)["s01"]
    seen = reading(page)
    text = "".join(seen.text)
    assert seen.math >= 2 and seen.fallbacks == 0  # q1's and q2's input sizes, as MathML
    assert "$" not in text and not LATEX_COMMAND.search(text)
    assert "<script" not in page  # typeset on the server: nothing to run
    assert "\ue000" not in page  # every fragment was put in its place


def test_a_named_misconception_is_in_the_feedback(graded):
    row = rows_by_student(graded)["s02"][1][("q1", "out_size")]
    assert row.mistake == "forgot_plus_one"
    q1 = sections(pages(graded)["s02"])["q1"]
    assert str(escape(row.feedback)) in q1 and "plus 1" in q1
    assert '<tr class="ag-wrong">' in q1 and "1 / 2 points" in q1


def test_nothing_the_student_wrote_can_run_in_the_page(graded):
    page = pages(graded)["s02"]
    assert re.search(r"<script|<iframe|<img|javascript:", page, re.I) is None
    assert "&lt;script&gt;alert('pwned')&lt;/script&gt;" in page  # shown as text, not run
    assert "steal()" not in page  # outputs are never rendered, not even a forged one
    assert "content=\"default-src 'none'; style-src 'unsafe-inline'\"" in page  # and scripts are forbidden anyway
    assert page.count('class="ag-result') == 3  # markdown dressed up as a result block loses its class


@pytest.mark.parametrize(("policy", "before", "after"), [
    ("never", set(), set()),
    ("wrong_after_due", set(), {("q1", "out_size")}),
    ("after_due", set(), COMPUTED),
    ("always", COMPUTED, COMPUTED),
])
def test_expected_values_follow_the_policy(graded, policy, before, after):
    course = with_policy(graded, policy)
    assert expected_shown(pages(course, BEFORE_DUE)["s02"]) == before
    assert expected_shown(pages(course, AFTER_DUE)["s02"]) == after


def test_the_default_policy_is_wrong_after_due(graded):
    assert graded.config.feedback.show_expected == "wrong_after_due"
    page = pages(graded, AFTER_DUE)["s02"]
    assert expected_shown(page) == {("q1", "out_size")}
    assert "since the due date (2030-01-31 23:59 UTC) has passed" in page


def test_expected_visible_edge_cases():
    due = dt.datetime(2030, 1, 31, tzinfo=dt.UTC)
    assert not expected_visible("after_due", "wrong", due, due)  # at the due moment it is not yet past
    assert expected_visible("wrong_after_due", "carried", due, AFTER_DUE)  # credit carried, value still wrong
    assert not expected_visible("wrong_after_due", "correct", due, AFTER_DUE)
    assert not expected_visible("after_due", "wrong", None, AFTER_DUE)  # no due date: never past due
    assert expected_visible("always", "correct", None, BEFORE_DUE)


def test_free_text_shows_pending_and_never_an_expected_value(graded):
    q3 = sections(pages(with_policy(graded, "always"))["s02"])["q3"]
    assert "pending: graded by hand" in q3 and "<th>Expected</th>" not in q3


def test_the_same_gradebook_and_now_give_the_same_bytes(graded, tmp_path):
    first = pages(graded, AFTER_DUE)
    assert pages(graded, AFTER_DUE) == first
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(graded.root, elsewhere)
    assert pages(load_course(elsewhere), AFTER_DUE) == first  # nothing of where the course sits
    assert pages(graded, BEFORE_DUE)["s02"] != first["s02"]


def test_the_cli_writes_pages_and_rejects_a_bad_now(graded):
    runner = CliRunner()
    result = runner.invoke(app, ["feedback", "a1", "--now", "2030-03-01T00:00:00Z", "--course", str(graded.root)])
    assert result.exit_code == 0, result.output
    assert "wrote 4 feedback page(s) to feedback/a1/" in result.output
    assert (graded.root / "feedback" / "a1" / "s02.html").read_text() == pages(graded, AFTER_DUE)["s02"]
    bad = runner.invoke(app, ["feedback", "a1", "--now", "next tuesday", "--course", str(graded.root)])
    assert bad.exit_code == 2 and "--now: 'next tuesday' is not a date: write it like 2030-02-03" in bad.output


def solutions(page: str) -> dict[str, str]:
    """Problem id -> its worked solution's HTML, for the problems that show one."""
    return {pid: body.split('<details class="ag-solution"', 1)[1] for pid, body in sections(page).items()
            if '<details class="ag-solution"' in body}


def with_feedback(course, **keys: str):
    lines = "".join(f'{k} = "{v}"\n' for k, v in keys.items())
    (course.root / "autograde.toml").write_text((course.root / "autograde.toml").read_text() + f"[feedback]\n{lines}")
    return load_course(course.root)


def test_after_the_due_date_each_problem_shows_its_worked_solution_with_the_students_numbers(graded):
    from tests.grading.conftest import Submissions

    assert solutions(pages(graded, BEFORE_DUE)["s02"]) == {}
    page = pages(graded, AFTER_DUE)["s02"]
    shown = solutions(page)
    assert sorted(shown) == ["q1", "q2"]  # the computed problems; the written answer has none
    params = Submissions(graded).params("s02")["q1"]
    q1 = shown["q1"]
    assert re.match(r' open(="")?>', q1)  # q1 was wrong: open; q2 was right: folded
    assert not re.match(r' open(="")?>', shown["q2"])
    assert "<math" in q1 and "$" not in q1
    out = params.model_dump()
    assert f"<mn>{out['out_channels']}</mn>" in q1 or f"<strong>{out['out_channels']}</strong>" in q1
    assert "Worked solutions, with your numbers, follow the results for every problem." in page


@pytest.mark.parametrize(("keys", "before", "after"), [
    ({"show_solution": "never"}, set(), set()),
    ({"show_solution": "wrong_after_due"}, set(), {"q1"}),
    ({"show_solution": "after_due"}, set(), {"q1", "q2"}),
    ({"show_solution": "always"}, {"q1", "q2"}, {"q1", "q2"}),
    ({"show_expected": "never"}, set(), set()),  # a solution holds the answers: by default it follows
    ({"show_expected": "always"}, set(), {"q1", "q2"}),
])
def test_worked_solutions_follow_the_policy(graded, keys, before, after):
    course = with_feedback(graded, **keys)
    assert set(solutions(pages(course, BEFORE_DUE)["s02"])) == before
    assert set(solutions(pages(course, AFTER_DUE)["s02"])) == after


def test_a_bad_show_solution_is_a_config_error_naming_it(graded):
    from grader.errors import ConfigError

    with pytest.raises(ConfigError, match="show_solution"):
        with_feedback(graded, show_solution="sometimes")


def test_a_worked_solution_uses_the_parameters_that_were_graded(graded):
    import html

    from grader.report.markup import safe_markdown
    from tests.grading.conftest import Submissions

    def words(markup) -> str:
        return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", str(markup))))

    family = get_family("conv_output_shape")
    was = Submissions(graded).params("s02")["q2"]
    toml = graded.root / "assignments" / "a1" / "assignment.toml"
    toml.write_text(toml.read_text().replace("stride = [1, 2]", "stride = [3]"))  # q2's space changed since grading
    now = Submissions(load_course(graded.root)).params("s02")["q2"]
    assert now.stride == 3 != was.stride
    q2 = words(solutions(pages(graded, AFTER_DUE)["s02"])["q2"])
    assert words(safe_markdown(family.worked_solution(was))) in q2
    assert words(safe_markdown(family.worked_solution(now))) not in q2


def test_a_solution_that_cannot_be_written_is_a_note_not_a_lost_page(graded):
    import contextlib
    import sqlite3

    with contextlib.closing(sqlite3.connect(graded.root / "gradebook.db")) as db, db:  # q2's graded parameters no longer valid
        db.execute("UPDATE variants SET params = '{\"stride\": 0}' WHERE student_id = 's02' AND problem_id = 'q2'")
    shown = solutions(pages(graded, AFTER_DUE)["s02"])
    assert "this problem has changed since it was graded" in shown["q2"] and "<math" in shown["q1"]


def test_the_header_gives_an_extended_students_own_due_date(graded):
    (graded.root / "extensions.csv").write_text("student_id,assignment,due,cutoff\ns02,a1,2030-02-10T12:00:00Z,\n")
    graded.config_path.write_text('extensions = "extensions.csv"\n' + graded.config_path.read_text())
    got = pages(load_course(graded.root))
    assert "due 2030-02-10 12:00 UTC (your extension)" in got["s02"]
    assert "due 2030-01-31 23:59 UTC</dd>" in got["s01"]
