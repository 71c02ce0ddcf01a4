"""How the service's pages look: its templates, rendered by the one Jinja environment of every page,
and the stylesheet every page shares, served as a file (the service's CSP allows no inline style or script)."""

from __future__ import annotations

import functools

from grader.templates import PACKAGE, STYLESHEET, environment

__all__ = ["SCRIPTS", "render", "stylesheet"]

WEB_CSS = PACKAGE / "web" / "web.css"
SCRIPTS = {  # the service's only scripts, served as files: small progressive enhancements, never needed
    "submission.js": PACKAGE / "web" / "submission.js",  # follows an upload until it is graded
    "dashboard.js": PACKAGE / "web" / "dashboard.js",    # keeps a dashboard current, pausable
}


def render(template: str, **context) -> str:
    return environment().get_template(f"web/templates/{template}").render(**context)


@functools.cache
def stylesheet() -> str:
    """The pages' shared stylesheet, then the service's few rules of its own."""
    return (PACKAGE / STYLESHEET).read_text(encoding="utf-8").strip() + "\n" + WEB_CSS.read_text(encoding="utf-8")
