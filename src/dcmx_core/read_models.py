"""Read models: what the indexer builds from events so that reads never touch the chain."""

from __future__ import annotations

from collections import Counter

from attrs import define, field, frozen

from dcmx_core.events import DomainEvent, LogPosition
from dcmx_core.model.enums import ClaimStatus, DocumentType, Pool, Regime
from dcmx_core.model.values import ZERO_ADDRESS, Address, Hash32


@frozen
class StoredEvent:
    """An event as indexed: its chain, its position and the decoded event."""

    chain: str
    position: LogPosition
    event: DomainEvent

    @property
    def key(self) -> tuple[str, int, Hash32, int]:
        """The natural key: (chain, block number, transaction id, log index)."""
        return (
            self.chain,
            self.position.block_number,
            self.position.tx_id,
            self.position.log_index,
        )


@frozen
class ReleaseRecord:
    release_id: int
    artist: Address
    title: str
    artist_name: str
    content_hash: Hash32
    max_editions: int
    royalty_bps: int
    recipients: tuple[Address, ...]
    shares_bps: tuple[int, ...]
    minted: int
    created_block: int


@frozen
class EditionRecord:
    token_id: int
    release_id: int
    edition: int
    owner: Address


@frozen
class SaleRecord:
    settlement_id: int
    release_id: int
    token_id: int
    seller: Address
    buyer: Address
    currency: Address
    price: int
    primary: bool
    block_number: int


@frozen
class PayoutRecord:
    """What a recipient has been credited and has withdrawn in one currency."""

    recipient: Address
    currency: Address
    credited: int
    withdrawn: int

    @property
    def pending(self) -> int:
        return self.credited - self.withdrawn


@frozen
class ClaimRecord:
    claim_id: int
    user: Address
    pool: Pool
    amount: int
    proof_hash: Hash32
    day: int
    status: ClaimStatus


@frozen
class DocumentRecord:
    doc_type: DocumentType
    version: int
    document_hash: Hash32
    registered_block: int


@frozen
class AcceptanceRecord:
    user: Address
    doc_type: DocumentType
    version: int
    document_hash: Hash32
    accepted_at: int


@frozen
class DeletionRecord:
    request_id: int
    user: Address
    regime: Regime
    requested_at: int
    processed_at: int | None


STAT_FIGURES = (
    "releases",
    "editions",
    "nft_transfers",
    "sales",
    "primary_sales",
    "sales_volume",
    "token_supply",
    "token_transfers",
    "claims",
    "claims_paid",
    "rewards_paid",
    "documents",
    "acceptances",
    "deletion_requests",
    "deletions_processed",
)
"""The platform figures the indexer keeps up to date. ``sales_volume`` is kept per currency;
every other figure is one number (kept under the zero address)."""

Figures = dict[tuple[str, Address], int]
"""Platform figures by (name, currency): what a batch of events adds to them."""


@frozen
class PlatformStats:
    """Pre-computed platform figures, so that the stats query reads a handful of rows."""

    releases: int = 0
    editions: int = 0
    nft_transfers: int = 0
    sales: int = 0
    primary_sales: int = 0
    token_supply: int = 0
    token_transfers: int = 0
    claims: int = 0
    claims_paid: int = 0
    rewards_paid: int = 0
    documents: int = 0
    acceptances: int = 0
    deletion_requests: int = 0
    deletions_processed: int = 0
    sales_volume: tuple[tuple[Address, int], ...] = ()
    """What sales have paid, per currency (the zero address is the native coin), by currency."""

    @classmethod
    def from_figures(cls, figures: Figures) -> PlatformStats:
        scalars = {name: value for (name, _), value in figures.items() if name != "sales_volume"}
        volume = sorted(
            (currency, value)
            for (name, currency), value in figures.items()
            if name == "sales_volume" and value
        )
        return cls(**scalars, sales_volume=tuple(volume))


def figure(name: str, currency: Address = ZERO_ADDRESS) -> tuple[str, Address]:
    """The key of a platform figure."""
    if name not in STAT_FIGURES:
        raise ValueError(f"{name!r} is not a platform figure; they are {', '.join(STAT_FIGURES)}")
    return name, currency


Split = tuple[tuple[Address, ...], tuple[int, ...]]


@define
class ReadModelChanges:
    """What a run of events does to the read models. Records created by the run are held whole,
    with every later change of the run folded in; changes to records of earlier runs are held
    by key, the last one winning; balances, payouts and figures are sums to add."""

    releases: dict[int, ReleaseRecord] = field(factory=dict)
    splits: dict[int, Split] = field(factory=dict)
    minted: dict[int, int] = field(factory=dict)
    editions: dict[int, EditionRecord] = field(factory=dict)
    owners: dict[int, Address] = field(factory=dict)
    sales: dict[int, SaleRecord] = field(factory=dict)
    claims: dict[int, ClaimRecord] = field(factory=dict)
    claim_statuses: dict[int, ClaimStatus] = field(factory=dict)
    documents: dict[tuple[DocumentType, int], DocumentRecord] = field(factory=dict)
    acceptances: dict[tuple[Address, DocumentType, int], AcceptanceRecord] = field(factory=dict)
    deletions: dict[int, DeletionRecord] = field(factory=dict)
    processed: dict[int, int] = field(factory=dict)
    balances: Counter[Address] = field(factory=Counter)
    credited: Counter[tuple[Address, Address]] = field(factory=Counter)
    withdrawn: Counter[tuple[Address, Address]] = field(factory=Counter)
    figures: Counter[tuple[str, Address]] = field(factory=Counter)


@frozen
class UserProfile:
    """Personal data, off chain only. ``ip_hash`` is a salted hash, never the address itself."""

    address: Address
    display_name: str
    email: str | None = None
    country: str | None = None
    ip_hash: Hash32 | None = None


@frozen
class ErasureRecord:
    """Proof that a profile was erased: who asked (their address), under which request, when."""

    address: Address
    request_id: int
    erased_at: int


@frozen
class Checkpoint:
    """The last block the indexer wrote, with its hash, to detect reorgs on resume."""

    chain: str
    block_number: int
    block_hash: Hash32


@frozen
class QuarantinedLog:
    """A log the indexer could not decode, kept with the reason instead of stopping."""

    chain: str
    block_number: int
    tx_id: Hash32
    log_index: int
    reason: str
    raw: bytes
