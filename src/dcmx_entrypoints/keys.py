"""Secrets among the settings: a private key, an API key, a keystore and its password.

They are held in values whose ``repr`` and ``str`` show nothing of them, so that no settings
dump, log line or error message can carry one. A keystore is an Ethereum keystore file (JSON v3,
scrypt or pbkdf2), which holds any secp256k1 key, a TRON account's as well; it is opened with
eth-account's ``Account.decrypt``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from attrs import field, frozen
from eth_account import Account


class KeyRefused(ValueError):
    """A key, keystore or password that cannot be used; the message shows none of them."""


@frozen(repr=False)
class Secret:
    """Text that must not be shown (an API key, a password)."""

    value: str = field(repr=False)

    def __repr__(self) -> str:
        return "Secret(<hidden>)"

    __str__ = __repr__


@frozen(repr=False)
class SigningKey:
    """A 32-byte secp256k1 private key."""

    raw: bytes = field(repr=False)

    def __attrs_post_init__(self) -> None:
        if len(self.raw) != 32 or not any(self.raw):
            raise KeyRefused("a private key is 32 bytes, not all zero")

    def __repr__(self) -> str:
        return "SigningKey(<hidden>)"

    __str__ = __repr__


def signing_key_from_hex(text: str) -> SigningKey:
    """A private key given as 64 hex digits (``0x`` allowed)."""
    try:
        raw = bytes.fromhex(text.strip().removeprefix("0x"))
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise KeyRefused("a private key of 64 hex digits")
    return SigningKey(raw)


def read_keystore(path: Path) -> dict[str, Any]:
    """The keystore file at ``path``, checked to be a version 3 keystore (not opened)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        raise KeyRefused("the path of a readable keystore file (JSON)") from None
    crypto = (
        document.get("crypto") or document.get("Crypto") if isinstance(document, dict) else None
    )
    if not isinstance(crypto, dict) or document.get("version") != 3:
        raise KeyRefused("the path of a version 3 keystore file (with a crypto section)")
    return dict(document)


def open_keystore(path: Path, password: Secret) -> SigningKey:
    """The key in the keystore at ``path``, decrypted with ``password``."""
    document = read_keystore(path)
    try:
        raw = bytes(Account.decrypt(document, password.value))
    except (ValueError, KeyError, TypeError):
        raise KeyRefused("the password that opens the keystore") from None
    return SigningKey(raw)
