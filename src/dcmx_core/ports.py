"""The doors of the core: what it asks of ledgers, storage, time and cryptography.

Every implementation of a port passes the same contract test suite, so the services never know
which one they have.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from attrs import frozen

from dcmx_core.commands import Command
from dcmx_core.events import DomainEvent, LogPosition
from dcmx_core.model.access import ApiKey
from dcmx_core.model.compliance import DeletionRequest
from dcmx_core.model.distributor import Listing
from dcmx_core.model.enums import Contract, DocumentType, Pool
from dcmx_core.model.nft import Release
from dcmx_core.model.platform import Deployment
from dcmx_core.model.rewards import Claim, PoolState
from dcmx_core.model.signing import Crypto, Signer
from dcmx_core.model.values import Address, Hash32
from dcmx_core.read_models import (
    AcceptanceRecord,
    Checkpoint,
    ClaimRecord,
    DeletionRecord,
    DocumentRecord,
    EditionRecord,
    ErasureRecord,
    Figures,
    PayoutRecord,
    PlatformStats,
    QuarantinedLog,
    ReleaseRecord,
    SaleRecord,
    StoredEvent,
    UserProfile,
)

__all__ = [
    "ApiKeyRepository",
    "Block",
    "ChainQueries",
    "Clock",
    "ComplianceRepository",
    "Crypto",
    "DevLedger",
    "EventBatch",
    "EventRepository",
    "EventSource",
    "Ledger",
    "ProfileRepository",
    "QuarantineRepository",
    "Receipt",
    "Signer",
    "StatsRepository",
    "Undecodable",
    "UnitOfWork",
    "UsedNonceRepository",
    "WalletLedger",
]


class Clock(Protocol):
    def now(self) -> int:
        """Seconds since the Unix epoch, UTC."""


@frozen
class Block:
    number: int
    hash: Hash32
    parent_hash: Hash32
    timestamp: int


@frozen
class Receipt:
    """A mined transaction and the events it emitted (with their positions)."""

    tx_id: Hash32
    block_number: int
    block_hash: Hash32
    events: tuple[DomainEvent, ...]
    gas_used: int = 0
    """Gas (EVM) or energy (TRON) the transaction used; 0 where execution is free (memory)."""


@frozen
class Undecodable:
    """A log of one of the platform's contracts that no domain event describes (an unknown
    topic, malformed data): the indexer quarantines it instead of stopping."""

    position: LogPosition
    reason: str
    raw: bytes


@frozen
class EventBatch:
    """What a range of blocks holds: its domain events, and the logs that could not be read."""

    events: tuple[DomainEvent, ...]
    undecodable: tuple[Undecodable, ...] = ()


class EventSource(Protocol):
    """The part of a ledger an indexer reads: blocks and the events in them."""

    def head(self) -> Block: ...
    def block(self, number: int) -> Block: ...
    def read(self, from_block: int, to_block: int) -> EventBatch: ...


class ChainQueries(Protocol):
    """What anyone can read from the five contracts (view functions)."""

    # token
    def token_balance(self, account: Address) -> int: ...
    def allowance(self, owner: Address, spender: Address) -> int: ...
    def total_supply(self) -> int: ...
    def total_minted(self) -> int: ...
    def is_minter(self, account: Address) -> bool: ...
    def minting_finished(self) -> bool: ...
    def admin_of(self, contract: Contract) -> Address: ...
    def pending_admin_of(self, contract: Contract) -> Address: ...
    # coins
    def native_balance(self, account: Address) -> int: ...
    def balance_in(self, currency: Address, account: Address) -> int: ...
    def allowance_in(self, token: Address, owner: Address, spender: Address) -> int:
        """``spender``'s allowance over ``owner``'s balance of any ERC-20 ``token``."""

    # music NFT
    def release(self, release_id: int) -> Release: ...
    def release_count(self) -> int: ...
    def owner_of(self, token_id: int) -> Address: ...
    def nft_balance(self, owner: Address) -> int: ...
    def get_approved(self, token_id: int) -> Address: ...
    def is_operator(self, owner: Address, operator: Address) -> bool: ...
    def royalty_info(self, token_id: int, price: int) -> tuple[Address, int]: ...
    def token_uri(self, token_id: int) -> str: ...
    # royalties
    def listing(self, token_id: int) -> Listing | None: ...
    def payout(self, recipient: Address, currency: Address) -> int: ...
    def platform_fee(self) -> tuple[int, Address]: ...
    # rewards
    def pool(self, pool: Pool) -> PoolState: ...
    def claim(self, claim_id: int) -> Claim: ...
    def claim_count(self) -> int: ...
    def is_verifier(self, account: Address) -> bool: ...
    def proof_used(self, proof_hash: Hash32) -> bool: ...
    def claimed_today(self, user: Address, pool: Pool, day: int) -> int: ...
    # compliance
    def document_hash(self, doc_type: DocumentType, version: int) -> Hash32 | None: ...
    def accepted_at(self, user: Address, doc_type: DocumentType, version: int) -> int | None: ...
    def nonce_of(self, user: Address) -> int: ...
    def deletion_request(self, request_id: int) -> DeletionRequest: ...
    def open_deletion_request(self, user: Address) -> int | None: ...


class Ledger(ChainQueries, Protocol):
    """A chain with the five contracts deployed: execute commands, read state and events."""

    @property
    def deployment(self) -> Deployment: ...

    def execute(self, sender: Address, command: Command) -> Receipt:
        """Send ``command`` as ``sender`` and wait for it to be mined. A refusal raises the
        domain error of the rule that refused."""

    def head(self) -> Block:
        """The newest block. Block timestamps strictly increase."""

    def block(self, number: int) -> Block:
        """Block ``number`` of the current chain (its hash and parent hash)."""

    def events(self, from_block: int, to_block: int) -> list[DomainEvent]:
        """Every event of blocks ``from_block..to_block`` (inclusive), in chain order."""

    def read(self, from_block: int, to_block: int) -> EventBatch:
        """The events of blocks ``from_block..to_block``, and the logs that could not be
        decoded into events."""


@runtime_checkable
class WalletLedger(Ledger, Protocol):
    """A ledger whose users sign in their own wallets: it prepares a user's transactions
    unsigned and relays them once signed, so that the server never holds a user's key."""

    def prepare(self, sender: Address, commands: Sequence[Command]) -> list[dict[str, Any]]:
        """The unsigned transactions that carry out ``commands`` from ``sender``, in order,
        in the form the chain's wallets sign. A refusal of the rules raises it now."""

    def relay(self, signed: object) -> Receipt:
        """Broadcast a transaction a wallet signed and wait for it; only a call of the
        platform's contracts is relayed, and a refusal raises the rule that refused."""


