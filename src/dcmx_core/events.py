"""The canonical domain events: one frozen class per event the contracts emit.

Every ledger emits exactly these, with the same fields, in the same order within a transaction.
An event that comes from a ledger carries its ``position``; an event a rule has just produced
carries none until the ledger places it in a block.
"""

from __future__ import annotations

from attrs import evolve, field, frozen

from dcmx_core.model.enums import Contract, CreditReason, DocumentType, Pool, Regime
from dcmx_core.model.values import Address, Hash32


@frozen(order=True)
class LogPosition:
    """Where an event sits on its ledger: the natural key of an indexed event."""

    block_number: int
    block_hash: Hash32
    tx_id: Hash32
    log_index: int


@frozen
class DomainEvent:
    """Base of every event."""

    position: LogPosition | None = field(default=None, kw_only=True, eq=True)

    def placed(self, position: LogPosition) -> DomainEvent:
        return evolve(self, position=position)

    def unplaced(self) -> DomainEvent:
        return evolve(self, position=None)


# --- administration (every contract) --------------------------------------------------------


@frozen
class AdminProposed(DomainEvent):
    contract: Contract
    proposed: Address


@frozen
class AdminChanged(DomainEvent):
    contract: Contract
    previous: Address
    current: Address


# --- token ----------------------------------------------------------------------------------


@frozen
class TokensTransferred(DomainEvent):
    """ERC-20 ``Transfer``; a mint comes from the zero address, a burn goes to it."""

    sender: Address
    recipient: Address
    amount: int


@frozen
class AllowanceApproved(DomainEvent):
    """ERC-20 ``Approval``."""

    owner: Address
    spender: Address
    amount: int


@frozen
class MinterAdded(DomainEvent):
    account: Address


@frozen
class MinterRemoved(DomainEvent):
    account: Address


@frozen
class MintingFinished(DomainEvent):
    pass


# --- music NFT ------------------------------------------------------------------------------


@frozen
class ReleaseCreated(DomainEvent):
    """A track published as a release; title and artist name live here, not in contract state."""

    release_id: int
    artist: Address
    title: str
    artist_name: str
    content_hash: Hash32
    max_editions: int
    royalty_bps: int


@frozen
class SplitSet(DomainEvent):
    """The release's royalty split (recipients and their basis points, in order)."""

    release_id: int
    recipients: tuple[Address, ...]
    shares_bps: tuple[int, ...]


@frozen
class RoyaltyReceiverSet(DomainEvent):
    """Where ERC-2981 sends royalties: the royalty distributor, wired at deployment."""

    receiver: Address


@frozen
class EditionMinted(DomainEvent):
    release_id: int
    edition: int
    token_id: int
    recipient: Address


@frozen
class EditionTransferred(DomainEvent):
    """ERC-721 ``Transfer``; a mint comes from the zero address."""

    sender: Address
    recipient: Address
    token_id: int


@frozen
class EditionApproved(DomainEvent):
    """ERC-721 ``Approval`` of one token."""

    owner: Address
    approved: Address
    token_id: int


@frozen
class OperatorSet(DomainEvent):
    """ERC-721 ``ApprovalForAll``."""

    owner: Address
    operator: Address
    approved: bool


# --- royalties and sales --------------------------------------------------------------------


@frozen
class PlatformFeeSet(DomainEvent):
    fee_bps: int
    treasury: Address


@frozen
class EditionListed(DomainEvent):
    token_id: int
    seller: Address
    currency: Address
    price: int


@frozen
class ListingCancelled(DomainEvent):
    token_id: int
    seller: Address


@frozen
class EditionSold(DomainEvent):
    """A sale through DCMX: the payment arrived and the edition moved in one transaction."""

    settlement_id: int
    release_id: int
    token_id: int
    seller: Address
    buyer: Address
    currency: Address
    price: int
    primary: bool


@frozen
class RoyaltyReceived(DomainEvent):
    """Royalties paid in for a release from outside DCMX (another marketplace)."""

    settlement_id: int
    release_id: int
    payer: Address
    currency: Address
    amount: int


@frozen
class PayoutCredited(DomainEvent):
    settlement_id: int
    recipient: Address
    currency: Address
    amount: int
    reason: CreditReason


@frozen
class PayoutWithdrawn(DomainEvent):
    recipient: Address
    currency: Address
    amount: int


# --- rewards --------------------------------------------------------------------------------


@frozen
class VerifierAdded(DomainEvent):
    account: Address


@frozen
class VerifierRemoved(DomainEvent):
    account: Address


@frozen
class PoolConfigured(DomainEvent):
    pool: Pool
    daily_limit: int


@frozen
class PoolAllocated(DomainEvent):
    pool: Pool
    amount: int
    allocation: int


@frozen
class ClaimSubmitted(DomainEvent):
    claim_id: int
    user: Address
    pool: Pool
    amount: int
    proof_hash: Hash32
    day: int


@frozen
class ClaimVerified(DomainEvent):
    claim_id: int
    verifier: Address


@frozen
class ClaimRejected(DomainEvent):
    claim_id: int
    verifier: Address


@frozen
class ClaimPaid(DomainEvent):
    claim_id: int
    user: Address
    amount: int


# --- compliance -----------------------------------------------------------------------------


@frozen
class DocumentRegistered(DomainEvent):
    doc_type: DocumentType
    version: int
    document_hash: Hash32


@frozen
class DocumentAccepted(DomainEvent):
    user: Address
    doc_type: DocumentType
    version: int
    document_hash: Hash32
    accepted_at: int


@frozen
class DeletionRequested(DomainEvent):
    request_id: int
    user: Address
    regime: Regime
    requested_at: int


@frozen
class DeletionProcessed(DomainEvent):
    request_id: int
    user: Address
    processed_at: int


# From the module's names, not DomainEvent.__subclasses__(): attrs replaces each class with a
# slotted copy, and the discarded originals linger among the subclasses until collected.
EVENT_TYPES: tuple[type[DomainEvent], ...] = tuple(
    value
    for value in tuple(globals().values())
    if isinstance(value, type) and issubclass(value, DomainEvent) and value is not DomainEvent
)
