"""The instructor's downloads in the service: the report and the exports of one assignment, as
``autograde report`` and ``autograde export`` write them (the same functions, the same files)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route

from grader.assignment import assignment_names
from grader.errors import UploadError
from grader.report.export import SUFFIX, ExportFormat, export
from grader.service_tables import PrincipalKind
from grader.web.pages import page
from grader.web.service import require, service_of

__all__ = ["REPORT_CSP", "routes"]

REPORT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; "
              "form-action 'none'")
"""The report is self-contained (inline stylesheet, plots as data: PNGs) and runs no script."""


def _assignment(request: Request) -> str:
    require(request, kind=PrincipalKind.STAFF)
    name = request.path_params["assignment"]
    if name not in assignment_names(service_of(request).course):
        raise UploadError(404, f"there is no assignment {name!r}")
    return name


@page
async def report(request: Request) -> Response:
    name = _assignment(request)
    from grader.report.report import write_report  # matplotlib is slow to import: only this page needs it

    written = await run_in_threadpool(write_report, service_of(request).course, name)
    return HTMLResponse(written.path.read_text(encoding="utf-8"), headers={"content-security-policy": REPORT_CSP})


@page
async def download(request: Request) -> Response:
    name = _assignment(request)
    try:
        fmt = ExportFormat(request.path_params["format"])
    except ValueError:
        raise UploadError(404, "exports are csv, canvas or json") from None
    written = await run_in_threadpool(export, service_of(request).course, name, fmt)
    media = "application/json" if fmt is ExportFormat.json else "text/csv"
    return FileResponse(written.path, media_type=media, filename=f"{name}{SUFFIX[fmt]}")


def routes() -> list[Route]:
    return [Route("/staff/{assignment}/report", report), Route("/staff/{assignment}/export/{format}", download)]
