"""What the tool tells a platform: its registration (Canvas's JSON, Moodle's form) and deep-linking answers."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from joserfc import jwt

from grader.assignment import load_assignment
from grader.config import Course
from grader.lti import claims as c
from grader.lti.keys import tool_key
from grader.report.records import points_possible

__all__ = ["ToolUrls", "deep_link_response", "registration"]


@dataclass(frozen=True)
class ToolUrls:
    """The tool's addresses under the service's public base URL, as a platform's admin enters them."""

    base: str

    @property
    def login(self) -> str:
        return f"{self.base}/lti/login"

    @property
    def launch(self) -> str:
        return f"{self.base}/lti/launch"

    @property
    def jwks(self) -> str:
        return f"{self.base}/lti/jwks.json"

    @property
    def config(self) -> str:
        return f"{self.base}/lti/config.json"


def registration(title: str, base: str) -> dict:
    """Canvas's LTI 1.3 JSON configuration of the tool (a developer key's "Enter URL" method)."""
    urls = ToolUrls(base)
    placements = [
        {"placement": "assignment_selection", "message_type": c.MessageType.DEEP_LINKING.value, "target_link_uri": urls.launch},
        {"placement": "link_selection", "message_type": c.MessageType.DEEP_LINKING.value, "target_link_uri": urls.launch},
        {"placement": "course_navigation", "message_type": c.MessageType.RESOURCE_LINK.value, "target_link_uri": urls.launch,
         "text": title},
    ]
    return {
        "title": title,
        "description": "Randomised, auto-graded exercises: each student's own notebook, handed in and graded.",
        "oidc_initiation_url": urls.login,
        "target_link_uri": urls.launch,
        "public_jwk_url": urls.jwks,
        "scopes": c.SCOPES,
        "extensions": [{"platform": "canvas.instructure.com", "privacy_level": "public", "domain": urlsplit(base).netloc,
                        "settings": {"placements": placements}}],
        "custom_fields": {},
    }


def deep_link_response(course: Course, platform: str, deployment_id: str, data: str | None, assignment: str, base: str) -> str:
    """The signed LtiDeepLinkingResponse placing ``assignment`` as a link (with its grade column) in the LMS course."""
    config = course.config.lti.platforms[platform]
    loaded = load_assignment(course, assignment)
    item: dict = {"type": "ltiResourceLink", "title": loaded.config.title, "url": ToolUrls(base).launch,
                  "custom": {"assignment": assignment}}
    maximum = points_possible(loaded, [])
    if maximum:
        item["lineItem"] = {"scoreMaximum": maximum, "label": loaded.config.title, "resourceId": assignment, "tag": "autograde"}
    now = int(time.time())
    claims = {"iss": config.client_id, "aud": config.issuer, "iat": now, "exp": now + 300, "nonce": secrets.token_urlsafe(16),
              c.MESSAGE_TYPE: c.MessageType.DEEP_LINKING_RESPONSE.value, c.VERSION: "1.3.0", c.DEPLOYMENT_ID: deployment_id,
              c.DL_CONTENT_ITEMS: [item]}
    if data is not None:
        claims[c.DL_DATA] = data
    key = tool_key(course.root)
    return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)
