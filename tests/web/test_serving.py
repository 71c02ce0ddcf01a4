"""How ``autograde serve`` runs: the demo's sign-in links, and the session cookie behind a TLS reverse proxy."""

from __future__ import annotations

import re

import httpx
import pytest
from typer.testing import CliRunner

from grader.cli import app as cli
from grader.service_tables import PrincipalKind
from grader.web import create_app
from grader.web.links import DEMO_INSTRUCTOR, demo_links
from grader.web.server import server_options
from tests.web.conftest import FakeGrading

pytestmark = pytest.mark.anyio


async def _follow(app, url: str, base: str = "http://127.0.0.1:8000") -> tuple[httpx.Response, httpx.Response]:
    """Open a sign-in link, then the page it redirects to, with the cookie it set."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base) as client:
        signed = await client.get(url.removeprefix(base))
        return signed, await client.get(signed.headers["location"])


async def test_the_demo_links_sign_in_two_students_and_the_instructor(released):
    course = released()
    links = demo_links(course, "http://127.0.0.1:8000")
    assert [(x.who, x.role) for x in links] == [("s001", "student"), ("s002", "student"), (DEMO_INSTRUCTOR, "instructor")]
    app = create_app(course, grade=FakeGrading(), worker=False)
    for found, home, says in zip(links, ("/me", "/me", "/staff"), ("s001", "s002", "a1"), strict=True):
        signed, page = await _follow(app, found.url)
        assert signed.status_code == 303 and signed.headers["location"] == home
        assert page.status_code == 200 and says in page.text and "Signed in as" in page.text


async def test_serve_demo_builds_the_demo_prints_three_links_and_serves_them(released, monkeypatch):
    """The command's wiring, with the demo's builder and the server itself replaced at their seams:
    the real demo grades in kernels (make demo; the slow suite's test_demo), the server would never return."""
    import uvicorn

    from grader import demo

    small = released()
    built, served = [], []
    monkeypatch.setattr(demo, "ROOT", small.root.parent)

    def build(folder):  # what demo.main leaves behind: a graded course folder at ``folder``
        built.append(folder)
        small.root.rename(folder)

    monkeypatch.setattr(demo, "main", build)
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.append((app, kw)))
    done = CliRunner().invoke(cli, ["serve", "--demo", "--port", "8123"])
    assert done.exit_code == 0, done.output
    assert built == [small.root.parent / "demo-run"] and len(served) == 1
    urls = re.findall(r"http://127\.0\.0\.1:8123/signin/\S+", done.stdout)
    assert len(urls) == 3 and "instructor" in done.stdout and "s002" in done.stdout
    app, options = served[0]
    assert options["port"] == 8123 and options["host"] == "127.0.0.1" and options["access_log"] is False
    for url, home in zip(urls, ("/me", "/me", "/staff"), strict=True):
        signed, page = await _follow(app, url, "http://127.0.0.1:8123")
        assert signed.headers["location"] == home and page.status_code == 200


async def _cookie_behind(app, client_ip: str, forwarded_allow_ips: str | None, proto: str = "https") -> str:
    """The Set-Cookie of a sign-in through uvicorn's configured app, as a proxy at ``client_ip`` forwards it."""
    import uvicorn

    config = uvicorn.Config(app, **server_options("127.0.0.1", 8000, forwarded_allow_ips))  # as uvicorn.run makes it
    config.load()  # wraps the app as uvicorn serves it (its proxy-headers middleware included)
    token = app.state.service.signer.link_token(PrincipalKind.STUDENT, "s001")
    transport = httpx.ASGITransport(app=config.loaded_app, client=(client_ip, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
        response = await client.get(f"/signin/{token}", headers={"x-forwarded-proto": proto, "x-forwarded-for": "203.0.113.9"})
    assert response.status_code == 303
    return response.headers["set-cookie"]


async def test_behind_an_https_proxy_the_session_cookie_is_secure(released, monkeypatch):
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    app = create_app(released(), grade=FakeGrading(), worker=False)
    cookie = await _cookie_behind(app, "127.0.0.1", None)  # a proxy on this machine: trusted by default
    assert "secure" in cookie.lower() and "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert "secure" not in (await _cookie_behind(app, "127.0.0.1", None, proto="http")).lower()
    # a proxy elsewhere is believed only once named; anyone else's X-Forwarded-Proto is not
    assert "secure" not in (await _cookie_behind(app, "10.0.0.5", None)).lower()
    assert "secure" in (await _cookie_behind(app, "10.0.0.5", "10.0.0.5")).lower()
    assert "secure" in (await _cookie_behind(app, "10.0.0.7", "10.0.0.0/24")).lower()


def test_the_documented_serve_options_exist():
    """docs/deploy.md's systemd unit: every option of its ExecStart line is one serve takes."""
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "deploy.md").read_text()
    command = next(line for line in doc.splitlines() if line.startswith("ExecStart="))
    used = re.findall(r"\s(--[a-z-]+)", command)
    assert command.split()[1:2] == ["serve"] and len(used) >= 4
    done = CliRunner().invoke(cli, ["serve", "--help"], env={"COLUMNS": "200"})
    for option in used:
        assert option in done.stdout, option
    parsed = CliRunner().invoke(cli, ["serve", *command.split()[2:], "--port", "0"])
    assert parsed.exit_code == 2 and "--port" in parsed.output  # the options parse (a bad port is refused after them)
