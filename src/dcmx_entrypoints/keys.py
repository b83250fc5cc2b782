"""Secrets among the settings: a private key, an API key, a password.

They are held in values whose ``repr`` and ``str`` show nothing of them, so that no settings
dump, log line or error message can carry one. Keystores are opened by
``dcmx_adapters.signing``.
"""

from __future__ import annotations

from attrs import field, frozen

from dcmx_adapters.signing import KeyRefused, KeySigner


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

    def signer(self) -> KeySigner:
        """A signer with this key."""
        return KeySigner(self.raw)


def signing_key_from_hex(text: str) -> SigningKey:
    """A private key given as 64 hex digits (``0x`` allowed)."""
    try:
        raw = bytes.fromhex(text.strip().removeprefix("0x"))
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise KeyRefused("a private key of 64 hex digits")
    return SigningKey(raw)
