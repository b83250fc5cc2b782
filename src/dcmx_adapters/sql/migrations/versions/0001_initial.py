"""The read models: events, releases and editions, balances, sales and payouts, claims,
compliance, profiles and erasures, checkpoints and quarantine.

Revision ID: 0001
Revises:
Create Date: 2026-11-27

Types are written out as the database sees them (not the adapter's column classes), so that
this migration keeps meaning the same whatever those classes become.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# uint256: NUMERIC(78, 0) on PostgreSQL; 78 zero-padded digits of text on SQLite.
UINT256 = sa.Numeric(78, 0).with_variant(sa.String(78), "sqlite")
ADDRESS = sa.LargeBinary(20)
HASH = sa.LargeBinary(32)
ENUM = sa.SmallInteger()
CHAIN = sa.String(64)


def _column(name: str, kind: sa.types.TypeEngine[Any], **options: Any) -> sa.Column[Any]:
    return sa.Column(name, kind, nullable=bool(options.pop("nullable", False)), **options)


def _pk(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(*columns, name=f"pk_{table}")


def upgrade() -> None:
    op.create_table(
        "events",
        _column("chain", CHAIN),
        _column("block_number", sa.BigInteger()),
        _column("log_index", sa.Integer()),
        _column("tx_id", HASH),
        _column("block_hash", HASH),
        _column("kind", sa.String(64)),
        _column("payload", sa.JSON()),
        _pk("events", "chain", "block_number", "log_index", "tx_id"),
    )
    op.create_table(
        "releases",
        _column("release_id", sa.BigInteger(), autoincrement=False),
        _column("artist", ADDRESS),
        _column("title", sa.Text()),
        _column("artist_name", sa.Text()),
        _column("content_hash", HASH),
        _column("max_editions", sa.BigInteger()),
        _column("royalty_bps", sa.Integer()),
        _column("recipients", sa.JSON()),
        _column("shares_bps", sa.JSON()),
        _column("minted", sa.BigInteger()),
        _column("created_block", sa.BigInteger()),
        _pk("releases", "release_id"),
    )
    op.create_table(
        "editions",
        _column("token_id", sa.BigInteger(), autoincrement=False),
        _column("release_id", sa.BigInteger()),
        _column("edition", sa.BigInteger()),
        _column("owner", ADDRESS),
        _pk("editions", "token_id"),
    )
    op.create_index("ix_editions_owner_token_id", "editions", ["owner", "token_id"])
    op.create_index("ix_editions_release_id_token_id", "editions", ["release_id", "token_id"])
    op.create_table(
        "balances",
        _column("account", ADDRESS),
        _column("amount", UINT256),
        _pk("balances", "account"),
    )
    op.create_index("ix_balances_holders", "balances", [sa.text("amount DESC"), "account"])
    op.create_table(
        "sales",
        _column("settlement_id", sa.BigInteger(), autoincrement=False),
        _column("release_id", sa.BigInteger()),
        _column("token_id", sa.BigInteger()),
        _column("seller", ADDRESS),
        _column("buyer", ADDRESS),
        _column("currency", ADDRESS),
        _column("price", UINT256),
        _column("primary", sa.Boolean()),
        _column("block_number", sa.BigInteger()),
        _pk("sales", "settlement_id"),
    )
    op.create_index("ix_sales_release_id_settlement_id", "sales", ["release_id", "settlement_id"])
    op.create_table(
        "payouts",
        _column("recipient", ADDRESS),
        _column("currency", ADDRESS),
        _column("credited", UINT256),
        _column("withdrawn", UINT256),
        _pk("payouts", "recipient", "currency"),
    )
    op.create_table(
        "claims",
        _column("claim_id", sa.BigInteger(), autoincrement=False),
        _column("user", ADDRESS),
        _column("pool", ENUM),
        _column("amount", UINT256),
        _column("proof_hash", HASH),
        _column("day", sa.BigInteger()),
        _column("status", ENUM),
        _pk("claims", "claim_id"),
    )
    op.create_index("ix_claims_user_claim_id", "claims", ["user", "claim_id"])
    op.create_table(
        "documents",
        _column("doc_type", ENUM),
        _column("version", sa.BigInteger()),
        _column("document_hash", HASH),
        _column("registered_block", sa.BigInteger()),
        _pk("documents", "doc_type", "version"),
    )
    op.create_table(
        "acceptances",
        _column("user", ADDRESS),
        _column("doc_type", ENUM),
        _column("version", sa.BigInteger()),
        _column("document_hash", HASH),
        _column("accepted_at", sa.BigInteger()),
        _pk("acceptances", "user", "doc_type", "version"),
    )
    op.create_index("ix_acceptances_user_accepted_at", "acceptances", ["user", "accepted_at"])
    op.create_table(
        "deletion_requests",
        _column("request_id", sa.BigInteger(), autoincrement=False),
        _column("user", ADDRESS),
        _column("regime", ENUM),
        _column("requested_at", sa.BigInteger()),
        _column("processed_at", sa.BigInteger(), nullable=True),
        _pk("deletion_requests", "request_id"),
    )
    op.create_index(
        "ix_deletion_requests_processed_at_request_id",
        "deletion_requests",
        ["processed_at", "request_id"],
    )
    op.create_table(
        "user_profiles",
        _column("address", ADDRESS),
        _column("display_name", sa.Text()),
        _column("email", sa.Text(), nullable=True),
        _column("country", sa.Text(), nullable=True),
        _column("ip_hash", HASH, nullable=True),
        _pk("user_profiles", "address"),
    )
    op.create_table(
        "erasures",
        _column("address", ADDRESS),
        _column("request_id", sa.BigInteger()),
        _column("erased_at", sa.BigInteger()),
        _pk("erasures", "address"),
    )
    op.create_table(
        "checkpoints",
        _column("chain", CHAIN),
        _column("block_number", sa.BigInteger()),
        _column("block_hash", HASH),
        _pk("checkpoints", "chain"),
    )
    op.create_table(
        "quarantine",
        _column("chain", CHAIN),
        _column("block_number", sa.BigInteger()),
        _column("log_index", sa.Integer()),
        _column("tx_id", HASH),
        _column("reason", sa.Text()),
        _column("raw", sa.LargeBinary()),
        _pk("quarantine", "chain", "block_number", "log_index", "tx_id"),
    )


def downgrade() -> None:
    for table in (
        "quarantine",
        "checkpoints",
        "erasures",
        "user_profiles",
        "deletion_requests",
        "acceptances",
        "documents",
        "claims",
        "payouts",
        "sales",
        "balances",
        "editions",
        "releases",
        "events",
    ):
        op.drop_table(table)
