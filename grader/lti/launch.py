"""OIDC login initiation and the launch's id_token, checked as LTI 1.3 requires, into a typed :class:`Launch`.

A login starts here (the platform calls the tool's login URL): the tool records a state and a nonce
and sends the browser to the platform's authorization endpoint. The platform posts back an id_token;
it is accepted only when its issuer is a configured platform, it is signed by a key of that
platform's JWKS (RS256 only), its audience is the tool's client id (``azp`` too, when there are
several), it is neither expired nor issued in the future (a minute's leeway), its nonce is the one
issued with this state and is used once, and its deployment is one configured. Each refusal is an
UploadError with a status and a sentence, which the web turns into a page.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

import sqlalchemy as sa
from joserfc import jws, jwt
from joserfc.errors import BadSignatureError, ExpiredTokenError, InvalidKeyIdError, JoseError, MissingClaimError
from joserfc.jwt import ClaimsOption, JWTClaimsRegistry

from grader.errors import LtiError, UploadError
from grader.lti import claims as c
from grader.lti.config import LtiConfig, PlatformConfig
from grader.lti.keys import PlatformKeys
from grader.lti.tables import states

__all__ = ["LEEWAY_SECONDS", "STATE_MINUTES", "Launch", "begin_login", "check_launch"]

LEEWAY_SECONDS = 60   # clocks of the platform and the tool may differ this much
STATE_MINUTES = 10    # a login must come back within this time


@dataclass(frozen=True)
class Launch:
    """What a checked launch says: who, from which platform, LMS course and link, and with which services."""

    platform: str
    issuer: str
    deployment_id: str
    subject: str
    message_type: c.MessageType
    roles: tuple[str, ...] = ()
    name: str = ""
    email: str = ""
    sis_id: str = ""
    context_id: str = ""
    context_title: str = ""
    resource_link_id: str = ""
    assignment: str = ""                 # the custom parameter ``assignment`` set when the link was placed
    lineitems_url: str | None = None
    lineitem_url: str | None = None
    memberships_url: str | None = None
    deep_link_return_url: str | None = None
    deep_link_data: str | None = None
    custom: dict = field(default_factory=dict)

    @property
    def is_staff(self) -> bool:
        return c.is_staff(self.roles)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def begin_login(engine: sa.Engine, config: LtiConfig, params: dict[str, str], redirect_uri: str) -> tuple[str, str]:
    """The platform's authorization URL to send the browser to, and the state to keep in its cookie."""
    issuer = params.get("iss", "")
    found = config.by_issuer(issuer, params.get("client_id") or None)
    if found is None:
        raise UploadError(403, f"this LMS ({issuer or 'no issuer given'}) is not registered with this course: "
                               f"the instructor adds it under [lti.platforms] in autograde.toml")
    if not params.get("login_hint"):
        raise UploadError(400, "the LMS started a login without a login_hint: launch the tool again from the LMS")
    _, platform = found
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = _now()
    with engine.begin() as conn:
        # a login older than this can no longer launch (and its token has expired): forgetting it keeps the
        # table as small as the logins of the last minutes, however many an outsider starts
        conn.execute(sa.delete(states).where(states.c.created_at < now - dt.timedelta(minutes=STATE_MINUTES)))
        conn.execute(states.insert().values(state=state, nonce=nonce, issuer=issuer, created_at=now))
    query = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none",
             "client_id": platform.client_id, "redirect_uri": redirect_uri, "login_hint": params["login_hint"],
             "state": state, "nonce": nonce}
    if params.get("lti_message_hint"):
        query["lti_message_hint"] = params["lti_message_hint"]
    return f"{platform.auth_login_url}?{urlencode(query)}", state


def check_launch(engine: sa.Engine, config: LtiConfig, keys: PlatformKeys, id_token: str, state: str,
                 cookie_state: str | None, now: float | None = None) -> Launch:
    """The launch an id_token posted back with ``state`` carries; UploadError saying why it is refused."""
    if not id_token or not state:
        raise UploadError(400, "the LMS sent no id_token or state: launch the tool again from the LMS")
    if cookie_state != state:
        raise UploadError(400, "this browser did not bring back the login's cookie (a private window, or third-party "
                               "cookies blocked in the LMS's frame): open the tool in a new window and try again")
    unverified = _unverified(id_token)
    issuer = str(unverified.get("iss", ""))
    name, platform = _platform(config, issuer, unverified.get("aud"))
    try:
        header = jws.extract_compact(id_token.encode()).headers()
        keyset = keys.key_set(platform, header.get("kid"))
    except LtiError as exc:
        raise UploadError(502, str(exc)) from None
    try:
        token = jwt.decode(id_token, keyset, algorithms=["RS256"])
    except (BadSignatureError, InvalidKeyIdError):
        raise UploadError(401, "the launch's signature does not match the LMS's keys: it was not sent by the LMS") from None
    except JoseError as exc:
        raise UploadError(401, f"the launch's token cannot be checked ({exc.error}): launch again from the LMS") from None
    payload = token.claims
    _check_claims(payload, platform, now)
    _use_nonce(engine, state, issuer, str(payload.get("nonce", "")))
    deployment = str(payload.get(c.DEPLOYMENT_ID, ""))
    if deployment not in platform.deployment_ids:
        raise UploadError(403, f"this deployment of the tool ({deployment or 'none named'}) is not one configured for "
                               f"{name}: the instructor adds it to deployment_ids in autograde.toml")
    return _launch(name, platform, deployment, payload)