class DevLedger(Ledger, Protocol):
    """What a development chain offers on top (in-memory, local EVM, local TRON node)."""

    def fund(self, account: Address, amount: int) -> None:
        """Give ``account`` native coin out of thin air."""

    def deploy_payment_token(self, symbol: str, *, returns_false: bool = False) -> Address:
        """A plain ERC-20 (a stand-in for USDT and the like) that tests can mint; with
        ``returns_false`` its transfers return false on success, as TRON's USDT does."""

    def mint_payment_token(self, token: Address, account: Address, amount: int) -> None: ...

    def deploy_receiver(self, accepts: bool) -> Address:
        """A contract account that accepts (or refuses) safe NFT transfers."""

    def mine(self, blocks: int = 1) -> None:
        """Add empty blocks."""

    def warp(self, seconds: int) -> None:
        """Move the chain's time forward: the next block is stamped at least ``seconds`` after
        the head, and the chain's clock runs that much ahead from then on."""

    def reorganize(self, depth: int) -> None:
        """Drop the newest ``depth`` blocks and their effects; later blocks form a new branch
        with new hashes."""


# --- read-model repositories ----------------------------------------------------------------


class EventRepository(Protocol):
    def add(self, chain: str, events: Sequence[StoredEvent]) -> int:
        """Store events; one already stored (same chain and position) is ignored. Returns how
        many were new."""

    def list(
        self,
        chain: str,
        *,
        after: tuple[int, int] | None = None,
        limit: int = 100,
        kind: str | None = None,
    ) -> list[StoredEvent]:
        """Events in chain order after ``(block_number, log_index)``; with ``kind`` (an event
        class's name, such as ``"TokensTransferred"``), only the events of that class."""

    def remove_from(self, chain: str, block_number: int) -> int:
        """Drop the events of ``block_number`` and later (a reorg); returns how many."""

    def count(self, chain: str) -> int: ...


