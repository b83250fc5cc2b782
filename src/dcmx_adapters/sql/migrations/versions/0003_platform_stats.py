"""Pre-computed platform figures (releases, editions, sales and their volume per currency,
token supply, claims, rewards paid, acceptances, deletion requests).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "platform_stats",
        sa.Column("figure", sa.String(32), nullable=False),
        sa.Column("currency", sa.LargeBinary(20), nullable=False),
        sa.Column("value", sa.Numeric(78, 0).with_variant(sa.String(78), "sqlite"), nullable=False),
        sa.PrimaryKeyConstraint("figure", "currency", name="pk_platform_stats"),
    )


def downgrade() -> None:
    op.drop_table("platform_stats")
