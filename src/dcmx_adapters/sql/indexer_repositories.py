"""The indexer's own records on SQL: the events it stored, its checkpoint and the hashes of the
blocks it indexed, the logs it quarantined, and the platform's running figures. One class per
repository port, over a SQLAlchemy ``Session``.

Writes are single statements (``INSERT ... ON CONFLICT`` on PostgreSQL and SQLite alike) and
reads select columns, not ORM objects, so every value read has come back from the database.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, Select, Table, bindparam, delete, func, select, tuple_

from dcmx_adapters.sql.bulk import copy_events
from dcmx_adapters.sql.event_json import decode_event, encode_event, kind_of
from dcmx_adapters.sql.index_notices import announce
from dcmx_adapters.sql.read_statements import StoredEventJson
from dcmx_adapters.sql.statements import (
    ALONG,
    LIMIT,
    CheckpointAlong,
    SqlRepository,
    bound,
    table_of,
    values_of,
)
from dcmx_adapters.sql.tables import (
    CheckpointRow,
    EventRow,
    IndexedBlockRow,
    QuarantineRow,
    StatRow,
)
from dcmx_core.events import LogPosition
from dcmx_core.live import IndexNotice
from dcmx_core.model.values import Hash32
from dcmx_core.read_models import (
    Checkpoint,
    Figures,
    PlatformStats,
    QuarantinedLog,
    StoredEvent,
)


def _event_pages(table: Table) -> dict[tuple[bool, bool], Select[Any]]:
    """A page of a chain's events in chain order, by (of one kind, after a cursor)."""
    c = table.c
    every = select(table).where(c.chain == bound(c.chain))
    order = (c.block_number, c.log_index, c.tx_id)
    after = tuple_(c.block_number, c.log_index) > tuple_(
        bound(c.block_number, "after_block_number"), bound(c.log_index, "after_log_index")
    )
    of_kind = c.kind == bound(c.kind)
    return {
        (kind, cursor): every.where(*([of_kind] if kind else []), *([after] if cursor else []))
        .order_by(*order)
        .limit(LIMIT)
        for kind in (False, True)
        for cursor in (False, True)
    }


class SqlEventRepository(SqlRepository):
    _table = table_of(EventRow)
    # The reads' statements are built once, with parameters: a read builds no statement.
    _pages = _event_pages(_table)

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
        values: dict[str, object] = {"chain": chain, "limit": limit}
        if kind is not None:
            values["kind"] = kind
        if after is not None:
            values["after_block_number"], values["after_log_index"] = after
        statement = self._pages[kind is not None, after is not None]
        return [_stored_event(row) for row in self._rows(statement, values)]

    def stored_page(
        self,
        chain: str,
        *,
        after: tuple[int, int] | None = None,
        limit: int = 100,
        kind: str | None = None,
    ) -> builtins.list[StoredEventJson]:  # the builtin: ``list`` is a method here
        """``list``'s page with each event's fields as stored (``event_json``), not decoded."""
        values: dict[str, object] = {"chain": chain, "limit": limit}
        if kind is not None:
            values["kind"] = kind
        if after is not None:
            values["after_block_number"], values["after_log_index"] = after
        statement = self._pages[kind is not None, after is not None]
        return [
            StoredEventJson(
                r.chain, r.block_number, r.log_index, r.tx_id, r.block_hash, r.kind, r.payload
            )
            for r in self._rows(statement, values)
        ]

    def remove_from(self, chain: str, block_number: int) -> int:
        c = self._table.c
        statement = delete(self._table).where(c.chain == chain, c.block_number >= block_number)
        removed = cast(CursorResult[Any], self._session.execute(statement)).rowcount
        if removed:  # those who follow the events live withdraw them when this commits
            announce(self._session, IndexNotice(chain, block_number, retracted=True))
        return removed

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


class SqlCheckpointRepository(SqlRepository):
    _table = table_of(CheckpointRow)
    _blocks = table_of(IndexedBlockRow)

    # Built once: every read of the API asks for the checkpoint.
    _of_chain = select(_table.c.chain, _table.c.block_number, _table.c.block_hash).where(
        _table.c.chain == bindparam("chain")
    )

    def get_checkpoint(self, chain: str) -> Checkpoint | None:
        along: CheckpointAlong | None = self._session.info.get(ALONG)
        if along is not None and along.chain == chain:
            if along.seen:  # brought along by the first read
                return along.checkpoint
            along.seen = True  # read here, before any other read: no read need bring it
        row = self._session.execute(self._of_chain, {"chain": chain}).first()
        return None if row is None else Checkpoint(**row._asdict())

    def set_checkpoint(self, checkpoint: Checkpoint) -> None:
        self._upsert(CheckpointRow, values_of(checkpoint))
        # Those who follow the events live read the new ones once this commits.
        announce(self._session, IndexNotice(checkpoint.chain, checkpoint.block_number))

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
    _of_chain = (
        select(_table)
        .where(_table.c.chain == bound(_table.c.chain))
        .order_by(_table.c.block_number, _table.c.log_index, _table.c.tx_id)
    )

    def quarantine(self, log: QuarantinedLog) -> None:
        self._insert_once(QuarantineRow, values_of(log))

    def quarantined(self, chain: str) -> list[QuarantinedLog]:
        return self._all(QuarantinedLog, self._of_chain, {"chain": chain})

    def remove_from(self, chain: str, block_number: int) -> int:
        c = self._table.c
        statement = delete(self._table).where(c.chain == chain, c.block_number >= block_number)
        return cast(CursorResult[Any], self._session.execute(statement)).rowcount


class SqlStatsRepository(SqlRepository):
    _table = table_of(StatRow)
    _every = select(_table)

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
        rows = self._rows(self._every)
        return PlatformStats.from_figures({(r.figure, r.currency): r.value for r in rows})
