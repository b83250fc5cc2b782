"""PostgreSQL's fast path for the indexer: a batch's events go in with ``COPY``, in the
session's own transaction (their projections follow set-wise, ``projections.py``).

SQLite, the embedded default, takes the ordinary path through the repositories.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Cursor, sql
from psycopg.copy import QueuedLibpqWriter
from psycopg.types.string import BytesBinaryDumper
from sqlalchemy import Table
from sqlalchemy.orm import Session

from dcmx_adapters.sql.event_json import encode_event_text, kind_of
from dcmx_adapters.sql.statements import table_of
from dcmx_adapters.sql.tables import EventRow
from dcmx_core.read_models import StoredEvent


def driver_cursor(session: Session) -> Cursor[Any]:
    """A psycopg cursor in the session's transaction. Its ``bytea`` values are written by
    psycopg's compiled dumper: the one psycopg registers for that type by default accepts its
    DB-API ``Binary`` wrapper as well, and is Python code run for every value."""
    connection = session.connection().connection.driver_connection
    cursor: Cursor[Any] = connection.cursor()  # type: ignore[union-attr]
    cursor.adapters.register_dumper(None, BytesBinaryDumper)
    return cursor


def _columns(table: Table, names: Sequence[str]) -> sql.Composable:
    return sql.SQL(", ").join(map(sql.Identifier, names))


def copy_events(session: Session, chain: str, events: Sequence[StoredEvent]) -> int:
    """Write ``events`` with ``COPY`` when none of their blocks holds a stored event (the
    common case: a new batch); return how many were written, or -1 when some blocks already
    hold events and the caller must merge instead."""
    if not events:
        return 0
    table = table_of(EventRow)
    cursor = driver_cursor(session)
    blocks = [stored.position.block_number for stored in events]
    cursor.execute(
        sql.SQL(
            "SELECT 1 FROM {} WHERE chain = %s AND block_number BETWEEN %s AND %s LIMIT 1"
        ).format(sql.Identifier(table.name)),
        (chain, min(blocks), max(blocks)),
    )
    if cursor.fetchone() is not None:
        return -1
    seen: set[tuple[object, ...]] = set()
    names = ["chain", "block_number", "log_index", "tx_id", "block_hash", "kind", "payload"]
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
        sql.Identifier(table.name), _columns(table, names)
    )
    # The queued writer sends from a thread of its own: PostgreSQL takes in rows while the
    # next ones are being encoded.
    with cursor.copy(statement, writer=QueuedLibpqWriter(cursor)) as copy:
        # The payload goes as text: the JSON is written already (a "json" type would quote it).
        copy.set_types(["varchar", "int8", "int4", "bytea", "bytea", "varchar", "text"])
        for stored in events:
            position = stored.position
            number, index, tx_id = position.block_number, position.log_index, position.tx_id.raw
            if (number, index, tx_id) in seen:
                continue  # delivered twice in one batch
            seen.add((number, index, tx_id))
            event = stored.event
            copy.write_row(
                (
                    chain,
                    number,
                    index,
                    tx_id,
                    position.block_hash.raw,
                    kind_of(event),
                    encode_event_text(event, placed_at=position),
                )
            )
    return len(seen)
