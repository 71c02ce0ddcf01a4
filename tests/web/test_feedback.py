"""A student's feedback in the service: nothing before submissions close for them (an extension's close
counts), then ``autograde feedback``'s page and worked solution as show_expected and show_solution allow."""

from __future__ import annotations

import datetime as dt

import pytest

from grader.assignment import load_assignment
from grader.gradebook import Gradebook, PartRecord
from grader.notebook.read import digest
from grader.outcomes import SubmissionStatus, Verdict
from grader.variants import variants
from grader.web import create_app
from tests.web.conftest import SECRET_VALUE, Served, body_text, upload

pytestmark = pytest.mark.anyio

BEFORE = dt.datetime(2030, 1, 30, tzinfo=dt.UTC)   # SMALL_ASSIGNMENT is due 2030-01-31T23:59Z
BETWEEN = dt.datetime(2030, 2, 5, tzinfo=dt.UTC)   # after the due date, before s001's extension
AFTER = dt.datetime(2030, 3, 1, tzinfo=dt.UTC)     # after everyone's
SOLUTION_BLOCK = '<details class="ag-solution"'


class GradingWithVariants:
    """Records each student's latest upload as graded, with its variants (so a worked solution can be
    shown) and its true digest (so the page shows the notebook): a fake at the adapter's seam."""

    def __call__(self, course, assignment: str, students: frozenset[str]) -> str:
        book = Gradebook(course.config.gradebook, course.root)
        secret, _ = course.secret()
        spec = load_assignment(course, assignment)
        try:
            for folder in sorted(course.folder("submitted").glob(f"*/{assignment}")):
                latest = sorted(folder.glob(f"*/{assignment}.ipynb"))[-1]
                sid = folder.parent.name
                if sid not in students:
                    continue
                own = variants(secret, course.config.course, spec, sid)
                book.record(assignment=assignment, student_id=sid, path=str(latest), sha256=digest(latest.read_bytes()),
                            submitted_at=latest.parent.name, status=SubmissionStatus.GRADED,
                            variants={pid: (v.family.name, v.params.model_dump(mode="json")) for pid, v in own.items()},
                            rows=[PartRecord(problem_id="q1", part="out_channels", given=1, expected=SECRET_VALUE,
                                             score=1.5, max_score=2.0, verdict=Verdict.PARTIAL,
                                             feedback="Check the channels.")])
        finally:
            book.close()
        return ""


@pytest.fixture
def graded(released):
    """A served course where s001 has uploaded a1 (on time) and it is graded; ``make(config_extra, extension)``."""

    async def make(config_extra: str = "", extension: str | None = None) -> Served:
        course = released(config_extra=config_extra)
        if extension:
            course.config_path.write_text('extensions = "extensions.csv"\n' + course.config_path.read_text())
            (course.root / "extensions.csv").write_text(f"student_id,assignment,due,cutoff\n{extension}\n")
            from grader.config import load_course

            course = load_course(course.root)
        served = Served(course, None, create_app(course, executor="fork", grade=GradingWithVariants(), worker=False))
        served.service.desk.clock = lambda: BEFORE
        async with served.client("s001") as client:
            assert (await upload(client, served.notebook("s001"))).status_code == 202
        served.service.worker.drain()
        return served

    return make


async def _seen(served, when: dt.datetime, who: str = "s001") -> dict[str, object]:
    served.service.desk.clock = lambda: when
    async with served.client(who) as client:
        return {path: await client.get(path) for path in ("/me/a1", "/me/a1/feedback", "/me/a1/solution")}


async def test_before_the_cutoff_neither_page_nor_solution_opens_and_nothing_is_revealed(graded):
    seen = await _seen(await graded(), BEFORE)
    assert seen["/me/a1"].status_code == 200
    assert seen["/me/a1/feedback"].status_code == 403 and seen["/me/a1/solution"].status_code == 403
    assert "opens once submissions close for you (2030-01-31 23:59 UTC)" in seen["/me/a1"].text
    text = "\n".join(body_text(r) for r in seen.values())
    assert "987654321" not in text and "Check the channels" not in text and "1.5" not in text


