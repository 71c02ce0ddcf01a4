"""Pages in a real browser: Playwright's Python API driving Debian's ``chromium`` (never a browser of
Playwright's own), and axe-core (from npm) judging a page's accessibility.

Every test here is marked ``browser`` and is skipped, saying why, where Playwright, chromium or
axe-core is missing; ``.ci/run`` installs all three. Where they are found:

- chromium: ``$AUTOGRADE_CHROMIUM``, else ``chromium`` or ``chromium-browser`` on the PATH;
- axe-core: ``$AUTOGRADE_AXE_JS`` (the file ``axe.min.js``), else the npm cache ``.ci/run`` fills,
  ``${XDG_CACHE_HOME:-~/.cache}/autograde-npm/node_modules/axe-core/axe.min.js``.

Screenshots go to ``.ci/artifacts/`` (gitignored; CI keeps them) through :func:`screenshot`.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / ".ci" / "artifacts"
NPM_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "autograde-npm"
BLOCKING = ("serious", "critical")
"""axe impacts a page may not have."""


def pytest_collection_modifyitems(items) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


def chromium_path() -> str | None:
    return os.environ.get("AUTOGRADE_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def axe_path() -> Path:
    return Path(os.environ.get("AUTOGRADE_AXE_JS") or NPM_CACHE / "node_modules" / "axe-core" / "axe.min.js")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """A headless Chromium (Debian's) under Playwright, for one test module: Playwright's sync API keeps an
    event loop of its own in this thread while it runs, which the anyio tests after it (tests/web) cannot share."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="no Playwright: pip install -e '.[browser]'")
    executable = chromium_path()
    if executable is None:
        pytest.skip("no chromium: apt-get install chromium (or set AUTOGRADE_CHROMIUM)")
    with sync_api.sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's own sandbox will not start
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox", "--disable-gpu"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser) -> Iterator[object]:
    """A fresh page (its own context: no cookies shared between tests), 1200 px wide."""
    context = browser.new_context(viewport={"width": 1200, "height": 1600})
    try:
        yield context.new_page()
    finally:
        context.close()


@dataclass(frozen=True)
class Violation:
    """One axe rule a page breaks: its id, impact, what it asks for, and the elements that break it."""

    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.impact}: {self.rule} ({self.help}) at {', '.join(self.targets[:5])}"


@pytest.fixture(scope="session")
def axe_source() -> str:
    path = axe_path()
    if not path.is_file():
        pytest.skip(f"no axe-core at {path}: npm install --prefix {NPM_CACHE} axe-core (or set AUTOGRADE_AXE_JS)")
    return path.read_text(encoding="utf-8")


@pytest.fixture
def axe(axe_source):
    """``axe(page)``: run axe-core on the page as it is now and return its violations (every impact).

    axe is evaluated through the DevTools protocol, not added as a <script>, so a page whose CSP
    forbids inline and foreign script (the service's) is checked as it is served."""
    def run(page) -> list[Violation]:
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.evaluate(f"() => {{ {axe_source}\n }}")
        found = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations.map("
                              "v => ({rule: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target.join(' '))}))")
        return [Violation(v["rule"], v["impact"] or "unknown", v["help"], tuple(v["targets"])) for v in found]

    return run


def blocking(violations: list[Violation]) -> list[str]:
    """The serious and critical violations, each as one readable line (an assertion's message)."""
    return [str(v) for v in violations if v.impact in BLOCKING]


def screenshot(page, name: str) -> Path:
    """The whole page as ``.ci/artifacts/<name>.png``, for a person (and CI's artefacts) to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
