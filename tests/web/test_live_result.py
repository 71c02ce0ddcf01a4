"""An upload's page follows it until it is graded without a reload: what the page and its one script hand the browser.

The script (grader/web/submission.js) reads the upload's status from the API and, once it is final,
the result part of the same page, which the server renders within the feedback policy
(tests/web/test_policy.py checks both routes); without JavaScript a link checks again.
The browser itself is driven in tests/browser/test_live_result.py.
"""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import SECRET_VALUE, upload

pytestmark = pytest.mark.anyio


async def test_a_queued_uploads_page_carries_the_script_and_offers_a_link_without_it(served):
    async with served.client("s001") as client:
        sid = (await upload(client, served.notebook("s001"))).json()["id"]
        waiting = (await client.get(f"/me/submissions/{sid}")).text
        assert f'<div data-submission="{sid}">' in waiting and "<strong data-status>queued</strong>" in waiting
        assert re.findall(r"<script[^>]*>", waiting) == ['<script src="/static/submission.js" defer>']  # none inline
        assert "check again</a>" in waiting and "http-equiv" not in waiting  # without script, a link: a timed refresh fails WCAG 2.2.1
        assert (await client.get(f"/api/submissions/{sid}")).json()["status"] == "queued"  # what the script polls

        served.service.worker.drain()
        done = (await client.get(f"/me/submissions/{sid}")).text
        assert "<strong data-status>graded</strong>" in done and f'<div data-submission="{sid}">' in done
        assert "<script" not in done and "http-equiv" not in done  # nothing left to follow
        assert (await client.get(f"/api/submissions/{sid}")).json()["status"] == "graded"
        assert str(SECRET_VALUE) not in done and "Score:" not in done  # the default policy, validity


async def test_the_script_is_a_file_of_the_site_under_the_same_headers(served):
    async with served.client() as client:  # a static file: served to anyone, as the stylesheet is
        response = await client.get("/static/submission.js")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/javascript")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    body = response.text
    assert '"/api/submissions/"' in body and 'credentials: "same-origin"' in body  # its own origin, with the session
    assert "innerHTML" not in body and "eval(" not in body  # the page's part is parsed by DOMParser, never run


async def test_the_dashboard_carries_its_pausable_script_and_a_refresh_link_without_it(served):
    async with served.client("prof@example.edu", staff_role="instructor") as client:
        page = (await client.get("/staff/a1")).text
        script = await client.get("/static/dashboard.js")
        unknown = await client.get("/static/nothing.js")
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/static/dashboard.js" defer>']  # none inline
    assert "<div data-board>" in page and '<a href="/staff/a1">Refresh</a>' in page
    assert '<button type="button" data-live aria-pressed="false" hidden>' in page  # shown by the script only
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert "aria-pressed" in script.text and "innerHTML" not in script.text and "eval(" not in script.text
    assert unknown.status_code == 404
