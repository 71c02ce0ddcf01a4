"""Every route called by the right student, another student, a TA and nobody: a student sees only their own."""

from __future__ import annotations

import re

import pytest

from grader.generate import release_path
from tests.web.conftest import upload

pytestmark = pytest.mark.anyio

TA = "ta@example.edu"


@pytest.fixture
async def uploaded(served):
    """s001 has uploaded once; returns the upload's id."""
    async with served.client("s001") as client:
        response = await upload(client, served.notebook("s001"))
    assert response.status_code == 202, response.text
    return response.json()["id"]


def callers(served):
    return {"own": served.client("s001"), "other": served.client("s002"), "ta": served.client(TA, staff_role="ta"),
            "none": served.client()}


# route -> the status for (own student, another student, a TA, nobody)
CASES = [
    ("/me", (200, 200, 403, 401)),
    ("/me/a1", (200, 200, 403, 401)),
    ("/me/a1/notebook", (200, 200, 403, 401)),
    ("/me/submissions/{id}", (200, 404, 200, 401)),
    ("/api/assignments", (200, 200, 403, 401)),
    ("/api/submissions/{id}", (200, 404, 200, 401)),
    ("/staff", (403, 403, 200, 401)),
    ("/staff/a1", (403, 403, 200, 401)),
    ("/me/a1/feedback", (403, 403, 403, 401)),   # before the cutoff: closed to every student (test_feedback.py: after)
    ("/me/a1/solution", (403, 403, 403, 401)),
    ("/staff/a1/report", (403, 403, 200, 401)),
    ("/staff/a1/export/csv", (403, 403, 200, 401)),
]


@pytest.mark.parametrize(("route", "statuses"), CASES, ids=[c[0] for c in CASES])
async def test_each_route_answers_each_kind_of_caller_as_it_should(served, uploaded, route, statuses):
    for (name, client), expected in zip(callers(served).items(), statuses, strict=True):
        async with client:
            response = await client.get(route.format(id=uploaded))
        assert response.status_code == expected, (route, name, response.text[:200])
        if expected in (403, 404) and route.startswith("/me/submissions"):
            assert "a1.ipynb" not in response.text


async def test_a_student_downloads_their_own_notebook_and_no_one_elses(served):
    for student in ("s001", "s002"):
        async with served.client(student) as client:
            response = await client.get("/me/a1/notebook")
        assert response.content == release_path(served.course, "a1", student).read_bytes()
        assert response.headers["content-disposition"].startswith("attachment")


async def test_pages_show_a_student_only_their_own_uploads(served, uploaded):
    async with served.client("s002") as client:
        for path in ("/me", "/me/a1"):
            page = await client.get(path)
            assert f"/me/submissions/{uploaded}" not in page.text and "Nothing uploaded yet" in (await client.get("/me/a1")).text
        listed = (await client.get("/api/assignments")).json()["assignments"]
        assert listed[0]["latest"] is None
    async with served.client("s001") as client:
        assert f"/me/submissions/{uploaded}" in (await client.get("/me/a1")).text
        assert (await client.get("/api/assignments")).json()["assignments"][0]["latest"]["id"] == uploaded


async def test_staff_cannot_upload_and_a_student_cannot_upload_for_an_assignment_not_released_to_them(served, uploaded):
    async with served.client(TA, staff_role="ta") as client:
        assert (await upload(client, served.notebook("s001"))).status_code == 403
    async with served.client() as client:
        assert (await upload(client, served.notebook("s001"), csrf="")).status_code == 401


async def test_the_dashboard_has_a_row_per_roster_student_and_counts(served, uploaded):
    served.service.worker.drain()
    async with served.client("prof@example.edu", staff_role="instructor") as client:
        page = (await client.get("/staff/a1")).text
    for student in ("s001", "s002", "s003"):
        assert f"<td>{student}</td>" in page
    assert "<dt>submitted</dt><dd>1</dd>" in page and "<dt>graded</dt><dd>1</dd>" in page
    assert "<dt>not submitted</dt><dd>2</dd>" in page and "1.5 / 2" in page
    assert "Mean 75%, median 75%" in page  # the report's headline figures
    band = re.search(r'<th scope="row">70–79%</th><td class="num">(\d+)</td>', page)
    assert band is not None and band.group(1) == "1"
    assert re.findall(r'<td class="num">(\d+)</td><td><meter', page) == ["0"] * 7 + ["1"] + ["0"] * 2


async def test_a_broken_course_file_is_a_500_that_shows_no_server_path_and_is_logged(served, caplog):
    toml = served.course.root / "assignments" / "a1" / "assignment.toml"
    toml.write_text(toml.read_text().replace('title = "Small"', 'titel = "Small"'))
    async with served.client("s001") as client:
        page = await client.get("/me")
        api = await client.get("/api/assignments")
    assert page.status_code == api.status_code == 500
    assert "tell your instructor" in page.text and "tell your instructor" in api.json()["error"]
    assert str(served.course.root) not in page.text + api.text
    assert "titel" in caplog.text  # the instructor finds it in the server's log


def test_the_dashboards_bands_are_the_reports_ten_point_bands_with_100_in_the_last():
    from grader.web.dashboard import bands

    got = {b.label: b.count for b in bands([0.0, 0.0999, 0.1, 0.7, 0.95, 1.0])}
    assert got == {"0–9%": 2, "10–19%": 1, "20–29%": 0, "30–39%": 0, "40–49%": 0, "50–59%": 0, "60–69%": 0,
                   "70–79%": 1, "80–89%": 0, "90–100%": 2}
