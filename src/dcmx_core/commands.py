"""Commands: what a sender asks a ledger to do, one frozen class per contract function.

A ledger executes a command on behalf of a sender (``Ledger.execute(sender, command)``); the
in-memory ledger applies the domain rules, the chain ledgers call the matching contract
function. The native coin's attached value is part of the command (``value``) where a function
is payable.
"""

from __future__ import annotations

from attrs import frozen

from dcmx_core.model.enums import Contract, DocumentType, Pool, Regime
from dcmx_core.model.values import Address, Hash32


@frozen
class Command:
    """Base of every command."""


# --- administration -------------------------------------------------------------------------


@frozen
class ProposeAdmin(Command):
    contract: Contract
    proposed: Address


@frozen
class AcceptAdmin(Command):
    contract: Contract


# --- token ----------------------------------------------------------------------------------


@frozen
class Transfer(Command):
    recipient: Address
    amount: int


@frozen
class Approve(Command):
    """ERC-20 ``approve`` on the DCMX token, or on a payment token when ``token`` is given."""

    spender: Address
    amount: int
    token: Address | None = None


@frozen
class TransferFrom(Command):
    owner: Address
    recipient: Address
    amount: int


@frozen
class Burn(Command):
    amount: int


@frozen
class BurnFrom(Command):
    owner: Address
    amount: int


@frozen
class Mint(Command):
    recipient: Address
    amount: int


@frozen
class AddMinter(Command):
    account: Address


@frozen
class RemoveMinter(Command):
    account: Address


@frozen
class FinishMinting(Command):
    pass


# --- music NFT ------------------------------------------------------------------------------


@frozen
class CreateRelease(Command):
    artist: Address
    title: str
    artist_name: str
    content_hash: Hash32
    max_editions: int
    royalty_bps: int
    recipients: tuple[Address, ...]
    shares_bps: tuple[int, ...]


@frozen
class SetRoyaltyReceiver(Command):
    receiver: Address


@frozen
class MintEdition(Command):
    release_id: int
    recipient: Address


@frozen
class TransferEdition(Command):
    """ERC-721 ``transferFrom`` (``safe=False``) or ``safeTransferFrom`` (``safe=True``)."""

    owner: Address
    recipient: Address
    token_id: int
    safe: bool = False
    data: bytes = b""


@frozen
class ApproveEdition(Command):
    approved: Address
    token_id: int


@frozen
class SetOperator(Command):
    operator: Address
    approved: bool


# --- royalties and sales --------------------------------------------------------------------


@frozen
class SetPlatformFee(Command):
    fee_bps: int
    treasury: Address


@frozen
class ListEdition(Command):
    token_id: int
    currency: Address
    price: int


@frozen
class CancelListing(Command):
    token_id: int


@frozen
class BuyEdition(Command):
    """Buy a listed edition. In the native coin, ``value`` must equal the price; in a token, the
    buyer has approved the distributor for the price and ``value`` is 0."""

    token_id: int
    currency: Address
    price: int
    value: int = 0


@frozen
class PayRoyalty(Command):
    """Royalties for a release paid in from outside DCMX (native: ``value``; token: pulled)."""

    release_id: int
    currency: Address
    amount: int
    value: int = 0


@frozen
class Withdraw(Command):
    currency: Address


# --- rewards --------------------------------------------------------------------------------


@frozen
class AddVerifier(Command):
    account: Address


@frozen
class RemoveVerifier(Command):
    account: Address


@frozen
class ConfigurePool(Command):
    pool: Pool
    daily_limit: int


@frozen
class AllocatePool(Command):
    pool: Pool
    amount: int


@frozen
class SubmitClaim(Command):
    pool: Pool
    amount: int
    proof_hash: Hash32


@frozen
class VerifyClaim(Command):
    claim_id: int
    approved: bool


@frozen
class PayClaim(Command):
    claim_id: int


# --- compliance -----------------------------------------------------------------------------


@frozen
class RegisterDocument(Command):
    doc_type: DocumentType
    version: int
    document_hash: Hash32


@frozen
class AcceptDocument(Command):
    """The sender accepts a document version for themself."""

    doc_type: DocumentType
    version: int
    document_hash: Hash32


@frozen
class RelayAcceptance(Command):
    """Anyone relays a user's acceptance, proven by the user's EIP-712 signature."""

    user: Address
    doc_type: DocumentType
    version: int
    document_hash: Hash32
    nonce: int
    expiry: int
    signature: bytes


@frozen
class RequestDeletion(Command):
    regime: Regime


@frozen
class RelayDeletionRequest(Command):
    user: Address
    regime: Regime
    nonce: int
    expiry: int
    signature: bytes


@frozen
class ProcessDeletion(Command):
    request_id: int
