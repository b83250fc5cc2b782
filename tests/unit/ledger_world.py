"""A small world on a ``MemoryLedger`` for the use-case tests: people with keys and coin, an
operator who administers the five contracts, and a release to trade."""

from __future__ import annotations

import hashlib

from attrs import frozen

from dcmx_adapters.clock import ManualClock
from dcmx_adapters.crypto import EthCrypto
from dcmx_adapters.memory.ledger import MemoryLedger
from dcmx_core.commands import AddMinter, Mint
from dcmx_core.events import DomainEvent
from dcmx_core.model.royalties import Split
from dcmx_core.model.values import Address, Hash32
from dcmx_core.services import catalog

START = 1_767_225_600
COIN = 10**18
USDT = 10**6
DCMX = 10**18
CRYPTO = EthCrypto()


@frozen
class Someone:
    """A person with a private key, so that they can sign as well as send."""

    name: str
    key: bytes
    address: Address


def someone(name: str) -> Someone:
    key = hashlib.sha256(f"service test key: {name}".encode()).digest()
    return Someone(name, key, CRYPTO.address_of(key))


OPERATOR = someone("operator")
ARTIST = someone("artist")
BO = someone("bo")
CY = someone("cy")
BUYER = someone("buyer")
STRANGER = someone("stranger")
EVERYONE = (OPERATOR, ARTIST, BO, CY, BUYER, STRANGER)
SPLIT = Split((ARTIST.address, BO.address, CY.address), (5_000, 3_000, 2_000))


@frozen
class World:
    ledger: MemoryLedger
    clock: ManualClock


def memory_world() -> World:
    """A fresh ledger administered by ``OPERATOR``; everyone holds 10 coin."""
    clock = ManualClock(START)
    ledger = MemoryLedger(admin=OPERATOR.address, crypto=CRYPTO, clock=clock)
    for person in EVERYONE:
        ledger.fund(person.address, 10 * COIN)
    return World(ledger, clock)


def publish(ledger: MemoryLedger, title: str = "Midnight Static", split: Split = SPLIT) -> int:
    """The artist's track ``title`` as a release: 100 editions, a 10 % royalty, shared by
    ``split``."""
    return catalog.publish_release(
        ledger,
        OPERATOR.address,
        artist=ARTIST.address,
        title=title,
        artist_name="Ayla & the Wires",
        content_hash=Hash32.of(title.encode()),
        max_editions=100,
        royalty_bps=1_000,
        split=split,
    )


def artists_edition(ledger: MemoryLedger) -> int:
    """Publish the release and mint its first edition to the artist; returns the token id."""
    return catalog.mint_edition(ledger, OPERATOR.address, publish(ledger), ARTIST.address)


def give_dcmx(ledger: MemoryLedger, account: Address, amount: int) -> None:
    """Mint DCMX to ``account``, the operator making itself a minter first."""
    if not ledger.is_minter(OPERATOR.address):
        ledger.execute(OPERATOR.address, AddMinter(OPERATOR.address))
    ledger.execute(OPERATOR.address, Mint(account, amount))


def events_after(ledger: MemoryLedger, block: int) -> list[DomainEvent]:
    """Every event of the blocks mined after ``block``."""
    return ledger.events(block + 1, ledger.head().number)
