"""The student's side of the API: hand a notebook in to ``autograde serve`` from anywhere (no web framework here)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import httpx

from grader.errors import SubmissionError
from grader.notebook.read import read_submission_bytes
from grader.outcomes import RunStatus, ValidationStatus
from grader.submit import ProblemCheck, ValidationReport

__all__ = ["RemoteReceipt", "submit_remote"]

_MAX_BYTES = 200_000_000  # the server says its own limit; this only keeps a wrong file from being read whole


@dataclass(frozen=True)
class RemoteReceipt:
    id: int
    status: str
    late: bool
    note: str
    url: str
    report: ValidationReport | None   # None: the course's policy is a bare receipt


def submit_remote(server: str, token: str, assignment: str, notebook: Path, timeout: float = 120.0) -> RemoteReceipt:
    """POST the notebook to the service; SubmissionError with the server's own one-line reason when refused."""
    data = read_submission_bytes(Path(notebook), _MAX_BYTES)
    base = server.rstrip("/")
    try:
        response = httpx.post(f"{base}/api/assignments/{assignment}/submissions", timeout=timeout,
                              headers={"authorization": f"Bearer {token}"},
                              files={"notebook": (Path(notebook).name, data, "application/x-ipynb+json")})
    except httpx.HTTPError as exc:
        raise SubmissionError(f"{base}: cannot reach the server ({exc})") from None
    try:
        body = response.json()
    except ValueError:
        raise SubmissionError(f"{base}: the server answered HTTP {response.status_code}, not the API's JSON") from None
    if response.status_code != 202:
        raise SubmissionError(f"{base}: refused (HTTP {response.status_code}): {body.get('error', 'no reason given')}")
    return RemoteReceipt(body["id"], body["status"], bool(body.get("late")), body.get("note", ""),
                         f"{base}/me/submissions/{body['id']}", _report(body, notebook))


def _report(body: dict, notebook: Path) -> ValidationReport | None:
    found = body.get("validation")
    if not isinstance(found, dict):
        return None
    report = ValidationReport(str(notebook), str(body.get("assignment", "")), str(body.get("student_id", "")),
                              run_status=RunStatus(str(found.get("run_status", "ok"))), run_reason=str(found.get("run_reason", "")),
                              errors=[str(e) for e in found.get("errors", [])])
    report.problems = [ProblemCheck(str(p.get("problem_id")), ValidationStatus(str(p.get("status"))), [str(m) for m in p.get("messages", [])])
                       for p in found.get("problems", []) if isinstance(p, dict)]
    return report
