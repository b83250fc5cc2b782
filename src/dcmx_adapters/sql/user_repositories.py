"""What the platform keeps about its users on SQL: their reward claims; the compliance
documents, their acceptances of them and their deletion requests; their profiles and the
erasures of those. One class per repository port, over a SQLAlchemy ``Session``.

Writes are single statements (``INSERT ... ON CONFLICT`` on PostgreSQL and SQLite alike) and
reads select columns, not ORM objects, so every value read has come back from the database.
"""

from __future__ import annotations

from sqlalchemy import delete, select, tuple_

from dcmx_adapters.sql.statements import SqlRepository, table_of, values_of
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
