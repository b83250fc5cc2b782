"""The repository ports on SQL: one class per port over a SQLAlchemy ``Session``, and a unit of
work that binds them all to one session, so that one commit keeps a batch or nothing does.

Writes are single statements (``INSERT ... ON CONFLICT`` on PostgreSQL and SQLite alike) and
reads select columns, not ORM objects, so every value read has come back from the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast
from weakref import WeakKeyDictionary

from sqlalchemy import CursorResult, Engine, bindparam, delete, func, select, tuple_, update
from sqlalchemy.orm import Session, sessionmaker

from dcmx_adapters.sql.bulk import PostgresProjection, copy_events
from dcmx_adapters.sql.event_json import decode_event, encode_event, kind_of
from dcmx_adapters.sql.statements import SqlRepository, table_of, values_of
from dcmx_adapters.sql.tables import (
    AcceptanceRow,
    ApiKeyRow,
    BalanceRow,
    CheckpointRow,
    ClaimRow,
    DeletionRow,
    DocumentRow,
    EditionRow,
    ErasureRow,
    EventRow,
    IndexedBlockRow,
    PayoutRow,
    ProfileRow,
    QuarantineRow,
    ReleaseRow,
    SaleRow,
    StatRow,
    UsedNonceRow,
)
from dcmx_core.events import LogPosition
from dcmx_core.model.access import ApiKey, Scope
from dcmx_core.model.enums import DocumentType
from dcmx_core.model.values import Address, Hash32
from dcmx_core.ports import (
    ApiKeyRepository,
    BalanceRepository,
    CheckpointRepository,
    ClaimRepository,
    ComplianceRepository,
    EventRepository,
    ProfileRepository,
    QuarantineRepository,
    ReleaseRepository,
    SaleRepository,
    StatsRepository,
    UnitOfWork,
    UsedNonceRepository,
)
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
    ReadModelChanges,
    ReleaseRecord,
    SaleRecord,
    StoredEvent,
    UserProfile,
)
from dcmx_core.services.projections import apply_changes


class SqlEventRepository(SqlRepository):
    _table = table_of(EventRow)

    def add(self, chain: str, events: Sequence[StoredEvent]) -> int:
        # Check the whole batch first: a refused batch writes nothing.
        for stored in events:
            if stored.chain != chain:
                raise ValueError(f"event of chain {stored.chain!r} stored under {chain!r}")
        if self._session.get_bind().dialect.name == "postgresql":
            copied = copy_events(self._session, chain, events)
            if copied >= 0:
                return copied
        rows: dict[tuple[object, ...], dict[str, Any]] = {}
        for stored in events:
            rows.setdefault(stored.key, _event_row(stored))
        if not rows:
            return 0
        statement = (
            self._insert(EventRow)
            .on_conflict_do_nothing(index_elements=[c.name for c in self._table.primary_key])
            .returning(self._table.c.log_index)
        )
        return len(self._session.execute(statement, list(rows.values())).all())

    def list(
        self,
        chain: str,
        *,
        after: tuple[int, int] | None = None,
        limit: int = 100,
        kind: str | None = None,
    ) -> list[StoredEvent]:
        c = self._table.c
        statement = select(self._table).where(c.chain == chain)
        if kind is not None:
            statement = statement.where(c.kind == kind)
        if after is not None:
            statement = statement.where(tuple_(c.block_number, c.log_index) > tuple_(*after))
        statement = statement.order_by(c.block_number, c.log_index, c.tx_id).limit(limit)
        return [_stored_event(row) for row in self._session.execute(statement)]

    def remove_from(self, chain: str, block_number: int) -> int:
        c = self._table.c
        statement = delete(self._table).where(c.chain == chain, c.block_number >= block_number)
        return cast(CursorResult[Any], self._session.execute(statement)).rowcount

    def count(self, chain: str) -> int:
        statement = select(func.count()).select_from(self._table)
        return self._session.execute(statement.where(self._table.c.chain == chain)).scalar_one()


def _event_row(stored: StoredEvent) -> dict[str, Any]:
    position = stored.position
    return {
        "chain": stored.chain,
        "block_number": position.block_number,
        "log_index": position.log_index,
        "tx_id": position.tx_id,
        "block_hash": position.block_hash,
        "kind": kind_of(stored.event),
        "payload": encode_event(stored.event, placed_at=position),
    }


def _stored_event(row: Any) -> StoredEvent:
    position = LogPosition(row.block_number, row.block_hash, row.tx_id, row.log_index)
    return StoredEvent(row.chain, position, decode_event(row.kind, row.payload, placed_at=position))


class SqlReleaseRepository(SqlRepository):
    _releases = table_of(ReleaseRow)
    _editions = table_of(EditionRow)

    def save_release(self, release: ReleaseRecord) -> None:
        self._upsert(ReleaseRow, values_of(release))

    def get_release(self, release_id: int) -> ReleaseRecord | None:
        statement = select(self._releases).where(self._releases.c.release_id == release_id)
        return self._one(ReleaseRecord, statement)

    def list_releases(self, *, after: int = 0, limit: int = 100) -> list[ReleaseRecord]:
        c = self._releases.c
        statement = select(self._releases).where(c.release_id > after)
        return self._all(ReleaseRecord, statement.order_by(c.release_id).limit(limit))

    def save_edition(self, edition: EditionRecord) -> None:
        self._upsert(EditionRow, values_of(edition))

    def get_edition(self, token_id: int) -> EditionRecord | None:
        statement = select(self._editions).where(self._editions.c.token_id == token_id)
        return self._one(EditionRecord, statement)

    def editions_of_owner(
        self, owner: Address, *, after: int = 0, limit: int = 100
    ) -> list[EditionRecord]:
        c = self._editions.c
        statement = select(self._editions).where(c.owner == owner, c.token_id > after)
        return self._all(EditionRecord, statement.order_by(c.token_id).limit(limit))

    def remove_release(self, release_id: int) -> None:
        self._delete(self._releases, self._releases.c.release_id == release_id)

    def remove_edition(self, token_id: int) -> None:
        self._delete(self._editions, self._editions.c.token_id == token_id)

    def editions_of_release(
        self, release_id: int, *, after: int = 0, limit: int | None = None
    ) -> list[EditionRecord]:
        c = self._editions.c
        statement = select(self._editions).where(c.release_id == release_id, c.token_id > after)
        return self._all(EditionRecord, statement.order_by(c.token_id).limit(limit))


class SqlBalanceRepository(SqlRepository):
    _table = table_of(BalanceRow)

    def set_balance(self, account: Address, amount: int) -> None:
        if amount:
            self._upsert(BalanceRow, {"account": account, "amount": amount})
        else:
            self._session.execute(delete(self._table).where(self._table.c.account == account))

    def balance(self, account: Address) -> int:
        statement = select(self._table.c.amount).where(self._table.c.account == account)
        amount: int | None = self._session.execute(statement).scalar_one_or_none()
        return amount or 0

    def holders(self, *, limit: int = 100) -> list[tuple[Address, int]]:
        c = self._table.c
        statement = select(c.account, c.amount).order_by(c.amount.desc(), c.account).limit(limit)
        return [(row.account, row.amount) for row in self._session.execute(statement)]


class SqlSaleRepository(SqlRepository):
    _sales = table_of(SaleRow)
    _payouts = table_of(PayoutRow)

    def add_sale(self, sale: SaleRecord) -> None:
        self._upsert(SaleRow, values_of(sale))

    def sales_of_release(
        self, release_id: int, *, after: int = 0, limit: int | None = None
    ) -> list[SaleRecord]:
        c = self._sales.c
        statement = select(self._sales).where(c.release_id == release_id, c.settlement_id > after)
        return self._all(SaleRecord, statement.order_by(c.settlement_id).limit(limit))

    def save_payout(self, payout: PayoutRecord) -> None:
        self._upsert(PayoutRow, values_of(payout))

    def payout(self, recipient: Address, currency: Address) -> PayoutRecord | None:
        c = self._payouts.c
        statement = select(self._payouts).where(c.recipient == recipient, c.currency == currency)
        return self._one(PayoutRecord, statement)

    def remove_sale(self, settlement_id: int) -> None:
        self._delete(self._sales, self._sales.c.settlement_id == settlement_id)

    def remove_payout(self, recipient: Address, currency: Address) -> None:
        c = self._payouts.c
        self._delete(self._payouts, c.recipient == recipient, c.currency == currency)

    def payouts_of(
        self, recipient: Address, *, after: Address | None = None, limit: int | None = None
    ) -> list[PayoutRecord]:
        c = self._payouts.c
        statement = select(self._payouts).where(c.recipient == recipient)
        if after is not None:
            statement = statement.where(c.currency > after)
        return self._all(PayoutRecord, statement.order_by(c.currency).limit(limit))


class SqlClaimRepository(SqlRepository):
    _table = table_of(ClaimRow)

    def save_claim(self, claim: ClaimRecord) -> None:
        self._upsert(ClaimRow, values_of(claim))

    def get_claim(self, claim_id: int) -> ClaimRecord | None:
        statement = select(self._table).where(self._table.c.claim_id == claim_id)
        return self._one(ClaimRecord, statement)

    def remove_claim(self, claim_id: int) -> None:
        self._delete(self._table, self._table.c.claim_id == claim_id)

    def claims_of(
        self, user: Address, *, after: int = 0, limit: int | None = None
    ) -> list[ClaimRecord]:
        c = self._table.c
        statement = select(self._table).where(c.user == user, c.claim_id > after)
        return self._all(ClaimRecord, statement.order_by(c.claim_id).limit(limit))


class SqlComplianceRepository(SqlRepository):
    _documents = table_of(DocumentRow)
    _acceptances = table_of(AcceptanceRow)
    _deletions = table_of(DeletionRow)

    def save_document(self, document: DocumentRecord) -> None:
        self._upsert(DocumentRow, values_of(document))

    def documents(
        self, doc_type: DocumentType, *, after: int = 0, limit: int | None = None
    ) -> list[DocumentRecord]:
        c = self._documents.c
        statement = select(self._documents).where(c.doc_type == doc_type, c.version > after)
        return self._all(DocumentRecord, statement.order_by(c.version).limit(limit))

    def add_acceptance(self, acceptance: AcceptanceRecord) -> None:
        self._insert_once(AcceptanceRow, values_of(acceptance))

    def acceptances_of(
        self,
        user: Address,
        *,
        after: tuple[int, DocumentType, int] | None = None,
        limit: int | None = None,
    ) -> list[AcceptanceRecord]:
        c = self._acceptances.c
        statement = select(self._acceptances).where(c.user == user)
        order = (c.accepted_at, c.doc_type, c.version)
        if after is not None:
            statement = statement.where(tuple_(*order) > after)
        return self._all(AcceptanceRecord, statement.order_by(*order).limit(limit))

    def save_deletion(self, deletion: DeletionRecord) -> None:
        self._upsert(DeletionRow, values_of(deletion))

    def deletion(self, request_id: int) -> DeletionRecord | None:
        statement = select(self._deletions).where(self._deletions.c.request_id == request_id)
        return self._one(DeletionRecord, statement)

    def remove_document(self, doc_type: DocumentType, version: int) -> None:
        c = self._documents.c
        self._delete(self._documents, c.doc_type == doc_type, c.version == version)

    def remove_acceptance(self, user: Address, doc_type: DocumentType, version: int) -> None:
        c = self._acceptances.c
        self._delete(
            self._acceptances, c.user == user, c.doc_type == doc_type, c.version == version
        )

    def remove_deletion(self, request_id: int) -> None:
        self._delete(self._deletions, self._deletions.c.request_id == request_id)

    def open_deletions(self, *, after: int = 0, limit: int | None = None) -> list[DeletionRecord]:
        c = self._deletions.c
        statement = select(self._deletions).where(c.processed_at.is_(None), c.request_id > after)
        return self._all(DeletionRecord, statement.order_by(c.request_id).limit(limit))


class SqlProfileRepository(SqlRepository):
    _profiles = table_of(ProfileRow)
    _erasures = table_of(ErasureRow)

    def save_profile(self, profile: UserProfile) -> None:
        self._upsert(ProfileRow, values_of(profile))

    def get_profile(self, address: Address) -> UserProfile | None:
        statement = select(self._profiles).where(self._profiles.c.address == address)
        return self._one(UserProfile, statement)

    def erase(self, address: Address, request_id: int, at: int) -> ErasureRecord:
        self._session.execute(delete(self._profiles).where(self._profiles.c.address == address))
        record = ErasureRecord(address, request_id, at)
        self._upsert(ErasureRow, values_of(record))
        return record

    def erasure(self, address: Address) -> ErasureRecord | None:
        statement = select(self._erasures).where(self._erasures.c.address == address)
        return self._one(ErasureRecord, statement)


class SqlCheckpointRepository(SqlRepository):
    _table = table_of(CheckpointRow)
    _blocks = table_of(IndexedBlockRow)

    # Built once: every read of the API asks for the checkpoint.
    _of_chain = select(_table).where(_table.c.chain == bindparam("chain"))

    def get_checkpoint(self, chain: str) -> Checkpoint | None:
        row = self._session.execute(self._of_chain, {"chain": chain}).first()
        return None if row is None else Checkpoint(**row._asdict())

    def set_checkpoint(self, checkpoint: Checkpoint) -> None:
        self._upsert(CheckpointRow, values_of(checkpoint))

    def record_blocks(self, chain: str, blocks: Sequence[tuple[int, Hash32]]) -> None:
        if not blocks:
            return
        statement = self._insert(IndexedBlockRow)
        statement = statement.on_conflict_do_update(
            index_elements=["chain", "block_number"],
            set_={"block_hash": statement.excluded.block_hash},
        )
        rows = [{"chain": chain, "block_number": n, "block_hash": h} for n, h in blocks]
        self._session.execute(statement, rows)

    def block_hash(self, chain: str, number: int) -> Hash32 | None:
        c = self._blocks.c
        statement = select(c.block_hash).where(c.chain == chain, c.block_number == number)
        found: Hash32 | None = self._session.execute(statement).scalar_one_or_none()
        return found

    def forget_blocks(self, chain: str, *, from_number: int = 0, below: int | None = None) -> None:
        c = self._blocks.c
        reach = c.block_number >= from_number if below is None else c.block_number < below
        self._delete(self._blocks, c.chain == chain, reach)


class SqlQuarantineRepository(SqlRepository):
    _table = table_of(QuarantineRow)

    def quarantine(self, log: QuarantinedLog) -> None:
        self._insert_once(QuarantineRow, values_of(log))

    def quarantined(self, chain: str) -> list[QuarantinedLog]:
        c = self._table.c
        statement = select(self._table).where(c.chain == chain)
        return self._all(QuarantinedLog, statement.order_by(c.block_number, c.log_index, c.tx_id))

    def remove_from(self, chain: str, block_number: int) -> int:
        c = self._table.c
        statement = delete(self._table).where(c.chain == chain, c.block_number >= block_number)
        return cast(CursorResult[Any], self._session.execute(statement)).rowcount


class SqlStatsRepository(SqlRepository):
    _table = table_of(StatRow)

    def add(self, figures: Figures) -> None:
        keys = [key for key, value in figures.items() if value]
        if not keys:
            return
        c = self._table.c
        current = {
            (row.figure, row.currency): row.value
            for row in self._session.execute(
                select(self._table).where(tuple_(c.figure, c.currency).in_(keys))
            )
        }
        for name, currency in keys:
            value = current.get((name, currency), 0) + figures[name, currency]
            self._upsert(StatRow, {"figure": name, "currency": currency, "value": value})

    def get(self) -> PlatformStats:
        rows = self._session.execute(select(self._table))
        return PlatformStats.from_figures({(r.figure, r.currency): r.value for r in rows})


class SqlApiKeyRepository(SqlRepository):
    _table = table_of(ApiKeyRow)

    def add_key(self, key: ApiKey) -> None:
        statement = (
            self._insert(ApiKeyRow)
            .values(_key_row(key))
            .on_conflict_do_nothing(index_elements=["key_id"])
            .returning(self._table.c.key_id)
        )
        if self._session.execute(statement).first() is None:
            raise ValueError(f"API key {key.key_id} exists already")

    def get_key(self, key_id: str) -> ApiKey | None:
        row = self._session.execute(
            select(self._table).where(self._table.c.key_id == key_id)
        ).first()
        return None if row is None else _api_key(row)

    def list_keys(self) -> list[ApiKey]:
        c = self._table.c
        rows = self._session.execute(select(self._table).order_by(c.created_at, c.key_id))
        return [_api_key(row) for row in rows]

    def revoke_key(self, key_id: str, at: int) -> ApiKey | None:
        c = self._table.c
        self._session.execute(
            update(self._table)
            .where(c.key_id == key_id, c.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        return self.get_key(key_id)


def _key_row(key: ApiKey) -> dict[str, Any]:
    return {
        "key_id": key.key_id,
        "name": key.name,
        "scopes": sorted(scope.value for scope in key.scopes),
        "secret_hash": key.secret_hash,
        "created_at": key.created_at,
        "revoked_at": key.revoked_at,
    }


def _api_key(row: Any) -> ApiKey:
    return ApiKey(
        key_id=row.key_id,
        name=row.name,
        scopes=frozenset(Scope(scope) for scope in row.scopes),
        secret_hash=bytes(row.secret_hash),
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


class SqlUsedNonceRepository(SqlRepository):
    _table = table_of(UsedNonceRow)

    def use_nonce(self, account: Address, nonce: str, expires_at: int) -> bool:
        # One statement: of two processes recording the same nonce, exactly one inserts it.
        statement = (
            self._insert(UsedNonceRow)
            .values(account=account, nonce=nonce, expires_at=expires_at)
            .on_conflict_do_nothing(index_elements=["account", "nonce"])
            .returning(self._table.c.nonce)
        )
        return self._session.execute(statement).first() is not None

    def forget_nonces(self, expired_before: int) -> int:
        statement = delete(self._table).where(self._table.c.expires_at < expired_before)
        return cast(CursorResult[Any], self._session.execute(statement)).rowcount


_REPOSITORIES: dict[str, type[SqlRepository]] = {
    "events": SqlEventRepository,
    "releases": SqlReleaseRepository,
    "balances": SqlBalanceRepository,
    "sales": SqlSaleRepository,
    "claims": SqlClaimRepository,
    "compliance": SqlComplianceRepository,
    "profiles": SqlProfileRepository,
    "checkpoints": SqlCheckpointRepository,
    "quarantine": SqlQuarantineRepository,
    "stats": SqlStatsRepository,
    "api_keys": SqlApiKeyRepository,
    "nonces": SqlUsedNonceRepository,
}


_SESSIONS: WeakKeyDictionary[Engine, sessionmaker[Session]] = WeakKeyDictionary()


def _sessions_of(engine: Engine) -> sessionmaker[Session]:
    # One session factory an engine: each sessionmaker is a new Session subclass, and
    # SQLAlchemy sets up event dispatch for every new class on its first session.
    sessions = _SESSIONS.get(engine)
    if sessions is None:
        sessions = _SESSIONS[engine] = sessionmaker(engine, expire_on_commit=False)
    return sessions


class SqlUnitOfWork:
    """The SQL read models as one transaction. Entering opens a session and begins; ``commit``
    commits; ``rollback``, or leaving the ``with`` block without committing what was written
    since, rolls back. The repositories exist inside the ``with`` block only."""

    # Typed as the ports: whoever holds a unit of work sees the ports' methods only.
    events: EventRepository
    releases: ReleaseRepository
    balances: BalanceRepository
    sales: SaleRepository
    claims: ClaimRepository
    compliance: ComplianceRepository
    profiles: ProfileRepository
    checkpoints: CheckpointRepository
    quarantine: QuarantineRepository
    stats: StatsRepository
    api_keys: ApiKeyRepository
    nonces: UsedNonceRepository

    def __init__(self, bind: Engine | sessionmaker[Session]) -> None:
        self._sessions = bind if isinstance(bind, sessionmaker) else _sessions_of(bind)
        self._session: Session | None = None

    def __enter__(self) -> SqlUnitOfWork:
        if self._session is not None:
            raise RuntimeError("this unit of work is already in a with block")
        session = self._session = self._sessions()
        session.begin()
        for name, repository in _REPOSITORIES.items():
            setattr(self, name, repository(session))
        return self

    def __exit__(self, *exc: object) -> None:
        session, self._session = self._active(), None
        # A repository used after the block would open a transaction no one commits.
        for name in _REPOSITORIES:
            delattr(self, name)
        session.close()  # rolls back whatever was not committed

    def apply(self, changes: ReadModelChanges) -> None:
        session = self._active()
        if session.get_bind().dialect.name == "postgresql":
            PostgresProjection(session).apply(changes)
            self.stats.add(dict(changes.figures))
        else:
            apply_changes(changes, self)

    def commit(self) -> None:
        self._active().commit()

    def rollback(self) -> None:
        self._active().rollback()

    def _active(self) -> Session:
        if self._session is None:
            raise RuntimeError("use the unit of work inside its with block")
        return self._session


if TYPE_CHECKING:
    # Never run: mypy checks here that each class is what its port asks for.
    def _conforms(session: Session, engine: Engine) -> None:
        _events: EventRepository = SqlEventRepository(session)
        _releases: ReleaseRepository = SqlReleaseRepository(session)
        _balances: BalanceRepository = SqlBalanceRepository(session)
        _sales: SaleRepository = SqlSaleRepository(session)
        _claims: ClaimRepository = SqlClaimRepository(session)
        _compliance: ComplianceRepository = SqlComplianceRepository(session)
        _profiles: ProfileRepository = SqlProfileRepository(session)
        _checkpoints: CheckpointRepository = SqlCheckpointRepository(session)
        _quarantine: QuarantineRepository = SqlQuarantineRepository(session)
        _stats: StatsRepository = SqlStatsRepository(session)
        _api_keys: ApiKeyRepository = SqlApiKeyRepository(session)
        _nonces: UsedNonceRepository = SqlUsedNonceRepository(session)
        _unit_of_work: UnitOfWork = SqlUnitOfWork(engine)
