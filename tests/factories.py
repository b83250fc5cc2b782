"""Small builders the tests share."""

from __future__ import annotations

import hashlib

from dcmx_adapters.crypto import EthCrypto
from dcmx_adapters.signing import KeySigner
from dcmx_core.model.values import Address, Hash32

_CRYPTO = EthCrypto()


def key(n: int) -> bytes:
    """A private key for each ``n``."""
    return hashlib.sha256(b"account-%d" % n).digest()


def address(n: int) -> Address:
    """A distinct, non-zero address for each ``n``: the address of ``key(n)``, so that a chain
    that checks signatures can send as it."""
    return _CRYPTO.address_of(key(n))


def signers(*numbers: int) -> list[KeySigner]:
    """Signers for the accounts ``address(n)``."""
    return [KeySigner(key(n)) for n in numbers]


def digest(label: str) -> Hash32:
    """A distinct, non-zero 32-byte hash for each label."""
    return Hash32.of(label.encode())


ADMIN = address(0)
ALICE = address(1)
BOB = address(2)
CAROL = address(3)
DAVE = address(4)
EOA_OUTSIDER = address(99)
