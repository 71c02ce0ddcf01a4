"""``[lti]`` of ``autograde.toml``: the LMS platforms this course trusts, validated with typos as errors."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator

__all__ = ["LtiConfig", "PlatformConfig", "origin"]


def origin(url: str) -> str:
    """``scheme://host[:port]`` of a URL: what a browser compares for framing."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class PlatformConfig(BaseModel):
    """One LMS registration (``[lti.platforms.NAME]``): the values its admin gives after registering the tool."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    issuer: str = Field(description="The platform's issuer (iss): https://canvas.instructure.com for hosted Canvas, "
                                    "the site's URL for Moodle.")
    client_id: str = Field(min_length=1, description="The tool's client id on this platform (Canvas: the developer key's id).")
    deployment_ids: list[str] = Field(min_length=1, description="The deployments of the tool that may launch it.")
    auth_login_url: HttpUrl = Field(description="The platform's OIDC authorization endpoint (where a login is sent back).")
    auth_token_url: HttpUrl = Field(description="The platform's OAuth 2 token endpoint (for grades and the roster).")
    jwks_url: HttpUrl = Field(description="The platform's public key set (checks each launch's signature).")
    frame_origins: list[str] = Field(default_factory=list, description="Origins whose pages may frame the tool (Canvas: "
                                     "https://school.instructure.com); the issuer's origin always may.")

    @field_validator("issuer")
    @classmethod
    def _issuer_is_a_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError(f"issuer {value!r} must be the platform's URL (https://...)")
        return value

    @property
    def origins(self) -> list[str]:
        return sorted({origin(self.issuer), *(origin(o) for o in self.frame_origins)})


class LtiConfig(BaseModel):
    """The course's LMS links (LTI 1.3): none by default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    platforms: dict[str, PlatformConfig] = Field(default_factory=dict, description="The LMS platforms, by a name of yours.")
    roster_sync: bool = Field(False, description="On a launch by someone not on the roster, add them from the LMS "
                                                 "(else they are told to ask the instructor).")
    title: str = Field("autograde", description="The tool's name as the LMS shows it.")

    def by_issuer(self, issuer: str, client_id: str | None = None) -> tuple[str, PlatformConfig] | None:
        """The platform with this issuer (and client id, when given); None for an unknown one."""
        for name, platform in self.platforms.items():
            if platform.issuer == issuer and (client_id is None or platform.client_id == client_id):
                return name, platform
        return None
