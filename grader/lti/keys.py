"""The tool's own RSA key pair (signs its client assertions and deep-linking answers) and the platforms' key sets.

The private key is made once, under ``.autograde/`` (0600, beside the course secret), and its public
half is served as a JWKS; the key id is its RFC 7638 thumbprint, so a platform caching keys by id
never confuses two. A platform's JWKS is fetched on first use, after an hour, and again when a token names a key id it
does not hold (a platform rotating its keys), at most once every few seconds: a stream of tokens
naming made-up key ids cannot make the tool hammer the platform.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import httpx
from joserfc.jwk import KeySet, RSAKey

from grader.errors import LtiError
from grader.lti.config import PlatformConfig
from grader.private import private_folder, write_private

__all__ = ["PlatformKeys", "tool_jwks", "tool_key"]

KEY_FILE = "lti-key.json"
_REFETCH_SECONDS = 5       # at most this often on an unknown key id
_KEEP_SECONDS = 3600       # a key set is fetched again after this long anyway


def tool_key(root: Path, create: bool = True) -> RSAKey:
    """The tool's private key for the course at ``root``, made (2048-bit RSA) on first use."""
    path = root / ".autograde" / KEY_FILE
    if path.is_file():
        try:
            return RSAKey.import_key(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, TypeError) as exc:
            raise LtiError(f"{path}: not the tool's key ({exc}); remove it to make a new one, then register the new "
                           f"public key with every platform") from None
    if not create:
        raise LtiError(f"{path}: no LTI key yet (autograde lti config makes one)")
    private_folder(path.parent)
    write_private(path.parent / ".gitignore", b"*\n")
    key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, auto_kid=True)
    try:
        write_private(path, json.dumps(key.as_dict(private=True)).encode(), exclusive=True)
    except FileExistsError:  # another process made it meanwhile: use theirs
        return tool_key(root, create=False)
    return key


def tool_jwks(root: Path) -> dict:
    """The public key set a platform fetches from ``/lti/jwks.json``."""
    return {"keys": [tool_key(root).as_dict(private=False)]}


class PlatformKeys:
    """Each platform's public keys, fetched from its JWKS URL with ``http`` and kept."""

    def __init__(self, http: httpx.Client, refetch_seconds: float = _REFETCH_SECONDS):
        self.http, self.refetch_seconds = http, refetch_seconds
        self._sets: dict[str, tuple[float, KeySet]] = {}
        self._lock = threading.Lock()

    def key_set(self, platform: PlatformConfig, kid: str | None) -> KeySet:
        url = str(platform.jwks_url)
        with self._lock:
            fetched_at, keys = self._sets.get(url, (0.0, None))
            age = time.monotonic() - fetched_at
            known = keys is not None and (kid is None or any(k.kid == kid for k in keys.keys))
            if keys is None or age > _KEEP_SECONDS or (not known and age > self.refetch_seconds):
                keys = self._fetch(url)
                self._sets[url] = (time.monotonic(), keys)
            return keys

    def _fetch(self, url: str) -> KeySet:
        try:
            response = self.http.get(url, timeout=10)
            response.raise_for_status()
            return KeySet.import_key_set(response.json())
        except (httpx.HTTPError, ValueError, TypeError, KeyError) as exc:
            raise LtiError(f"the platform's key set at {url} cannot be read: {exc}", retry=True) from None
