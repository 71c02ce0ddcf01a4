"""Uploads: a good one filed as `submit` files it and queued; each bad one refused with its status and a clear message."""

from __future__ import annotations

import json

import nbformat
import pytest

from grader.generate import generate
from tests.conftest import SMALL_ASSIGNMENT
from tests.web.conftest import upload

pytestmark = pytest.mark.anyio


async def test_an_upload_is_validated_at_once_filed_under_submitted_and_queued(served):
    nb = served.notebook("s001", {"q1": "q1_out_channels = 12345\nq1_out_size = [1, 2, 3, 4]", "q3": "Shared weights."})
    async with served.client("s001") as client:
        response = await upload(client, nb)
        assert response.status_code == 202, response.text
        body = response.json()
        assert body["status"] == "queued" and body["student_id"] == "s001" and body["assignment"] == "a1"
        problems = {p["problem_id"]: p["status"] for p in body["validation"]["problems"]}
        assert problems == {"q1": "wrong_form", "q2": "missing", "q3": "pending"}
        filed = list(served.course.folder("submitted").glob("s001/a1/*/a1.ipynb"))
        assert len(filed) == 1 and filed[0].read_bytes() == nb
        page = await upload(client, nb, api=False)  # the page's form: redirected to the upload's own page
        assert page.status_code == 303
        shown = await client.get(page.headers["location"])
        assert shown.status_code == 200 and "malformed" in shown.text and "missing" in shown.text
        assert "check again</a>" in shown.text and 'http-equiv="refresh"' not in shown.text  # a timed refresh fails WCAG 2.2.1
    assert len(list(served.course.folder("submitted").glob("s001/a1/*/a1.ipynb"))) == 2


@pytest.fixture
def two_assignments(released):
    course = released(limits="submission_mb = 1\n", config_extra="[web]\nuploads_per_hour = 3\n")
    (course.root / "assignments" / "a2").mkdir()
    (course.root / "assignments" / "a2" / "assignment.toml").write_text(SMALL_ASSIGNMENT)
    (course.root / "assignments" / "hidden").mkdir()
    (course.root / "assignments" / "hidden" / "assignment.toml").write_text(SMALL_ASSIGNMENT)
    generate(course, "a2")
    return course


@pytest.fixture
def strict(two_assignments, served_for):
    return served_for(two_assignments)


@pytest.fixture
def served_for():
    from grader.web import create_app
    from tests.web.conftest import FakeGrading, Served

    def make(course):
        grading = FakeGrading()
        return Served(course, grading, create_app(course, executor="fork", grade=grading, worker=False))

    return make


async def _stream(chunks: int, size: int):
    yield b'--b\r\nContent-Disposition: form-data; name="notebook"; filename="a1.ipynb"\r\n\r\n'
    for _ in range(chunks):
        yield b" " * size


async def _refused(client, data, status, says, **kw):
    response = await upload(client, data, **kw)
    assert response.status_code == status, response.text
    assert says in response.json()["error"]


async def test_each_bad_upload_gets_its_status_and_a_clear_message_and_nothing_is_filed(strict):
    nb = strict.notebook("s001")
    async with strict.client("s001") as client:
        await _refused(client, b"x" * 1_200_000, 413, "larger than the 1 MB limit")
        await _refused(client, b"x" * 1_000_001, 413, "larger than the 1 MB limit")  # within the header's slack: read, then refused
        chunked = await client.post("/api/assignments/a1/submissions", headers={
            "x-csrf-token": client.csrf, "content-type": "multipart/form-data; boundary=b"},
            content=_stream(20, 200_000))  # no length said: 4 MB streamed
        assert chunked.status_code == 413 and chunked.json()["error"] == "the upload is larger than the 1 MB limit"  # stopped while streaming
        assert "content-length" not in chunked.request.headers
        await _refused(client, b"\x89PNG\r\n", 415, "not a notebook")
        await _refused(client, json.dumps({"cells": []}).encode(), 415, "not a notebook")
        await _refused(client, nbformat.writes(nbformat.v4.new_notebook()).encode(), 415, "not an autograde notebook")
        other = nbformat.v4.new_notebook(metadata={"autograde": {"assignment": "a1"}})  # a record without problems
        await _refused(client, nbformat.writes(other).encode(), 415, "not an autograde notebook")
        await _refused(client, nb, 404, "no assignment 'nope'", assignment="nope")
        await _refused(client, nb, 404, "no assignment 'hidden'", assignment="hidden")  # exists, not released
        await _refused(client, nb, 400, "belongs to assignment 'a1', not 'a2'", assignment="a2")
        await _refused(client, strict.notebook("s002"), 403, "released to s002")
        not_multipart = await client.post("/api/assignments/a1/submissions", content=nb, headers={"x-csrf-token": client.csrf})
        assert not_multipart.status_code == 415 and "multipart/form-data" in not_multipart.json()["error"]
        no_file = await client.post("/api/assignments/a1/submissions", files={"other": ("x.txt", b"1")}, headers={"x-csrf-token": client.csrf})
        assert no_file.status_code == 400 and "no file in the field 'notebook'" in no_file.json()["error"]
    assert not strict.course.folder("submitted").exists() or not list(strict.course.folder("submitted").rglob("*.ipynb"))


