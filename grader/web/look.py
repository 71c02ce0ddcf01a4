"""How the service's pages look: its templates, and the feedback pages' stylesheet served as a file.

The one place templates are loaded and the stylesheet is found, so that a course-wide Jinja
environment and stylesheet can take over here alone.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

__all__ = ["render", "stylesheet"]

HERE = Path(__file__).parent
FEEDBACK_PAGE = HERE.parent / "report" / "feedback_page.html.j2"


@functools.cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                       undefined=StrictUndefined, keep_trailing_newline=True)


def render(template: str, **context) -> str:
    return _environment().get_template(template).render(**context)


@functools.cache
def stylesheet() -> str:
    """The feedback pages' own rules (their inline <style>, less its template expressions), then the service's few.

    Served as /static/style.css because the service's CSP allows no inline style.
    """
    found = re.search(r"<style>(.*?)</style>", FEEDBACK_PAGE.read_text(encoding="utf-8"), re.S)
    shared = re.sub(r"\{\{.*?\}\}", "", found.group(1)) if found else ""
    return shared.strip() + "\n" + (HERE / "web.css").read_text(encoding="utf-8")
