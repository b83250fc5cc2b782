"""The hashes of recently indexed blocks, to find where a reorganized chain forked.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "indexed_blocks",
        sa.Column("chain", sa.String(64), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("chain", "block_number", name="pk_indexed_blocks"),
    )


def downgrade() -> None:
    op.drop_table("indexed_blocks")