async def test_after_the_cutoff_the_page_shows_results_expected_values_and_solutions(graded):
    seen = await _seen(await graded(), AFTER)
    page = seen["/me/a1/feedback"]
    assert page.status_code == 200
    assert "Check the channels" in page.text and str(SECRET_VALUE) in page.text  # wrong_after_due: the partial part's
    assert SOLUTION_BLOCK in page.text
    assert 'href="/me/a1"' in page.text  # a way back into the service
    # the page's own inline stylesheet is allowed, and nothing else: no script of any origin
    csp = page.headers["content-security-policy"]
    assert "style-src 'unsafe-inline'" in csp and "script" not in csp and "frame-ancestors 'none'" in csp
    assert page.headers["x-content-type-options"] == "nosniff" and page.headers["referrer-policy"] == "no-referrer"
    assert 'href="/me/a1/feedback"' in seen["/me/a1"].text and 'href="/me/a1/solution"' in seen["/me/a1"].text
    solution = seen["/me/a1/solution"]
    assert solution.status_code == 200 and solution.json()["nbformat"] == 4
    assert "solution" in solution.headers["content-disposition"]


async def test_an_extension_keeps_the_page_closed_until_the_students_own_close(graded):
    served = await graded(extension="s001,a1,2030-02-10T23:59:00Z,")
    between = await _seen(served, BETWEEN)
    assert between["/me/a1/feedback"].status_code == 403
    assert "2030-02-10 23:59 UTC" in between["/me/a1/feedback"].text
    assert "987654321" not in "\n".join(body_text(r) for r in between.values())
    assert (await _seen(served, AFTER))["/me/a1/feedback"].status_code == 200


async def test_show_expected_never_hides_expected_values_and_solutions(graded):
    page = (await _seen(await graded('[feedback]\nshow_expected = "never"\n'), AFTER))
    assert page["/me/a1/feedback"].status_code == 200 and "Check the channels" in page["/me/a1/feedback"].text
    assert "987654321" not in page["/me/a1/feedback"].text
    assert "Expected values are not shown" in page["/me/a1/feedback"].text
    assert page["/me/a1/solution"].status_code == 403  # a solution follows show_expected unless set


async def test_show_solution_never_keeps_expected_values_but_no_solution(graded):
    seen = await _seen(await graded('[feedback]\nshow_expected = "after_due"\nshow_solution = "never"\n'), AFTER)
    page = seen["/me/a1/feedback"].text
    assert str(SECRET_VALUE) in page and SOLUTION_BLOCK not in page
    assert seen["/me/a1/solution"].status_code == 403 and 'href="/me/a1/solution"' not in seen["/me/a1"].text


async def test_wrong_after_due_solutions_stay_in_the_page_never_the_whole_notebook(graded):
    seen = await _seen(await graded('[feedback]\nshow_solution = "wrong_after_due"\n'), AFTER)
    assert seen["/me/a1/feedback"].status_code == 200
    assert seen["/me/a1/solution"].status_code == 403  # it holds every problem's answer, right ones included


async def test_another_students_session_gets_only_their_own_feedback(graded):
    served = await graded()
    seen = await _seen(served, AFTER, who="s002")  # s002 uploaded nothing: s001's page is not theirs to see
    assert seen["/me/a1/feedback"].status_code == 404
    text = "\n".join(body_text(r) for r in seen.values())
    assert "987654321" not in text and "s001" not in text and "Check the channels" not in text
    async with served.client("ta@example.edu", staff_role="ta") as ta, served.client() as nobody:
        assert (await ta.get("/me/a1/feedback")).status_code == 403
        assert (await nobody.get("/me/a1/feedback")).status_code == 401
        assert (await nobody.get("/me/a1/solution")).status_code == 401


async def test_the_history_lists_every_upload_with_its_status(graded):
    served = await graded()
    served.service.desk.clock = lambda: BEFORE
    async with served.client("s001") as client:
        second = await upload(client, served.notebook("s001"))
        page = (await client.get("/me/a1")).text
    assert page.count('href="/me/submissions/') == 2
    assert f'#{second.json()["id"]}' in page and "queued" in page and "graded" in page
