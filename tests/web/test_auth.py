"""Sign-in links, sessions, bearer tokens, CSRF and the security headers."""

from __future__ import annotations

import base64
import logging

import httpx
import pytest

from grader.service_tables import PrincipalKind
from grader.web.auth import revoke
from tests.web.conftest import upload

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("database")]  # on SQLite and on PostgreSQL

HEADERS = {
    "content-security-policy": "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}


async def test_a_sign_in_link_sets_a_private_session_and_redirects_the_token_out_of_the_address_bar(served):
    async with served.client() as client:
        response = await client.get(f"/signin/{served.link(PrincipalKind.STUDENT, 's001')}")
        assert response.status_code == 303 and response.headers["location"] == "/me"
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
        page = await client.get("/me")
        assert page.status_code == 200 and "s001" in page.text and "Small" in page.text
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=served.app), base_url="https://testserver") as tls:
        response = await tls.get(f"/signin/{served.link(PrincipalKind.STUDENT, 's001')}")
        assert "secure" in response.headers["set-cookie"].lower()


async def test_forged_expired_and_revoked_links_are_refused_with_401(served):
    link = served.link(PrincipalKind.STUDENT, "s001")
    assert len(base64.urlsafe_b64decode(link.rsplit(".", 1)[1] + "=")) == 32  # an HMAC-SHA256 signature
    async with served.client() as client:
        assert (await client.get(f"/signin/{link[:-2]}xx")).status_code == 401
        assert (await client.get(f"/signin/{link}")).status_code == 303  # a session from the link
        revoke(served.service.book.engine, PrincipalKind.STUDENT, "s001")
        refused = await client.get(f"/signin/{link}")
        assert refused.status_code == 401 and "revoked" in refused.text
        assert (await client.get("/me")).status_code == 401  # the session made from it is dead too
        fresh = served.link(PrincipalKind.STUDENT, "s001")
        assert (await client.get(f"/signin/{fresh}")).status_code == 303
        served.service.signer.max_age = -1
        expired = await client.get(f"/signin/{fresh}")
        assert expired.status_code == 401 and "expired" in expired.text


async def test_the_same_token_works_as_a_bearer_on_the_api_and_needs_no_csrf(served):
    token = served.link(PrincipalKind.STUDENT, "s002")
    async with served.client() as client:
        client.headers["authorization"] = f"Bearer {token}"
        listed = await client.get("/api/assignments")
        assert listed.status_code == 200 and [a["name"] for a in listed.json()["assignments"]] == ["a1"]
        accepted = await upload(client, served.notebook("s002"), csrf="")
        assert accepted.status_code == 202, accepted.text
        client.headers["authorization"] = "Bearer nonsense"
        assert (await client.get("/api/assignments")).status_code == 401


async def test_every_form_and_cookie_api_call_is_refused_without_the_sessions_csrf_token(served):
    async with served.client("s001") as client:
        nb = served.notebook("s001")
        for api in (True, False):
            for token in ("", "wrong-token"):
                refused = await upload(client, nb, api=api, csrf=token)
                assert refused.status_code == 403 and "did not come from this site" in refused.text
        assert (await client.post("/signout", data={"csrf": ""})).status_code == 403
        assert (await client.get("/me")).status_code == 200  # still signed in
        other = served.client("s002")  # another session's token is no good either
        assert (await upload(client, nb, api=False, csrf=other.csrf)).status_code == 403
        await other.aclose()
        out = await client.post("/signout", data={"csrf": client.csrf})
        assert out.status_code == 303 and 'autograde_session=""' in out.headers["set-cookie"]
    assert not list(served.course.folder("submitted").glob("*/a1/*/a1.ipynb"))  # nothing was filed


@pytest.mark.parametrize("path", ["/", "/me", "/me/a1", "/me/a1/notebook", "/me/nope", "/staff", "/staff/a1",
                                  "/static/style.css", "/api/assignments", "/no/such/page", "/signin/bad"])
async def test_every_response_carries_the_security_headers(served, path):
    for who in (None, "s001"):
        async with served.client(who) as client:
            response = await client.get(path)
            for name, value in HEADERS.items():
                assert response.headers.get(name) == value, (path, who, name)


async def test_the_stylesheet_is_the_feedback_pages_own_served_as_a_file(served):
    async with served.client() as client:
        css = await client.get("/static/style.css")
    assert css.headers["content-type"].startswith("text/css")
    assert ".ag-result.ag-full" in css.text and "nav.ag-nav" in css.text and "{{" not in css.text


async def test_a_sign_in_token_is_never_logged(served, caplog):
    token = served.link(PrincipalKind.STUDENT, "s001")
    with caplog.at_level(logging.INFO, logger="autograde.web"):
        async with served.client() as client:
            await client.get(f"/signin/{token}")
            await client.get(f"/signin/{token}x")
    assert "/signin/[token] 303" in caplog.text and "/signin/[token] 401" in caplog.text
    assert token not in caplog.text and token[:20] not in caplog.text


def test_serve_runs_uvicorn_without_its_access_log_which_would_print_tokens(released, monkeypatch):
    import uvicorn
    from typer.testing import CliRunner

    from grader.cli import app as cli

    course = released()
    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(kw, app=app))
    done = CliRunner().invoke(cli, ["serve", "--port", "8123", "--course", str(course.root)])
    assert done.exit_code == 0, done.output
    seen["app"].state.service.book.close()  # never served: its lifespan, which closes it, never ran
    assert seen["access_log"] is False and seen["host"] == "127.0.0.1" and seen["port"] == 8123
