"""How ``autograde serve`` runs the app under uvicorn: its access log off (it would print each sign-in
link's token: the app logs requests without it) and the forwarded headers of a trusted reverse proxy
read, so that behind an https proxy the session cookie is ``Secure`` (docs/deploy.md)."""

from __future__ import annotations

from typing import Any

__all__ = ["server_options"]


def server_options(host: str, port: int, forwarded_allow_ips: str | None = None) -> dict[str, Any]:
    """Keyword arguments of ``uvicorn.run`` (and ``uvicorn.Config``). ``forwarded_allow_ips``: the proxies whose
    X-Forwarded-Proto/-For are believed (comma-separated addresses or networks, ``*`` for any); None:
    $FORWARDED_ALLOW_IPS, else 127.0.0.1 (uvicorn's default)."""
    return {"host": host, "port": port, "access_log": False, "proxy_headers": True,
            "forwarded_allow_ips": forwarded_allow_ips, "log_level": "info"}
