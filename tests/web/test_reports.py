"""The instructor's report and export downloads in the service: staff only, as the CLI writes them."""

from __future__ import annotations

import csv
import io

import pytest

from tests.web.conftest import upload

pytestmark = pytest.mark.anyio


async def test_staff_get_the_report_and_every_export_and_nobody_else_does(served):
    async with served.client("s001") as client:
        assert (await upload(client, served.notebook("s001"))).status_code == 202
    served.service.worker.drain()
    async with served.client("ta@example.edu", staff_role="ta") as ta:
        board = (await ta.get("/staff/a1")).text
        assert 'href="/staff/a1/report"' in board and 'href="/staff/a1/export/csv"' in board
        report = await ta.get("/staff/a1/report")
        assert report.status_code == 200 and "instructor report" in report.text and "<img" in report.text
        csp = report.headers["content-security-policy"]
        assert "script" not in csp and "img-src data:" in csp and "frame-ancestors 'none'" in csp
        exported = await ta.get("/staff/a1/export/csv")
        assert exported.status_code == 200 and 'filename="a1.csv"' in exported.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))  # a BOM, for Excel
        assert [r["student_id"] for r in rows] == ["s001", "s002", "s003"] and rows[1]["status"] == "missing"
        assert exported.content == (served.course.folder("exports") / "a1.csv").read_bytes()  # the CLI's own file
        assert (await ta.get("/staff/a1/export/json")).json()
        assert (await ta.get("/staff/a1/export/canvas")).status_code == 200
        assert (await ta.get("/staff/a1/export/xlsx")).status_code == 404
        assert (await ta.get("/staff/nope/report")).status_code == 404
    async with served.client("s001") as student, served.client() as nobody:
        for path in ("/staff/a1/report", "/staff/a1/export/csv"):
            assert (await student.get(path)).status_code == 403
            assert (await nobody.get(path)).status_code == 401
