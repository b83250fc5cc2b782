"""Read models: what the indexer builds from events so that reads never touch the chain."""

from __future__ import annotations

from attrs import frozen

from dcmx_core.events import DomainEvent, LogPosition
from dcmx_core.model.enums import ClaimStatus, DocumentType, Pool, Regime
from dcmx_core.model.values import Address, Hash32


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