def _unverified(id_token: str) -> dict:
    """The token's claims before its signature is checked: only to find which platform's keys check it."""
    try:
        payload = json.loads(jws.extract_compact(id_token.encode()).payload)
    except (JoseError, ValueError, UnicodeDecodeError):
        raise UploadError(400, "the launch's id_token is not a signed token") from None
    if not isinstance(payload, dict):
        raise UploadError(400, "the launch's id_token is not a signed token")
    return payload


def _platform(config: LtiConfig, issuer: str, audience: object) -> tuple[str, PlatformConfig]:
    if config.by_issuer(issuer) is None:
        raise UploadError(403, f"this LMS ({issuer or 'no issuer given'}) is not registered with this course")
    audiences = [audience] if isinstance(audience, str) else list(audience) if isinstance(audience, list) else []
    for aud in audiences:
        found = config.by_issuer(issuer, str(aud))
        if found is not None:
            return found
    raise UploadError(401, f"the launch was meant for another tool (audience {', '.join(map(str, audiences)) or 'none'}), "
                           f"not this course's client id")


def _check_claims(payload: dict, platform: PlatformConfig, now: float | None) -> None:
    essential: ClaimsOption = {"essential": True}
    registry = JWTClaimsRegistry(
        now=int(now if now is not None else time.time()), leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": platform.issuer}, aud={"essential": True, "value": platform.client_id},
        sub=essential, exp=essential, iat=essential, nonce=essential)
    try:
        registry.validate(payload)
    except ExpiredTokenError:
        raise UploadError(401, "this launch has expired: launch the tool again from the LMS") from None
    except MissingClaimError as exc:
        raise UploadError(400, f"the launch lacks a claim LTI requires ({exc.error})") from None
    except JoseError as exc:
        raise UploadError(401, f"the launch's claims are not valid ({exc.error}: {exc.description})") from None
    audiences = payload["aud"] if isinstance(payload["aud"], list) else [payload["aud"]]
    azp = payload.get("azp")
    if (len(audiences) > 1 or azp is not None) and azp != platform.client_id:
        raise UploadError(401, "the launch was authorized for another tool (azp is not this course's client id)")
    if payload.get(c.VERSION) != "1.3.0":
        raise UploadError(400, f"the launch is LTI version {payload.get(c.VERSION)!r}; this tool speaks 1.3.0")


def _use_nonce(engine: sa.Engine, state: str, issuer: str, nonce: str) -> None:
    """Marks the login's nonce used: a second launch with it (a replay) finds it used and is refused."""
    fresh = _now() - dt.timedelta(minutes=STATE_MINUTES)
    with engine.begin() as conn:
        used = conn.execute(states.update().where(
            (states.c.state == state) & (states.c.nonce == nonce) & (states.c.issuer == issuer)
            & states.c.used_at.is_(None) & (states.c.created_at >= fresh)).values(used_at=_now())).rowcount
    if used != 1:
        raise UploadError(401, "this launch was already used, or its login is too old: launch the tool again from the LMS")


def _launch(name: str, platform: PlatformConfig, deployment: str, p: dict) -> Launch:
    try:
        message_type = c.MessageType(str(p.get(c.MESSAGE_TYPE)))
    except ValueError:
        raise UploadError(400, f"this tool does not handle LTI messages of type {p.get(c.MESSAGE_TYPE)!r}") from None
    context = _dict(p.get(c.CONTEXT))
    ags, nrps, dl = _dict(p.get(c.AGS_CLAIM)), _dict(p.get(c.NRPS_CLAIM)), _dict(p.get(c.DEEP_LINKING_SETTINGS))
    custom = _dict(p.get(c.CUSTOM))
    roles = p.get(c.ROLES)
    return Launch(
        platform=name, issuer=platform.issuer, deployment_id=deployment, subject=str(p["sub"]), message_type=message_type,
        roles=tuple(str(r) for r in roles) if isinstance(roles, list) else (),
        name=str(p.get("name", "")), email=str(p.get("email", "")),
        sis_id=str(_dict(p.get(c.LIS)).get("person_sourcedid") or ""),
        context_id=str(context.get("id", "")), context_title=str(context.get("title", "")),
        resource_link_id=str(_dict(p.get(c.RESOURCE_LINK)).get("id", "")), assignment=str(custom.get("assignment", "")),
        lineitems_url=ags.get("lineitems"), lineitem_url=ags.get("lineitem"),
        memberships_url=nrps.get("context_memberships_url"),
        deep_link_return_url=dl.get("deep_link_return_url"), deep_link_data=dl.get("data"), custom=custom)


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}