class ReleaseRepository(Protocol):
    def save_release(self, release: ReleaseRecord) -> None: ...
    def get_release(self, release_id: int) -> ReleaseRecord | None: ...
    def list_releases(self, *, after: int = 0, limit: int = 100) -> list[ReleaseRecord]: ...
    def save_edition(self, edition: EditionRecord) -> None: ...
    def get_edition(self, token_id: int) -> EditionRecord | None: ...
    def editions_of_owner(
        self, owner: Address, *, after: int = 0, limit: int = 100
    ) -> list[EditionRecord]: ...
    def editions_of_release(
        self, release_id: int, *, after: int = 0, limit: int | None = None
    ) -> list[EditionRecord]:
        """The release's editions by token id, after token ``after``; all when ``limit`` is
        None."""

    def remove_release(self, release_id: int) -> None: ...
    def remove_edition(self, token_id: int) -> None: ...


class BalanceRepository(Protocol):
    def set_balance(self, account: Address, amount: int) -> None: ...
    def balance(self, account: Address) -> int: ...
    def holders(self, *, limit: int = 100) -> list[tuple[Address, int]]:
        """The largest balances, largest first."""


class SaleRepository(Protocol):
    def add_sale(self, sale: SaleRecord) -> None: ...
    def sales_of_release(
        self, release_id: int, *, after: int = 0, limit: int | None = None
    ) -> list[SaleRecord]:
        """The release's sales by settlement id, after ``after``; all when ``limit`` is None."""

    def save_payout(self, payout: PayoutRecord) -> None: ...
    def payout(self, recipient: Address, currency: Address) -> PayoutRecord | None: ...
    def payouts_of(
        self, recipient: Address, *, after: Address | None = None, limit: int | None = None
    ) -> list[PayoutRecord]:
        """The recipient's payouts by currency (its 20 bytes), after currency ``after``; all
        when ``limit`` is None."""

    def remove_sale(self, settlement_id: int) -> None: ...
    def remove_payout(self, recipient: Address, currency: Address) -> None: ...


class ClaimRepository(Protocol):
    def save_claim(self, claim: ClaimRecord) -> None: ...
    def get_claim(self, claim_id: int) -> ClaimRecord | None: ...
    def claims_of(
        self, user: Address, *, after: int = 0, limit: int | None = None
    ) -> list[ClaimRecord]:
        """The user's claims by claim id, after ``after``; all when ``limit`` is None."""

    def remove_claim(self, claim_id: int) -> None: ...


class ComplianceRepository(Protocol):
    def save_document(self, document: DocumentRecord) -> None: ...
    def documents(
        self, doc_type: DocumentType, *, after: int = 0, limit: int | None = None
    ) -> list[DocumentRecord]:
        """The versions of a document type by version, after ``after``; all when ``limit``
        is None."""

    def add_acceptance(self, acceptance: AcceptanceRecord) -> None: ...
    def acceptances_of(
        self,
        user: Address,
        *,
        after: tuple[int, DocumentType, int] | None = None,
        limit: int | None = None,
    ) -> list[AcceptanceRecord]:
        """The user's audit trail, oldest first: ordered by ``(accepted_at, doc_type,
        version)``, after that key ``after``; all when ``limit`` is None."""

    def save_deletion(self, deletion: DeletionRecord) -> None: ...
    def deletion(self, request_id: int) -> DeletionRecord | None: ...
    def open_deletions(self, *, after: int = 0, limit: int | None = None) -> list[DeletionRecord]:
        """The deletion requests not yet processed, by request id, after ``after``; all when
        ``limit`` is None."""

    def remove_document(self, doc_type: DocumentType, version: int) -> None: ...
    def remove_acceptance(self, user: Address, doc_type: DocumentType, version: int) -> None: ...
    def remove_deletion(self, request_id: int) -> None: ...


class ProfileRepository(Protocol):
    """Off-chain personal data: the only place it lives, and erasable."""

    def save_profile(self, profile: UserProfile) -> None: ...
    def get_profile(self, address: Address) -> UserProfile | None: ...
    def erase(self, address: Address, request_id: int, at: int) -> ErasureRecord:
        """Delete everything personal about ``address`` and keep only the fact of erasure."""

    def erasure(self, address: Address) -> ErasureRecord | None: ...


