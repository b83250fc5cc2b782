"""Operator access: API keys with scopes, and the nonces of requests a user signs.

An API key is shown once, when it is issued; only the SHA-256 of its secret is kept, and a
presented key is checked against that hash in constant time. A key allows what its scopes
name (``admin`` allows everything) until it is revoked, after which it allows nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from enum import StrEnum
from typing import Final

from attrs import evolve, frozen

TOKEN_PREFIX: Final = "dcmx"
KEY_ID_BYTES: Final = 8
SECRET_BYTES: Final = 32
NAME_MAX: Final = 100
_TOKEN: Final = re.compile(r"^dcmx_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")


class Scope(StrEnum):
    """What an API key may do."""

    RELEASES_WRITE = "releases:write"
    SALES_WRITE = "sales:write"
    REWARDS_WRITE = "rewards:write"
    COMPLIANCE_WRITE = "compliance:write"
    ADMIN = "admin"


def secret_hash(secret: str) -> bytes:
    """The SHA-256 of a key's secret: all that is stored of it."""
    return hashlib.sha256(secret.encode()).digest()


@frozen
class ApiKey:
    """A key as stored: its public id, a name, its scopes and the hash of its secret."""

    key_id: str
    name: str
    scopes: frozenset[Scope]
    secret_hash: bytes
    created_at: int
    revoked_at: int | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def allows(self, scope: Scope) -> bool:
        """An active key allows the scopes it names; ``admin`` allows every scope."""
        return self.active and (scope in self.scopes or Scope.ADMIN in self.scopes)

    def matches(self, secret: str) -> bool:
        """Whether ``secret`` is this key's, compared in constant time."""
        return hmac.compare_digest(self.secret_hash, secret_hash(secret))

    def revoked(self, at: int) -> ApiKey:
        """The key revoked at ``at``; a key revoked before keeps its first revocation time."""
        return self if self.revoked_at is not None else evolve(self, revoked_at=at)


@frozen
class IssuedKey:
    """A new key, and its token: ``dcmx_<key id>_<secret>``, which is never stored."""

    key: ApiKey
    token: str


def issue_key(name: str, scopes: frozenset[Scope], now: int) -> IssuedKey:
    """A new key named ``name`` with ``scopes``: a random 8-byte id and 32-byte secret."""
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise ValueError(f"a key's name is 1 to {NAME_MAX} characters")
    if not scopes:
        raise ValueError("a key needs at least one scope")
    key_id = secrets.token_hex(KEY_ID_BYTES)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    key = ApiKey(key_id, name, frozenset(scopes), secret_hash(secret), now)
    return IssuedKey(key, f"{TOKEN_PREFIX}_{key_id}_{secret}")


def parse_token(token: str) -> tuple[str, str] | None:
    """The key id and secret of a token, or None when the text is not a token's shape."""
    found = _TOKEN.match(token)
    return None if found is None else (found.group(1), found.group(2))


NONCE_PATTERN: Final = r"^[A-Za-z0-9]{8,64}$"
"""A nonce a user picks for a signed request: 8 to 64 letters and digits."""
