"""The LTI 1.3 / LTI Advantage names the tool reads and writes: claim URIs, roles, scopes and media types.

Taken from the IMS specifications (LTI Core 1.3, Deep Linking 2.0, Assignment and Grade Services 2.0,
Names and Role Provisioning Services 2.0); one home, so a misspelt URI is a NameError, not a silent miss.
"""

from __future__ import annotations

import enum

__all__ = ["AGS_CLAIM", "CONTEXT", "CUSTOM", "DEEP_LINKING_SETTINGS", "DEPLOYMENT_ID", "DL_CONTENT_ITEMS", "DL_DATA",
           "LIS", "LINEITEM_MEDIA", "LINEITEMS_MEDIA", "MEMBERSHIPS_MEDIA", "MESSAGE_TYPE", "NRPS_CLAIM", "RESOURCE_LINK",
           "ROLES", "SCOPES", "SCORE_MEDIA", "TARGET_LINK_URI", "VERSION", "MessageType", "Scope", "is_staff"]

_LTI = "https://purl.imsglobal.org/spec/lti/claim/"
MESSAGE_TYPE = _LTI + "message_type"
VERSION = _LTI + "version"
DEPLOYMENT_ID = _LTI + "deployment_id"
TARGET_LINK_URI = _LTI + "target_link_uri"
RESOURCE_LINK = _LTI + "resource_link"
ROLES = _LTI + "roles"
CONTEXT = _LTI + "context"
CUSTOM = _LTI + "custom"
LIS = _LTI + "lis"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DEEP_LINKING_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
DL_CONTENT_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
DL_DATA = "https://purl.imsglobal.org/spec/lti-dl/claim/data"

SCORE_MEDIA = "application/vnd.ims.lis.v1.score+json"
LINEITEM_MEDIA = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_MEDIA = "application/vnd.ims.lis.v2.lineitemcontainer+json"
MEMBERSHIPS_MEDIA = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"


class MessageType(enum.StrEnum):
    RESOURCE_LINK = "LtiResourceLinkRequest"
    DEEP_LINKING = "LtiDeepLinkingRequest"
    DEEP_LINKING_RESPONSE = "LtiDeepLinkingResponse"


class Scope(enum.StrEnum):
    LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
    RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
    SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
    MEMBERSHIPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"


SCOPES = [s.value for s in Scope]

_MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"
_STAFF_ROLES = frozenset({f"{_MEMBERSHIP}#Instructor", f"{_MEMBERSHIP}/Instructor#TeachingAssistant",
                          f"{_MEMBERSHIP}#ContentDeveloper", f"{_MEMBERSHIP}#Administrator"})
_SHORT_STAFF_ROLES = frozenset({"Instructor", "TeachingAssistant", "ContentDeveloper", "Administrator"})


def is_staff(roles: list[str] | tuple[str, ...]) -> bool:
    """Whether context roles make someone staff of the LMS course (institution and system roles never do).

    NRPS lists roles either as full URIs or in their short form (``Instructor``); both are read."""
    return any(r in _STAFF_ROLES or r in _SHORT_STAFF_ROLES for r in roles)
