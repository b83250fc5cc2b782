"""In-memory read-model repositories: dictionaries behind the repository ports."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Sequence

from dcmx_core.events import DomainEvent
from dcmx_core.model.access import ApiKey
from dcmx_core.model.enums import DocumentType
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
from dcmx_core.services.projections import project_through_repositories


class MemoryEventRepository:
    def __init__(self) -> None:
        self._events: dict[tuple[object, ...], StoredEvent] = {}

    def add(self, chain: str, events: Sequence[StoredEvent]) -> int:
        # Check the whole batch first: a refused batch stores nothing, as a transaction would.
        for stored in events:
            if stored.chain != chain:
                raise ValueError(f"event of chain {stored.chain!r} stored under {chain!r}")
        new = 0
        for stored in events:
            if stored.key not in self._events:
                self._events[stored.key] = stored
                new += 1
        return new

    def list(
        self,
        chain: str,
        *,
        after: tuple[int, int] | None = None,
        limit: int = 100,
        kind: str | None = None,
    ) -> list[StoredEvent]:
        ordered = sorted(
            (
                e
                for e in self._events.values()
                if e.chain == chain and (kind is None or type(e.event).__name__ == kind)
            ),
            key=lambda e: (e.position.block_number, e.position.log_index),
        )
        if after is not None:
            ordered = [
                e for e in ordered if (e.position.block_number, e.position.log_index) > after
            ]
        return ordered[:limit]

    def remove_from(self, chain: str, block_number: int) -> int:
        doomed = [
            key
            for key, e in self._events.items()
            if e.chain == chain and e.position.block_number >= block_number
        ]
        for key in doomed:
            del self._events[key]
        return len(doomed)

    def count(self, chain: str) -> int:
        return sum(1 for e in self._events.values() if e.chain == chain)


class MemoryReleaseRepository:
    def __init__(self) -> None:
        self._releases: dict[int, ReleaseRecord] = {}
        self._editions: dict[int, EditionRecord] = {}

    def save_release(self, release: ReleaseRecord) -> None:
        self._releases[release.release_id] = release

    def get_release(self, release_id: int) -> ReleaseRecord | None:
        return self._releases.get(release_id)

    def list_releases(self, *, after: int = 0, limit: int = 100) -> list[ReleaseRecord]:
        return [self._releases[i] for i in sorted(self._releases) if i > after][:limit]

    def save_edition(self, edition: EditionRecord) -> None:
        self._editions[edition.token_id] = edition

    def get_edition(self, token_id: int) -> EditionRecord | None:
        return self._editions.get(token_id)

    def editions_of_owner(
        self, owner: Address, *, after: int = 0, limit: int = 100
    ) -> list[EditionRecord]:
        return [
            self._editions[t]
            for t in sorted(self._editions)
            if t > after and self._editions[t].owner == owner
        ][:limit]

    def remove_release(self, release_id: int) -> None:
        self._releases.pop(release_id, None)

    def remove_edition(self, token_id: int) -> None:
        self._editions.pop(token_id, None)

    def editions_of_release(
        self, release_id: int, *, after: int = 0, limit: int | None = None
    ) -> list[EditionRecord]:
        return [
            self._editions[t]
            for t in sorted(self._editions)
            if t > after and self._editions[t].release_id == release_id
        ][:limit]


class MemoryBalanceRepository:
    def __init__(self) -> None:
        self._balances: dict[Address, int] = {}

    def set_balance(self, account: Address, amount: int) -> None:
        if amount:
            self._balances[account] = amount
        else:
            self._balances.pop(account, None)

    def balance(self, account: Address) -> int:
        return self._balances.get(account, 0)

    def holders(self, *, limit: int = 100) -> list[tuple[Address, int]]:
        return sorted(self._balances.items(), key=lambda item: (-item[1], item[0]))[:limit]


class MemorySaleRepository:
    def __init__(self) -> None:
        self._sales: dict[int, SaleRecord] = {}
        self._payouts: dict[tuple[Address, Address], PayoutRecord] = {}

    def add_sale(self, sale: SaleRecord) -> None:
        self._sales[sale.settlement_id] = sale

    def sales_of_release(
        self, release_id: int, *, after: int = 0, limit: int | None = None
    ) -> list[SaleRecord]:
        return [
            s for i, s in sorted(self._sales.items()) if i > after and s.release_id == release_id
        ][:limit]

    def save_payout(self, payout: PayoutRecord) -> None:
        self._payouts[(payout.recipient, payout.currency)] = payout

    def payout(self, recipient: Address, currency: Address) -> PayoutRecord | None:
        return self._payouts.get((recipient, currency))

    def remove_sale(self, settlement_id: int) -> None:
        self._sales.pop(settlement_id, None)

    def remove_payout(self, recipient: Address, currency: Address) -> None:
        self._payouts.pop((recipient, currency), None)

    def payouts_of(
        self, recipient: Address, *, after: Address | None = None, limit: int | None = None
    ) -> list[PayoutRecord]:
        return sorted(
            (
                p
                for (r, c), p in self._payouts.items()
                if r == recipient and (after is None or c > after)
            ),
            key=lambda p: p.currency,
        )[:limit]


class MemoryClaimRepository:
    def __init__(self) -> None:
        self._claims: dict[int, ClaimRecord] = {}

    def save_claim(self, claim: ClaimRecord) -> None:
        self._claims[claim.claim_id] = claim

    def get_claim(self, claim_id: int) -> ClaimRecord | None:
        return self._claims.get(claim_id)

    def remove_claim(self, claim_id: int) -> None:
        self._claims.pop(claim_id, None)

    def claims_of(
        self, user: Address, *, after: int = 0, limit: int | None = None
    ) -> list[ClaimRecord]:
        return [c for i, c in sorted(self._claims.items()) if i > after and c.user == user][:limit]


class MemoryComplianceRepository:
    def __init__(self) -> None:
        self._documents: dict[tuple[DocumentType, int], DocumentRecord] = {}
        self._acceptances: list[AcceptanceRecord] = []
        self._deletions: dict[int, DeletionRecord] = {}

    def save_document(self, document: DocumentRecord) -> None:
        self._documents[(document.doc_type, document.version)] = document

    def documents(
        self, doc_type: DocumentType, *, after: int = 0, limit: int | None = None
    ) -> list[DocumentRecord]:
        return [d for (t, v), d in sorted(self._documents.items()) if t == doc_type and v > after][
            :limit
        ]

    def add_acceptance(self, acceptance: AcceptanceRecord) -> None:
        # An acceptance is (user, document type, version): the chain records each once.
        identity = (acceptance.user, acceptance.doc_type, acceptance.version)
        if all((a.user, a.doc_type, a.version) != identity for a in self._acceptances):
            self._acceptances.append(acceptance)

    def acceptances_of(
        self,
        user: Address,
        *,
        after: tuple[int, DocumentType, int] | None = None,
        limit: int | None = None,
    ) -> list[AcceptanceRecord]:
        return sorted(
            (
                a
                for a in self._acceptances
                if a.user == user
                and (after is None or (a.accepted_at, a.doc_type, a.version) > after)
            ),
            key=lambda a: (a.accepted_at, a.doc_type, a.version),
        )[:limit]

    def save_deletion(self, deletion: DeletionRecord) -> None:
        self._deletions[deletion.request_id] = deletion

    def deletion(self, request_id: int) -> DeletionRecord | None:
        return self._deletions.get(request_id)

    def remove_document(self, doc_type: DocumentType, version: int) -> None:
        self._documents.pop((doc_type, version), None)

    def remove_acceptance(self, user: Address, doc_type: DocumentType, version: int) -> None:
        self._acceptances = [
            a
            for a in self._acceptances
            if (a.user, a.doc_type, a.version) != (user, doc_type, version)
        ]

    def remove_deletion(self, request_id: int) -> None:
        self._deletions.pop(request_id, None)

    def open_deletions(self, *, after: int = 0, limit: int | None = None) -> list[DeletionRecord]:
        return [
            d for i, d in sorted(self._deletions.items()) if i > after and d.processed_at is None
        ][:limit]


class MemoryProfileRepository:
    def __init__(self) -> None:
        self._profiles: dict[Address, UserProfile] = {}
        self._erasures: dict[Address, ErasureRecord] = {}

    def save_profile(self, profile: UserProfile) -> None:
        self._profiles[profile.address] = profile

    def get_profile(self, address: Address) -> UserProfile | None:
        return self._profiles.get(address)

    def erase(self, address: Address, request_id: int, at: int) -> ErasureRecord:
        self._profiles.pop(address, None)
        record = ErasureRecord(address, request_id, at)
        self._erasures[address] = record
        return record

    def erasure(self, address: Address) -> ErasureRecord | None:
        return self._erasures.get(address)


class MemoryCheckpointRepository:
    def __init__(self) -> None:
        self._checkpoints: dict[str, Checkpoint] = {}
        self._blocks: dict[tuple[str, int], Hash32] = {}

    def record_blocks(self, chain: str, blocks: Sequence[tuple[int, Hash32]]) -> None:
        for number, block_hash in blocks:
            self._blocks[(chain, number)] = block_hash

    def block_hash(self, chain: str, number: int) -> Hash32 | None:
        return self._blocks.get((chain, number))

    def forget_blocks(self, chain: str, *, from_number: int = 0, below: int | None = None) -> None:
        self._blocks = {
            (c, n): h
            for (c, n), h in self._blocks.items()
            if c != chain or (n < from_number if below is None else n >= below)
        }

    def get_checkpoint(self, chain: str) -> Checkpoint | None:
        return self._checkpoints.get(chain)

    def set_checkpoint(self, checkpoint: Checkpoint) -> None:
        self._checkpoints[checkpoint.chain] = checkpoint


class MemoryQuarantineRepository:
    def __init__(self) -> None:
        self._logs: dict[tuple[str, int, Hash32, int], QuarantinedLog] = {}

    def quarantine(self, log: QuarantinedLog) -> None:
        self._logs.setdefault((log.chain, log.block_number, log.tx_id, log.log_index), log)

    def quarantined(self, chain: str) -> list[QuarantinedLog]:
        return [log for key, log in sorted(self._logs.items()) if key[0] == chain]

    def remove_from(self, chain: str, block_number: int) -> int:
        doomed = [key for key in self._logs if key[0] == chain and key[1] >= block_number]
        for key in doomed:
            del self._logs[key]
        return len(doomed)


class MemoryStatsRepository:
    def __init__(self) -> None:
        self._figures: Counter[tuple[str, Address]] = Counter()

    def add(self, figures: Figures) -> None:
        self._figures.update(figures)

    def get(self) -> PlatformStats:
        return PlatformStats.from_figures(dict(self._figures))


class MemoryApiKeyRepository:
    def __init__(self) -> None:
        self._keys: dict[str, ApiKey] = {}

    def add_key(self, key: ApiKey) -> None:
        if key.key_id in self._keys:
            raise ValueError(f"API key {key.key_id} exists already")
        self._keys[key.key_id] = key

    def get_key(self, key_id: str) -> ApiKey | None:
        return self._keys.get(key_id)

    def list_keys(self) -> list[ApiKey]:
        return sorted(self._keys.values(), key=lambda k: (k.created_at, k.key_id))

    def revoke_key(self, key_id: str, at: int) -> ApiKey | None:
        key = self._keys.get(key_id)
        if key is None:
            return None
        self._keys[key_id] = key = key.revoked(at)
        return key


class MemoryUsedNonceRepository:
    def __init__(self) -> None:
        self._expiry: dict[tuple[Address, str], int] = {}

    def use_nonce(self, account: Address, nonce: str, expires_at: int) -> bool:
        if (account, nonce) in self._expiry:
            return False
        self._expiry[account, nonce] = expires_at
        return True

    def forget_nonces(self, expired_before: int) -> int:
        old = [key for key, expiry in self._expiry.items() if expiry < expired_before]
        for key in old:
            del self._expiry[key]
        return len(old)


class MemoryUnitOfWork:
    """The in-memory read models as one transaction: entering takes a copy of every store,
    ``commit`` takes a new one, ``rollback`` (or leaving the block) puts the last one back."""

    def __init__(self) -> None:
        self.events = MemoryEventRepository()
        self.releases = MemoryReleaseRepository()
        self.balances = MemoryBalanceRepository()
        self.sales = MemorySaleRepository()
        self.claims = MemoryClaimRepository()
        self.compliance = MemoryComplianceRepository()
        self.profiles = MemoryProfileRepository()
        self.checkpoints = MemoryCheckpointRepository()
        self.quarantine = MemoryQuarantineRepository()
        self.stats = MemoryStatsRepository()
        self.api_keys = MemoryApiKeyRepository()
        self.nonces = MemoryUsedNonceRepository()
        self._saved: dict[str, object] | None = None

    _STORES = (
        "events",
        "releases",
        "balances",
        "sales",
        "claims",
        "compliance",
        "profiles",
        "checkpoints",
        "quarantine",
        "stats",
        "api_keys",
        "nonces",
    )

    def __enter__(self) -> MemoryUnitOfWork:
        self._saved = self._copy()
        return self

    def __exit__(self, *exc: object) -> None:
        self.rollback()
        self._saved = None

    def project(self, events: Sequence[DomainEvent]) -> None:
        project_through_repositories(events, self)

    def refresh_statistics(self) -> None:
        pass  # dictionaries have no query planner

    def commit(self) -> None:
        if self._saved is not None:
            self._saved = self._copy()

    def rollback(self) -> None:
        if self._saved is not None:
            for name, store in self._saved.items():
                setattr(self, name, store)
            self._saved = self._copy()

    def _copy(self) -> dict[str, object]:
        return {name: copy.deepcopy(getattr(self, name)) for name in self._STORES}
