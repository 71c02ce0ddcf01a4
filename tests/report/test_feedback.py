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


def test_a_named_misconception_is_in_the_feedback(graded):
    row = rows_by_student(graded)["s02"][1][("q1", "out_size")]
    assert row["mistake"] == "forgot_plus_one"
    q1 = sections(pages(graded)["s02"])["q1"]
    assert str(escape(row["feedback"])) in q1 and "plus 1" in q1
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
    assert bad.exit_code == 2 and "not an ISO date-time" in bad.output