class CheckpointRepository(Protocol):
    """Where the indexer is, and the hashes of the blocks it indexed lately (to find where a
    reorganized chain forked)."""

    def get_checkpoint(self, chain: str) -> Checkpoint | None: ...
    def set_checkpoint(self, checkpoint: Checkpoint) -> None: ...
    def record_blocks(self, chain: str, blocks: Sequence[tuple[int, Hash32]]) -> None:
        """Record the hashes of blocks (number, hash), replacing what was recorded."""

    def block_hash(self, chain: str, number: int) -> Hash32 | None: ...
    def forget_blocks(self, chain: str, *, from_number: int = 0, below: int | None = None) -> None:
        """Forget the recorded hashes of blocks ``from_number`` and later, or of blocks
        ``below`` a number (those no reorganization can reach any more)."""


class StatsRepository(Protocol):
    """The platform figures, kept up to date by the indexer."""

    def add(self, figures: Figures) -> None:
        """Add to the figures (a negative number takes away)."""

    def get(self) -> PlatformStats: ...


class QuarantineRepository(Protocol):
    def quarantine(self, log: QuarantinedLog) -> None:
        """Keep an undecodable log (once per position)."""

    def quarantined(self, chain: str) -> list[QuarantinedLog]: ...
    def remove_from(self, chain: str, block_number: int) -> int:
        """Drop the logs of ``block_number`` and later (a reorg orphaned those blocks, and
        their logs with them); returns how many."""


class ApiKeyRepository(Protocol):
    """The operator's API keys (the hash of each secret, never the secret)."""

    def add_key(self, key: ApiKey) -> None:
        """Store a new key; a key id stored already raises ``ValueError``."""

    def get_key(self, key_id: str) -> ApiKey | None: ...
    def list_keys(self) -> list[ApiKey]:
        """Every key, revoked ones too, oldest first (ties by key id)."""

    def revoke_key(self, key_id: str, at: int) -> ApiKey | None:
        """Revoke a key (a revoked key keeps its first revocation time); None when unknown."""


class UsedNonceRepository(Protocol):
    """The nonces of the requests users signed, so that a signed request is carried out once."""

    def use_nonce(self, account: Address, nonce: str, expires_at: int) -> bool:
        """Record that ``account`` used ``nonce`` in a request valid until ``expires_at``;
        False when the account had used it already (nothing is recorded then)."""

    def forget_nonces(self, expired_before: int) -> int:
        """Forget the nonces of requests that expired before ``expired_before`` (a replay of
        those is refused for its expiry); returns how many."""


class UnitOfWork(Protocol):
    """The read models as one transaction: what a block of work writes is kept together by
    ``commit`` or dropped together (``rollback``, or leaving the ``with`` block uncommitted)."""

    @property
    def events(self) -> EventRepository: ...
    @property
    def releases(self) -> ReleaseRepository: ...
    @property
    def balances(self) -> BalanceRepository: ...
    @property
    def sales(self) -> SaleRepository: ...
    @property
    def claims(self) -> ClaimRepository: ...
    @property
    def compliance(self) -> ComplianceRepository: ...
    @property
    def profiles(self) -> ProfileRepository: ...
    @property
    def checkpoints(self) -> CheckpointRepository: ...
    @property
    def quarantine(self) -> QuarantineRepository: ...
    @property
    def stats(self) -> StatsRepository: ...
    @property
    def api_keys(self) -> ApiKeyRepository: ...
    @property
    def nonces(self) -> UsedNonceRepository: ...

    def project(self, events: Sequence[DomainEvent]) -> None:
        """Write what a run of events (in chain order) does to the read models: the same as
        applying them one by one (``projections.fold`` and ``apply_changes`` say how). A
        change to a record that was never indexed raises ``LookupError``."""

    def refresh_statistics(self) -> None:
        """Let the store's query planner learn what the read models now hold (after a bulk
        load, which leaves its statistics behind); a store without a planner does nothing."""

    def __enter__(self) -> UnitOfWork: ...
    def __exit__(self, *exc: object) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
