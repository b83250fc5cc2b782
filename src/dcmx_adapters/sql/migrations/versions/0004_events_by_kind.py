"""An index for the events of one kind in chain order (the API's event filter).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_events_chain_kind_block_number_log_index",
        "events",
        ["chain", "kind", "block_number", "log_index"],
    )


def downgrade() -> None:
    op.drop_index("ix_events_chain_kind_block_number_log_index", table_name="events")
