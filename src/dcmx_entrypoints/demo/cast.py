"""The demo's cast: the operator and seven people whose keys derive from their names, so that
every start of a local chain has the same accounts. They exist on local chains only (``dcmx
demo``, ``dcmx up``, ``--local-chain``): on a network, the operator is the configured key and
a user signs in their own wallet."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Final

from attrs import field, frozen

if TYPE_CHECKING:  # the names alone are what a command's --help needs of the cast
    from dcmx_adapters.crypto import EthCrypto
    from dcmx_adapters.signing import KeySigner
    from dcmx_core.model.values import Address

CAST: Final = ("Ayla", "Bo", "Cy", "Dee", "Eli", "Mkt", "Vera")
"""Everyone in the scenario but the operator."""
OPERATOR: Final = "operator"


@frozen
class Person:
    name: str
    key: bytes = field(repr=False)
    address: Address

    @property
    def signer(self) -> KeySigner:
        from dcmx_adapters.signing import KeySigner

        return KeySigner(self.key)


def person(name: str, crypto: EthCrypto | None = None) -> Person:
    """The demo's account called ``name``: its key is the SHA-256 of a phrase with the name."""
    from dcmx_adapters.crypto import EthCrypto

    key = hashlib.sha256(f"dcmx demo key: {name}".encode()).digest()
    return Person(name, key, (crypto or EthCrypto()).address_of(key))


def demo_cast(crypto: EthCrypto | None = None) -> list[Person]:
    """The operator first, then the cast."""
    return [person(OPERATOR, crypto), *(person(name, crypto) for name in CAST)]
