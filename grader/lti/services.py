"""Calls to a platform's LTI Advantage services, authorized by OAuth 2's client-credentials grant.

The tool proves who it is with a JWT signed by its own key (``private_key_jwt``, RFC 7523), and
gets a bearer token for the scopes it needs, kept until shortly before it expires. A call answered
401 gets a fresh token and is tried once more (the token expired early). Failures are an
:class:`~grader.errors.LtiError` whose ``retry`` says whether trying later may help: a timeout, a
5xx or a 429 may pass; any other 4xx will not until someone changes the registration.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable

import httpx
from joserfc import jwt

from grader.config import Course
from grader.errors import LtiError
from grader.lti.keys import tool_key

__all__ = ["PlatformClient"]

_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
_EARLY_SECONDS = 60  # a token is renewed this long before the platform says it expires


class PlatformClient:
    """One platform's services as the tool calls them."""

    def __init__(self, course: Course, platform: str, http: httpx.Client, clock: Callable[[], float] = time.time):
        self.name, self.platform = platform, course.config.lti.platforms[platform]
        self.key, self.http, self.clock = tool_key(course.root), http, clock
        self._tokens: dict[tuple[str, ...], tuple[str, float]] = {}

    def token(self, scopes: tuple[str, ...]) -> str:
        kept = self._tokens.get(scopes)
        if kept and kept[1] > self.clock():
            return kept[0]
        now = int(self.clock())
        url = str(self.platform.auth_token_url)
        assertion = jwt.encode({"alg": "RS256", "kid": self.key.kid},
                               {"iss": self.platform.client_id, "sub": self.platform.client_id, "aud": url,
                                "iat": now, "exp": now + 300, "jti": secrets.token_urlsafe(16)}, self.key)
        form = {"grant_type": "client_credentials", "client_assertion_type": _ASSERTION_TYPE,
                "client_assertion": assertion, "scope": " ".join(scopes)}
        response = self._send("POST", url, data=form)
        if response.status_code >= 400:
            raise LtiError(f"{self.name}'s token endpoint refused the tool (HTTP {response.status_code}: "
                           f"{response.text[:200]}): check client_id and that the platform has the tool's public key URL")
        try:
            body = response.json()
            token, lifetime = str(body["access_token"]), int(body.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError):
            raise LtiError(f"{self.name}'s token endpoint answered without an access_token", retry=True) from None
        self._tokens[scopes] = (token, self.clock() + max(lifetime - _EARLY_SECONDS, 0))
        return token

    def call(self, method: str, url: str, scopes: tuple[str, ...], *, body: dict | None = None,
             content_type: str | None = None, accept: str | None = None) -> httpx.Response:
        """One service call with a bearer token; LtiError when the platform does not accept it."""
        for _ in range(2):
            headers = {"authorization": f"Bearer {self.token(scopes)}"}
            if content_type:
                headers["content-type"] = content_type
            if accept:
                headers["accept"] = accept
            response = self._send(method, url, headers=headers, content=None if body is None else json.dumps(body).encode())
            if response.status_code == 401:
                self._tokens.pop(scopes, None)  # expired or revoked early: one more try with a new one
                continue
            if response.status_code >= 400:
                raise LtiError(f"{self.name} refused {method} {url} (HTTP {response.status_code}: {response.text[:200]})",
                               retry=response.status_code >= 500 or response.status_code == 429)
            return response
        raise LtiError(f"{self.name} refused the tool's token twice for {method} {url}", retry=True)

    def _send(self, method: str, url: str, **kwargs) -> httpx.Response:
        try:
            response = self.http.request(method, url, timeout=20, **kwargs)
        except httpx.HTTPError as exc:
            raise LtiError(f"{self.name} did not answer {method} {url} ({type(exc).__name__}: {exc})", retry=True) from None
        if response.status_code >= 500 or response.status_code == 429:
            raise LtiError(f"{self.name} failed {method} {url} (HTTP {response.status_code})", retry=True)
        return response
