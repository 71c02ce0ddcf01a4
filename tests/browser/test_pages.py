"""Today's pages in Chromium pass axe-core with no serious or critical violation: a student's
feedback page and the instructor's report of the small graded course (tests/report/conftest.py)."""

from __future__ import annotations

import datetime as dt

from grader.report.feedback import write_feedback
from grader.report.report import write_report
from tests.browser.conftest import blocking, screenshot
from tests.report.conftest import graded, graded_template  # noqa: F401 - fixtures

AFTER_DUE = dt.datetime(2030, 3, 1, tzinfo=dt.UTC)  # expected values and solutions are shown


def test_the_axe_helper_finds_what_it_should(page, axe):
    """The check can fail: a page with an unlabelled image and no language or title is caught."""
    page.set_content("<html><body><img src='data:,'><p>text</p></body></html>")
    rules = {v.rule: v.impact for v in axe(page)}
    assert rules["image-alt"] == "critical" and rules["html-has-lang"] == "serious" and rules["document-title"] == "serious"


def test_the_axe_helper_runs_on_a_page_whose_csp_forbids_every_script(page, axe, tmp_path):
    strict = tmp_path / "strict.html"
    strict.write_text("<!doctype html><html lang='en'><head><meta http-equiv='Content-Security-Policy' "
                      "content=\"default-src 'none'; script-src 'none'\"><title>t</title></head>"
                      "<body><main><h1>t</h1><img src='data:,'></main></body></html>")
    page.goto(strict.as_uri())
    assert [v.rule for v in axe(page)] == ["image-alt"]


def test_a_feedback_page_has_no_serious_accessibility_violation(graded, page, axe):  # noqa: F811
    pages = {p.stem: p for p in write_feedback(graded, "a1", now=AFTER_DUE).pages}
    for sid in ("s01", "s02", "s04"):  # all right; a mistake and script smuggled in; a deleted cell
        page.goto(pages[sid].as_uri())
        shot = screenshot(page, f"feedback-{sid}")
        assert page.title() and "q1" in page.inner_text("body")  # the page itself, not an error, was loaded
        assert not blocking(axe(page)), (shot, blocking(axe(page)))


def test_the_instructor_report_has_no_serious_accessibility_violation(graded, page, axe):  # noqa: F811
    report = write_report(graded, "a1").path
    page.goto(report.as_uri())
    shot = screenshot(page, "report")
    assert page.title() and page.locator("img, svg").count() > 0  # the page, plots and all, was loaded
    assert not blocking(axe(page)), (shot, blocking(axe(page)))