async def test_a_student_past_the_upload_rate_gets_429_on_the_page_and_the_api(strict, served_for):
    async with strict.client("s001") as client:
        for _ in range(3):
            assert (await upload(client, strict.notebook("s001"))).status_code == 202
        await _refused(client, strict.notebook("s001"), 429, "too many uploads")
        page = await upload(client, strict.notebook("s001"), api=False)
        assert page.status_code == 429 and "too many uploads" in page.text and 'role="alert"' in page.text
    async with strict.client("s002") as client:  # the limit is per student
        assert (await upload(client, strict.notebook("s002"))).status_code == 202
    restarted = served_for(strict.course)  # counted in the database: a restart does not reset it
    async with restarted.client("s001") as client:
        await _refused(client, strict.notebook("s001"), 429, "too many uploads")


async def test_an_upload_after_the_cutoff_is_kept_and_marked_not_graded(released, served_for):
    course = released()
    toml = course.root / "assignments" / "a1" / "assignment.toml"
    toml.write_text(toml.read_text().replace("due = 2030-01-31T23:59:00Z", "due = 2020-01-01T00:00:00Z"))
    served = served_for(course)
    async with served.client("s001") as client:
        response = await upload(client, served.notebook("s001"))
        assert response.status_code == 202
        body = response.json()
        assert body["status"] == "after_cutoff" and body["late"] and "after the cutoff" in body["note"]
        assert served.service.worker.drain() == 0 and not served.grading.graded
        page = await client.get(f"/me/submissions/{body['id']}")
        assert "after the cutoff" in page.text and 'http-equiv="refresh"' not in page.text
    assert len(list(course.folder("submitted").glob("s001/a1/*/a1.ipynb"))) == 1


async def test_a_students_own_extension_is_the_due_date_their_pages_show_and_their_uploads_are_judged_by(released, served_for):
    from grader.config import load_course

    course = released()
    toml = course.root / "assignments" / "a1" / "assignment.toml"
    toml.write_text(toml.read_text().replace("due = 2030-01-31T23:59:00Z", "due = 2020-01-31T23:59:00Z"))
    course.config_path.write_text('extensions = "extensions.csv"\n' + course.config_path.read_text())
    (course.root / "extensions.csv").write_text("student_id,assignment,due,cutoff\ns001,a1,2030-02-05,\n")
    served = served_for(load_course(course.root))
    async with served.client("s001") as client:
        assert "2030-02-05 23:59 UTC (your extension)" in (await client.get("/me")).text
        assert "2030-02-05 23:59 UTC (your extension)" in (await client.get("/me/a1")).text
        listed = (await client.get("/api/assignments")).json()["assignments"][0]
        assert listed["due"] == "2030-02-05 23:59 UTC" and listed["extended"] is True
        on_time = (await upload(client, served.notebook("s001"))).json()
        assert on_time["status"] == "queued" and not on_time["late"]
    async with served.client("s002") as client:
        page = (await client.get("/me")).text
        assert "2020-01-31 23:59 UTC" in page and "extension" not in page
        past = (await upload(client, served.notebook("s002"))).json()
        assert past["status"] == "after_cutoff" and past["late"]
