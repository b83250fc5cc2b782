"""What the platform keeps about its users on SQL: their reward claims; the compliance
documents, their acceptances of them and their deletion requests; their profiles and the
erasures of those. One class per repository port, over a SQLAlchemy ``Session``.

Writes are single statements (``INSERT ... ON CONFLICT`` on PostgreSQL and SQLite alike) and
reads select columns, not ORM objects, so every value read has come back from the database.
"""

from __future__ import annotations

from sqlalchemy import delete, select, tuple_

from dcmx_adapters.sql.statements import (
    LIMIT,
    SqlRepository,
    bound,
    limit_of,
    table_of,
    values_of,
)
from dcmx_adapters.sql.tables import (
    AcceptanceRow,
    ClaimRow,
    DeletionRow,
    DocumentRow,
    ErasureRow,
    ProfileRow,
)
from dcmx_core.model.enums import DocumentType
from dcmx_core.model.values import Address
from dcmx_core.read_models import (
    AcceptanceRecord,
    ClaimRecord,
    DeletionRecord,
    DocumentRecord,
    ErasureRecord,
    UserProfile,
)


class SqlClaimRepository(SqlRepository):
    _table = table_of(ClaimRow)
    # The reads' statements are built once, with parameters: a read builds no statement.
    _of_user = (
        select(_table)
        .where(
            _table.c.user == bound(_table.c.user),
            _table.c.claim_id > bound(_table.c.claim_id, "after"),
        )
        .order_by(_table.c.claim_id)
        .limit(LIMIT)
    )

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
        values = {"user": user, "after": after, "limit": limit_of(limit)}
        return self._all(ClaimRecord, self._of_user, values)


class SqlComplianceRepository(SqlRepository):
    _documents = table_of(DocumentRow)
    _acceptances = table_of(AcceptanceRow)
    _deletions = table_of(DeletionRow)
    _of_type = (
        select(_documents)
        .where(
            _documents.c.doc_type == bound(_documents.c.doc_type),
            _documents.c.version > bound(_documents.c.version, "after"),
        )
        .order_by(_documents.c.version)
        .limit(LIMIT)
    )
    _acceptance_order = (
        _acceptances.c.accepted_at,
        _acceptances.c.doc_type,
        _acceptances.c.version,
    )
    _of_acceptor = (
        select(_acceptances)
        .where(_acceptances.c.user == bound(_acceptances.c.user))
        .order_by(*_acceptance_order)
        .limit(LIMIT)
    )
    _of_acceptor_after = _of_acceptor.where(
        tuple_(*_acceptance_order)
        > tuple_(*(bound(column, f"after_{column.key}") for column in _acceptance_order))
    )
    _open = (
        select(_deletions)
        .where(
            _deletions.c.processed_at.is_(None),
            _deletions.c.request_id > bound(_deletions.c.request_id, "after"),
        )
        .order_by(_deletions.c.request_id)
        .limit(LIMIT)
    )

    def save_document(self, document: DocumentRecord) -> None:
        self._upsert(DocumentRow, values_of(document))

    def documents(
        self, doc_type: DocumentType, *, after: int = 0, limit: int | None = None
    ) -> list[DocumentRecord]:
        values = {"doc_type": doc_type, "after": after, "limit": limit_of(limit)}
        return self._all(DocumentRecord, self._of_type, values)

    def add_acceptance(self, acceptance: AcceptanceRecord) -> None:
        self._insert_once(AcceptanceRow, values_of(acceptance))

    def acceptances_of(
        self,
        user: Address,
        *,
        after: tuple[int, DocumentType, int] | None = None,
        limit: int | None = None,
    ) -> list[AcceptanceRecord]:
        values: dict[str, object] = {"user": user, "limit": limit_of(limit)}
        if after is None:
            return self._all(AcceptanceRecord, self._of_acceptor, values)
        at, doc_type, version = after
        values |= {"after_accepted_at": at, "after_doc_type": doc_type, "after_version": version}
        return self._all(AcceptanceRecord, self._of_acceptor_after, values)

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
        values = {"after": after, "limit": limit_of(limit)}
        return self._all(DeletionRecord, self._open, values)


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
