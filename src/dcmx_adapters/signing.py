"""The core's ``Signer`` port on a secp256k1 key: held in memory, or opened from an encrypted
keystore (JSON v3, scrypt or pbkdf2: the format geth and eth-account write, which holds any
secp256k1 key, a TRON account's too).

A signer never shows its key: its ``repr`` names only the address, and no error message
carries the key, the keystore's contents or its password.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dcmx_adapters.crypto import EthCrypto
from dcmx_core.model.signing import SECP256K1_N
from dcmx_core.model.values import Address

_CRYPTO = EthCrypto()


class KeyRefused(ValueError):
    """A key, keystore or password that cannot be used; the message shows none of them."""


class KeySigner:
    """A private key held in this process."""

    __slots__ = ("_address", "_key")

    def __init__(self, private_key: bytes) -> None:
        if len(private_key) != 32 or not 0 < int.from_bytes(private_key) < SECP256K1_N:
            raise KeyRefused("a private key is 32 bytes, a number from 1 to the curve's order")
        self._key = bytes(private_key)
        self._address = _CRYPTO.address_of(self._key)

    @classmethod
    def random(cls) -> KeySigner:
        """A new key, for a fresh chain of this process that needs an admin."""
        return cls(secrets.token_bytes(32))

    @property
    def address(self) -> Address:
        return self._address

    def sign_digest(self, digest: bytes) -> bytes:
        if len(digest) != 32:
            raise ValueError("a digest to sign is 32 bytes")
        return _CRYPTO.sign_digest(self._key, digest)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, KeySigner) and other._key == self._key

    def __hash__(self) -> int:
        return hash(self._address)

    def __repr__(self) -> str:
        return f"KeySigner({self._address.to_hex()})"


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


def keystore_address(path: Path) -> Address | None:
    """The address a keystore says it holds, read without opening it (None when it says none)."""
    found = read_keystore(path).get("address")
    try:
        return Address.parse("0x" + str(found).lower().removeprefix("0x")) if found else None
    except ValueError:
        return None


class KeystoreSigner:
    """The key in a keystore, opened (with the password ``password()`` gives) only when it
    first signs: a command that only reads never asks for the password. Its address is the one
    the keystore names (checked against the key once opened), else the key's, opened at once."""

    def __init__(self, path: Path, password: Callable[[], str]) -> None:
        self._path = path
        self._password = password
        self._opened: KeySigner | None = None
        self._named = keystore_address(path)
        self._address = self._named if self._named is not None else self.open().address

    @property
    def address(self) -> Address:
        return self._address

    def open(self) -> KeySigner:
        """The keystore's key, opened now if it was not yet (a wrong password raises
        ``KeyRefused``)."""
        if self._opened is None:
            opened = open_keystore(self._path, self._password())
            if self._named is not None and opened.address != self._named:
                raise KeyRefused(
                    f"a keystore whose key is the address it names ({self._path.name})"
                )
            self._opened = opened
        return self._opened

    def sign_digest(self, digest: bytes) -> bytes:
        return self.open().sign_digest(digest)

    def __repr__(self) -> str:
        return f"KeystoreSigner({self._path.name})"


def open_keystore(path: Path, password: str) -> KeySigner:
    """A signer with the key in the keystore at ``path``, decrypted with ``password``."""
    from eth_account import Account  # loaded when a keystore is opened, not with every signer

    document = read_keystore(path)
    try:
        raw = bytes(Account.decrypt(document, password))
    except (ValueError, KeyError, TypeError):
        raise KeyRefused(f"the password that opens the keystore {path.name}") from None
    return KeySigner(raw)
