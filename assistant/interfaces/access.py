"""Who may call the HTTP API: the workspace login (HTTP Basic) and Bearer API keys from ``ASSISTANT_API_KEYS``.

Both guard ``/api/*`` and ``/v1/*``; with neither configured the API is open (it listens on 127.0.0.1 by default).

>>> keys = api_keys_from_env({"ASSISTANT_API_KEYS": " k1, k2 ,"})
>>> keys.check("k2"), keys.check("k3")
(True, False)
>>> bearer_token("Bearer k1"), bearer_token("Basic dTpw"), bearer_token(None)
('k1', None, None)
"""
from __future__ import annotations

import secrets

REALM = "legal-assistant"


class ApiKeys:
    """Bearer keys; a key is compared with every configured one in constant time."""

    def __init__(self, keys):
        self.keys = tuple(k for k in keys if k)

    def check(self, token: str | None) -> bool:
        if not token:
            return False
        found = False
        for key in self.keys:
            found |= secrets.compare_digest(token.encode("utf-8"), key.encode("utf-8"))
        return found


def api_keys_from_env(env: dict) -> ApiKeys | None:
    """The comma-separated keys of ``ASSISTANT_API_KEYS`` (None when unset or empty)."""
    keys = [k.strip() for k in (env.get("ASSISTANT_API_KEYS") or "").split(",") if k.strip()]
    return ApiKeys(keys) if keys else None


def bearer_token(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer`` header (None for another scheme or none); the API's guard checks it
    against the keys, and Basic credentials against the login, with the login back-off for both."""
    scheme, _, token = (header or "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def challenge_headers(credentials, keys: ApiKeys | None) -> dict:
    """The ``WWW-Authenticate`` header of a 401: the schemes that would be accepted, Basic first."""
    schemes = ([f'Basic realm="{REALM}"'] if credentials is not None else []) + \
              ([f'Bearer realm="{REALM}"'] if keys is not None else [])
    return {"WWW-Authenticate": ", ".join(schemes)} if schemes else {}
