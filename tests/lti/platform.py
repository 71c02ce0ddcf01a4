"""A simulated LMS platform for the LTI tests: its own RSA key and JWKS, OIDC authorization (it signs
id_tokens), an OAuth 2 token endpoint checking the tool's client assertion against the tool's JWKS,
and AGS (line items, scores) and NRPS (memberships) endpoints, with failures on demand.

It answers ``httpx.Request``s in process (``httpx.MockTransport(platform.handle)``): the tool's code
is the same ``httpx.Client`` it uses against a real LMS, only the transport differs; no port is
opened on the shared machine, and a failure (a 503, a timeout, an expired token) is injected exactly.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey
from joserfc.jwt import JWTClaimsRegistry

from grader.lti import claims as c

ISSUER = "https://lms.example.edu"
CLIENT_ID = "10000000000042"
DEPLOYMENT = "7:deployment"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


def platform_toml(name: str = "lms", issuer: str = ISSUER, client_id: str = CLIENT_ID, roster_sync: bool = False) -> str:
    return (f"[lti]\nroster_sync = {str(roster_sync).lower()}\n[lti.platforms.{name}]\nissuer = \"{issuer}\"\n"
            f"client_id = \"{client_id}\"\ndeployment_ids = [\"{DEPLOYMENT}\"]\nauth_login_url = \"{issuer}/auth\"\n"
            f"auth_token_url = \"{issuer}/token\"\njwks_url = \"{issuer}/jwks\"\n"
            f"frame_origins = [\"https://school.example.edu\"]\n")


@dataclass
class Member:
    user_id: str
    name: str = ""
    email: str = ""
    roles: tuple[str, ...] = (LEARNER,)
    status: str = "Active"
    sis_id: str = ""


@dataclass
class Platform:
    tool_jwks: dict = field(default_factory=dict)   # what the admin registered: the tool's public keys
    issuer: str = ISSUER
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, auto_kid=True))
    lineitems: dict[str, dict[str, dict]] = field(default_factory=dict)   # context -> line item URL -> line item
    scores: list[tuple[str, dict]] = field(default_factory=list)          # (line item URL, score) as received
    members: dict[str, list[Member]] = field(default_factory=dict)        # context -> members
    fail: list[int | str] = field(default_factory=list)                   # next answers to service calls: 503, "timeout"
    tokens: dict[str, float] = field(default_factory=dict)               # access token -> expiry
    token_requests: int = 0
    page_size: int = 2

    # -- the OIDC side ---------------------------------------------------------------------------
    def id_token(self, nonce: str, sub: str = "sub-s001", roles: tuple[str, ...] = (LEARNER,), context: str = "course-1",
                 key: RSAKey | None = None, **override) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "azp": CLIENT_ID, "sub": sub, "iat": now, "exp": now + 300,
                  "nonce": nonce, "name": f"Name of {sub}", "email": f"{sub}@example.edu",
                  c.MESSAGE_TYPE: c.MessageType.RESOURCE_LINK.value, c.VERSION: "1.3.0", c.DEPLOYMENT_ID: DEPLOYMENT,
                  c.TARGET_LINK_URI: "https://tool.example.edu/lti/launch", c.ROLES: list(roles),
                  c.RESOURCE_LINK: {"id": "link-1"}, c.CONTEXT: {"id": context, "title": f"LMS {context}"},
                  c.CUSTOM: {"assignment": "a1"},
                  c.AGS_CLAIM: {"scope": c.SCOPES[:3], "lineitems": f"{self.issuer}/{context}/lineitems"},
                  c.NRPS_CLAIM: {"context_memberships_url": f"{self.issuer}/{context}/memberships",
                                 "service_versions": ["2.0"]}}
        claims.update(override)
        claims = {k: v for k, v in claims.items() if v is not None}
        signer = key or self.key
        return jwt.encode({"alg": "RS256", "kid": signer.kid}, claims, signer)

    # -- the services ----------------------------------------------------------------------------
    def handle(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url).split("?")[0]
        path = urlsplit(url).path
        if path == "/jwks":
            return httpx.Response(200, json=KeySet([self.key]).as_dict(private=False))
        if self.fail:
            failure = self.fail.pop(0)
            if failure == "timeout":
                raise httpx.ReadTimeout("simulated timeout", request=request)
            return httpx.Response(int(failure), text="simulated failure")
        if path == "/token":
            return self._token(request)
        if not self._authorized(request):
            return httpx.Response(401, json={"error": "invalid_token"})
        context = path.split("/")[1]
        if path.endswith("/lineitems") and request.method == "GET":
            wanted = parse_qs(urlsplit(str(request.url)).query).get("resource_id", [None])[0]
            found = [i for i in self.lineitems.get(context, {}).values() if wanted in (None, i.get("resourceId"))]
            return httpx.Response(200, json=found, headers={"content-type": c.LINEITEMS_MEDIA})
        if path.endswith("/lineitems") and request.method == "POST":
            assert request.headers["content-type"] == c.LINEITEM_MEDIA
            item = json.loads(request.content)
            item["id"] = f"{self.issuer}/{context}/lineitems/{len(self.lineitems.get(context, {})) + 1}"
            self.lineitems.setdefault(context, {})[item["id"]] = item
            return httpx.Response(201, json=item, headers={"content-type": c.LINEITEM_MEDIA})
        if path.endswith("/scores") and request.method == "POST":
            assert request.headers["content-type"] == c.SCORE_MEDIA
            self.scores.append((url.removesuffix("/scores"), json.loads(request.content)))
            return httpx.Response(200)
        if path.endswith("/memberships"):
            return self._memberships(request, context)
        return httpx.Response(404)

    def _token(self, request: httpx.Request) -> httpx.Response:
        self.token_requests += 1
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        assert form["grant_type"] == "client_credentials"
        assert form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        try:
            token = jwt.decode(form["client_assertion"], KeySet.import_key_set(self.tool_jwks), algorithms=["RS256"])
            JWTClaimsRegistry(iss={"essential": True, "value": CLIENT_ID}, sub={"essential": True, "value": CLIENT_ID},
                              aud={"essential": True, "value": f"{self.issuer}/token"}, exp={"essential": True},
                              jti={"essential": True}).validate(token.claims)
        except JoseError as exc:
            return httpx.Response(401, json={"error": "invalid_client", "error_description": str(exc)})
        access = secrets.token_urlsafe(16)
        self.tokens[access] = time.time() + 3600
        return httpx.Response(200, json={"access_token": access, "token_type": "Bearer", "expires_in": 3600,
                                         "scope": form.get("scope", "")})

    def expire_tokens(self) -> None:
        self.tokens = {t: 0.0 for t in self.tokens}

    def _authorized(self, request: httpx.Request) -> bool:
        header = request.headers.get("authorization", "")
        return header.startswith("Bearer ") and self.tokens.get(header[7:], 0) > time.time()

    def _memberships(self, request: httpx.Request, context: str) -> httpx.Response:
        offset = int(parse_qs(urlsplit(str(request.url)).query).get("offset", ["0"])[0])
        everyone = self.members.get(context, [])
        page = everyone[offset:offset + self.page_size]
        headers = {"content-type": c.MEMBERSHIPS_MEDIA}
        if offset + self.page_size < len(everyone):
            headers["link"] = f'<{self.issuer}/{context}/memberships?offset={offset + self.page_size}>; rel="next"'
        body = {"id": str(request.url), "context": {"id": context},
                "members": [{"user_id": m.user_id, "name": m.name, "email": m.email, "roles": list(m.roles),
                             "status": m.status, **({"lis_person_sourcedid": m.sis_id} if m.sis_id else {})} for m in page]}
        return httpx.Response(200, json=body, headers=headers)
