"""Small builders the tests share."""

from __future__ import annotations

import hashlib

from dcmx_core.model.values import Address, Hash32


def address(n: int) -> Address:
    """A distinct, non-zero address for each ``n``."""
    return Address(hashlib.sha256(b"account-%d" % n).digest()[:20])


def digest(label: str) -> Hash32:
    """A distinct, non-zero 32-byte hash for each label."""
    return Hash32.of(label.encode())


ADMIN = address(0)
ALICE = address(1)
BOB = address(2)
CAROL = address(3)
DAVE = address(4)
EOA_OUTSIDER = address(99)
