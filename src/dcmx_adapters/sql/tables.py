"""The SQL read side's own tables. Rows are converted to and from the core's records by the
repositories; no domain class is mapped onto a table.

Column names are the record's field names, so a row and its record convert field by field.
There are no foreign keys between the projections: the indexer writes them in event order and
removes them on a reorg, and a read model may hold an edition whose release came in another
batch. Every index below serves a query a repository port offers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, LargeBinary, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from dcmx_adapters.sql.columns import (
    AddressBytes,
    AddressList,
    ExactText,
    HashBytes,
    IntEnumValue,
    IntList,
    Uint256,
)
from dcmx_core.model.enums import ClaimStatus, DocumentType, Pool, Regime
from dcmx_core.model.values import Address, Hash32

CHAIN_LENGTH = 64
"""Chain names such as ``evm:1337`` or ``tron:shasta``."""

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class EventRow(Base):
    """A decoded event at its position. The primary key is the natural key; its columns are in
    chain order (block, log index) so that the key's own index serves paging and reorg removal."""

    __tablename__ = "events"
    # The API's events of one kind, in chain order.
    __table_args__ = (Index(None, "chain", "kind", "block_number", "log_index"),)

    chain: Mapped[str] = mapped_column(String(CHAIN_LENGTH), primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    tx_id: Mapped[Hash32] = mapped_column(HashBytes, primary_key=True)
    block_hash: Mapped[Hash32] = mapped_column(HashBytes)
    kind: Mapped[str] = mapped_column(String(64))
    # JSON, not JSONB, on PostgreSQL: jsonb refuses "\u0000", and a title may hold a NUL.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


class ReleaseRow(Base):
    __tablename__ = "releases"

    release_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    artist: Mapped[Address] = mapped_column(AddressBytes)
    title: Mapped[str] = mapped_column(ExactText)
    artist_name: Mapped[str] = mapped_column(ExactText)
    content_hash: Mapped[Hash32] = mapped_column(HashBytes)
    max_editions: Mapped[int] = mapped_column(BigInteger)
    royalty_bps: Mapped[int] = mapped_column(Integer)
    recipients: Mapped[tuple[Address, ...]] = mapped_column(AddressList)
    shares_bps: Mapped[tuple[int, ...]] = mapped_column(IntList)
    minted: Mapped[int] = mapped_column(BigInteger)
    created_block: Mapped[int] = mapped_column(BigInteger)


class EditionRow(Base):
    __tablename__ = "editions"
    __table_args__ = (
        Index(None, "owner", "token_id"),
        Index(None, "release_id", "token_id"),
    )

    token_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    release_id: Mapped[int] = mapped_column(BigInteger)
    edition: Mapped[int] = mapped_column(BigInteger)
    owner: Mapped[Address] = mapped_column(AddressBytes)


class BalanceRow(Base):
    """Token balances; an account whose balance is zero has no row."""

    __tablename__ = "balances"

    account: Mapped[Address] = mapped_column(AddressBytes, primary_key=True)
    amount: Mapped[int] = mapped_column(Uint256)


# The holders query reads the largest balances first, ties by address.
Index("ix_balances_holders", BalanceRow.amount.desc(), BalanceRow.account)


class SaleRow(Base):
    __tablename__ = "sales"
    __table_args__ = (Index(None, "release_id", "settlement_id"),)

    settlement_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    release_id: Mapped[int] = mapped_column(BigInteger)
    token_id: Mapped[int] = mapped_column(BigInteger)
    seller: Mapped[Address] = mapped_column(AddressBytes)
    buyer: Mapped[Address] = mapped_column(AddressBytes)
    currency: Mapped[Address] = mapped_column(AddressBytes)
    price: Mapped[int] = mapped_column(Uint256)
    primary: Mapped[bool]
    block_number: Mapped[int] = mapped_column(BigInteger)


class PayoutRow(Base):
    """Credited and withdrawn per recipient and currency; the key's index serves a recipient's
    payouts in currency order."""

    __tablename__ = "payouts"

    recipient: Mapped[Address] = mapped_column(AddressBytes, primary_key=True)
    currency: Mapped[Address] = mapped_column(AddressBytes, primary_key=True)
    credited: Mapped[int] = mapped_column(Uint256)
    withdrawn: Mapped[int] = mapped_column(Uint256)


class ClaimRow(Base):
    __tablename__ = "claims"
    __table_args__ = (Index(None, "user", "claim_id"),)

    claim_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user: Mapped[Address] = mapped_column(AddressBytes)
    pool: Mapped[Pool] = mapped_column(IntEnumValue(Pool))
    amount: Mapped[int] = mapped_column(Uint256)
    proof_hash: Mapped[Hash32] = mapped_column(HashBytes)
    day: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[ClaimStatus] = mapped_column(IntEnumValue(ClaimStatus))


class DocumentRow(Base):
    __tablename__ = "documents"

    doc_type: Mapped[DocumentType] = mapped_column(
        IntEnumValue(DocumentType), primary_key=True, autoincrement=False
    )
    version: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    document_hash: Mapped[Hash32] = mapped_column(HashBytes)
    registered_block: Mapped[int] = mapped_column(BigInteger)


class AcceptanceRow(Base):
    """The acceptance audit trail: one acceptance per user, document type and version (the
    chain records each once; the first one added is kept)."""

    __tablename__ = "acceptances"
    __table_args__ = (Index(None, "user", "accepted_at"),)

    user: Mapped[Address] = mapped_column(AddressBytes, primary_key=True)
    doc_type: Mapped[DocumentType] = mapped_column(
        IntEnumValue(DocumentType), primary_key=True, autoincrement=False
    )
    version: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    document_hash: Mapped[Hash32] = mapped_column(HashBytes)
    accepted_at: Mapped[int] = mapped_column(BigInteger)


class DeletionRow(Base):
    __tablename__ = "deletion_requests"
    __table_args__ = (Index(None, "processed_at", "request_id"),)

    request_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user: Mapped[Address] = mapped_column(AddressBytes)
    regime: Mapped[Regime] = mapped_column(IntEnumValue(Regime))
    requested_at: Mapped[int] = mapped_column(BigInteger)
    processed_at: Mapped[int | None] = mapped_column(BigInteger)


class ProfileRow(Base):
    """Personal data, the only place it lives: erasing a user deletes their row."""

    __tablename__ = "user_profiles"

    address: Mapped[Address] = mapped_column(AddressBytes, primary_key=True)
    display_name: Mapped[str] = mapped_column(ExactText)
    email: Mapped[str | None] = mapped_column(ExactText)
    country: Mapped[str | None] = mapped_column(ExactText)
    ip_hash: Mapped[Hash32 | None] = mapped_column(HashBytes)


class ErasureRow(Base):
    """That a profile was erased: the address, the request and the time, nothing personal."""

    __tablename__ = "erasures"

    address: Mapped[Address] = mapped_column(AddressBytes, primary_key=True)
    request_id: Mapped[int] = mapped_column(BigInteger)
    erased_at: Mapped[int] = mapped_column(BigInteger)


class CheckpointRow(Base):
    __tablename__ = "checkpoints"

    chain: Mapped[str] = mapped_column(String(CHAIN_LENGTH), primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger)
    block_hash: Mapped[Hash32] = mapped_column(HashBytes)
    writer_generation: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    """The writer lease's generation (fencing token) of the batch that moved the checkpoint
    last; none where no lease is taken (SQLite, one process)."""


class IndexedBlockRow(Base):
    """The hash of a block the indexer wrote, kept while a reorganization could reach it."""

    __tablename__ = "indexed_blocks"

    chain: Mapped[str] = mapped_column(String(CHAIN_LENGTH), primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    block_hash: Mapped[Hash32] = mapped_column(HashBytes)


class StatRow(Base):
    """A platform figure (see ``read_models.STAT_FIGURES``): one row per figure, and per
    currency for the figures kept per currency (the zero address otherwise)."""

    __tablename__ = "platform_stats"

    figure: Mapped[str] = mapped_column(String(32), primary_key=True)
    currency: Mapped[Address] = mapped_column(AddressBytes, primary_key=True)
    value: Mapped[int] = mapped_column(Uint256)


class QuarantineRow(Base):
    """A log the indexer could not decode, once per position (the events' natural key)."""

    __tablename__ = "quarantine"

    chain: Mapped[str] = mapped_column(String(CHAIN_LENGTH), primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    tx_id: Mapped[Hash32] = mapped_column(HashBytes, primary_key=True)
    reason: Mapped[str] = mapped_column(ExactText)
    raw: Mapped[bytes] = mapped_column(LargeBinary)


class ApiKeyRow(Base):
    """An operator's API key: the SHA-256 of its secret, never the secret."""

    __tablename__ = "api_keys"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(ExactText)
    scopes: Mapped[list[str]] = mapped_column(JSON)
    secret_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[int] = mapped_column(BigInteger)
    revoked_at: Mapped[int | None] = mapped_column(BigInteger)


class UsedNonceRow(Base):
    """A nonce a user signed a request with, kept until the request has expired."""

    __tablename__ = "used_nonces"
    # Forgetting the nonces of expired requests.
    __table_args__ = (Index(None, "expires_at"),)

    account: Mapped[Address] = mapped_column(AddressBytes, primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[int] = mapped_column(BigInteger)


class WriterGenerationRow(Base):
    """How many times a chain's writer lease was taken: the fencing token a writer's every
    batch must still match when it commits."""

    __tablename__ = "writer_generations"

    chain: Mapped[str] = mapped_column(String(64), primary_key=True)
    generation: Mapped[int] = mapped_column(BigInteger)
