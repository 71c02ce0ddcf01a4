"""``autograde serve``: the submission service (an ASGI app on Starlette), over the same functions as the CLI."""

from __future__ import annotations

from grader.web.app import create_app

__all__ = ["create_app"]
