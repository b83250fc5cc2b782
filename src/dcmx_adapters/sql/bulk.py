"""PostgreSQL's fast path for the indexer: a batch's events go in with ``COPY``, and its folded
projections with a few set-wise statements over arrays (``unnest``), in the session's own
transaction. What each column holds is decided by the column types in ``columns.py``; this
module only moves the converted values in bulk.

SQLite, the embedded default, takes the ordinary path through the repositories.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache, partial
from typing import Any

import attrs
from psycopg import Cursor, sql
from psycopg.copy import QueuedLibpqWriter
from psycopg.types.string import BytesBinaryDumper
from sqlalchemy import JSON, Table
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from dcmx_adapters.sql.event_json import encode_event_text, kind_of
from dcmx_adapters.sql.statements import table_of
from dcmx_adapters.sql.tables import (
    AcceptanceRow,
    BalanceRow,
    Base,
    ClaimRow,
    DeletionRow,
    DocumentRow,
    EditionRow,
    EventRow,
    PayoutRow,
    ReleaseRow,
    SaleRow,
)
from dcmx_core.read_models import ReadModelChanges, StoredEvent
from dcmx_core.services.projections import never_indexed

_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]
_JSON = partial(json.dumps, separators=(",", ":"))

Convert = Callable[[Any], Any]


def _identity(value: Any) -> Any:
    return value


@cache
def _converter(table: Table, name: str) -> Convert:
    """How a value of column ``name`` becomes what psycopg sends (as SQLAlchemy would bind it)."""
    kind = table.c[name].type
    if isinstance(kind, TypeDecorator):
        bind = kind.process_bind_param
        if isinstance(kind.impl_instance, JSON):
            return lambda value: None if value is None else _JSON(bind(value, _DIALECT))
        return lambda value: bind(value, _DIALECT)
    if isinstance(kind, JSON):
        return lambda value: None if value is None else _JSON(value)
    return _identity


@cache
def _array_type(table: Table, name: str) -> sql.Composable:
    return sql.SQL(table.c[name].type.compile(dialect=_DIALECT) + "[]")


def _cursor(session: Session) -> Cursor[Any]:
    """A psycopg cursor in the session's transaction. Its ``bytea`` values are written by
    psycopg's compiled dumper: the one psycopg registers for that type by default accepts its
    DB-API ``Binary`` wrapper as well, and is Python code run for every value."""
    connection = session.connection().connection.driver_connection
    cursor: Cursor[Any] = connection.cursor()  # type: ignore[union-attr]
    cursor.adapters.register_dumper(None, BytesBinaryDumper)
    return cursor


def _columns(table: Table, names: Sequence[str]) -> sql.Composable:
    return sql.SQL(", ").join(map(sql.Identifier, names))


class _Arrays:
    """Rows of some columns of a table as one array per column, for ``unnest``."""

    def __init__(self, table: Table, names: Sequence[str]) -> None:
        self.table, self.names = table, list(names)
        self._converters = [_converter(table, name) for name in self.names]
        self.columns: list[list[Any]] = [[] for _ in self.names]

    def add(self, *values: Any) -> None:
        for column, convert, value in zip(self.columns, self._converters, values, strict=True):
            column.append(convert(value))

    def __len__(self) -> int:
        return len(self.columns[0])

    def unnest(self) -> sql.Composable:
        """``unnest(%b::type[], ...) AS s(columns)``: the rows as a table named ``s``."""
        arrays = sql.SQL(", ").join(
            sql.SQL("%b::") + _array_type(self.table, name) for name in self.names
        )
        return sql.SQL("unnest({}) AS s({})").format(arrays, _columns(self.table, self.names))


def copy_events(session: Session, chain: str, events: Sequence[StoredEvent]) -> int:
    """Write ``events`` with ``COPY`` when none of their blocks holds a stored event (the
    common case: a new batch); return how many were written, or -1 when some blocks already
    hold events and the caller must merge instead."""
    if not events:
        return 0
    table = table_of(EventRow)
    cursor = _cursor(session)
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


class PostgresProjection:
    """Writes a batch's folded changes in a few statements per table."""

    def __init__(self, session: Session) -> None:
        self._cursor = _cursor(session)

    def apply(self, changes: ReadModelChanges) -> None:
        self._insert(ReleaseRow, changes.releases.values())
        self._insert(EditionRow, changes.editions.values())
        self._insert(SaleRow, changes.sales.values())
        self._insert(ClaimRow, changes.claims.values())
        self._insert(DocumentRow, changes.documents.values())
        self._insert(AcceptanceRow, changes.acceptances.values(), keep_first=True)
        self._insert(DeletionRow, changes.deletions.values())
        splits = {key: {"recipients": r, "shares_bps": s} for key, (r, s) in changes.splits.items()}
        self._update(ReleaseRow, "release", splits)
        self._update(ReleaseRow, "release", _field("minted", changes.minted))
        self._update(EditionRow, "edition", _field("owner", changes.owners))
        self._update(ClaimRow, "claim", _field("status", changes.claim_statuses))
        self._update(DeletionRow, "deletion request", _field("processed_at", changes.processed))
        self._add(BalanceRow, {(a,): (d,) for a, d in changes.balances.items()}, ["amount"])
        payouts = {
            key: (changes.credited[key], changes.withdrawn[key])
            for key in changes.credited.keys() | changes.withdrawn.keys()
        }
        self._add(PayoutRow, payouts, ["credited", "withdrawn"])

    def _insert(self, model: type[Base], records: Iterable[Any], keep_first: bool = False) -> None:
        """Insert new records; a record whose key is taken replaces the row (or, with
        ``keep_first``, leaves it), as the repositories' ``save`` (``add``) methods do."""
        table = table_of(model)
        names = [column.name for column in table.columns]
        rows = _Arrays(table, names)
        for record in records:
            rows.add(*attrs.astuple(record, recurse=False))
        if not rows:
            return
        keys = [column.name for column in table.primary_key]
        changed = [name for name in names if name not in keys]
        conflict: sql.Composable
        if keep_first or not changed:
            conflict = sql.SQL("DO NOTHING")
        else:
            conflict = sql.SQL("DO UPDATE SET {}").format(_set_excluded(changed))
        self._cursor.execute(
            sql.SQL("INSERT INTO {} ({}) SELECT * FROM {} ON CONFLICT ({}) {}").format(
                sql.Identifier(table.name),
                _columns(table, names),
                rows.unnest(),
                _columns(table, keys),
                conflict,
            ),
            rows.columns,
        )

    def _update(self, model: type[Base], kind: str, changes: Mapping[Any, dict[str, Any]]) -> None:
        """Set fields of existing rows, by primary key; a key with no row is refused."""
        if not changes:
            return
        table = table_of(model)
        (key,) = (column.name for column in table.primary_key)
        fields = list(next(iter(changes.values())))
        rows = _Arrays(table, [key, *fields])
        for value, update in changes.items():
            rows.add(value, *(update[name] for name in fields))
        target = sql.Identifier(table.name)
        assignments = sql.SQL(", ").join(
            sql.SQL("{} = s.{}").format(sql.Identifier(name), sql.Identifier(name))
            for name in fields
        )
        self._cursor.execute(
            sql.SQL("UPDATE {} AS t SET {} FROM {} WHERE t.{} = s.{}").format(
                target, assignments, rows.unnest(), sql.Identifier(key), sql.Identifier(key)
            ),
            rows.columns,
        )
        if self._cursor.rowcount != len(rows):
            found = self._present(table, key, list(changes))
            missing = next(value for value in changes if value not in found)
            raise never_indexed(kind, missing)

    def _present(self, table: Table, key: str, values: list[Any]) -> set[Any]:
        rows = _Arrays(table, [key])
        for value in values:
            rows.add(value)
        self._cursor.execute(
            sql.SQL("SELECT {} FROM {} WHERE {} = ANY(%s)").format(
                sql.Identifier(key), sql.Identifier(table.name), sql.Identifier(key)
            ),
            rows.columns,
        )
        stored = {row[0] for row in self._cursor.fetchall()}
        return {value for value, raw in zip(values, rows.columns[0], strict=True) if raw in stored}

    def _add(
        self, model: type[Base], deltas: Mapping[tuple[Any, ...], tuple[int, ...]], sums: list[str]
    ) -> None:
        """Add signed amounts to the ``sums`` columns of the rows keyed by ``deltas`` (a
        missing row counts as zeros); a row left at zero in every sum is removed, as the
        repositories keep no row for nothing."""
        if not deltas:
            return
        table = table_of(model)
        keys = [column.name for column in table.primary_key]
        key_arrays = _Arrays(table, keys)
        amounts: list[list[int]] = [[] for _ in sums]
        for key, values in deltas.items():
            key_arrays.add(*key)
            for column, value in zip(amounts, values, strict=True):
                column.append(value)
        target = sql.Identifier(table.name)
        signed = sql.SQL(", ").join(sql.SQL("%b::numeric[]") for _ in sums)
        names = _columns(table, [*keys, *sums])
        rows = sql.SQL("unnest({}, {}) AS s({})").format(
            sql.SQL(", ").join(sql.SQL("%b::") + _array_type(table, k) for k in keys),
            signed,
            names,
        )
        additions = sql.SQL(", ").join(
            sql.SQL("{} = {}.{} + excluded.{}").format(
                sql.Identifier(name), target, sql.Identifier(name), sql.Identifier(name)
            )
            for name in sums
        )
        self._cursor.execute(
            sql.SQL(
                "INSERT INTO {} ({}) SELECT * FROM {} ON CONFLICT ({}) DO UPDATE SET {}"
            ).format(target, names, rows, _columns(table, keys), additions),
            [*key_arrays.columns, *amounts],
        )
        # Only a row given a negative amount, or nothing at all, can end at zero everywhere.
        suspects = _Arrays(table, keys)
        for key, values in deltas.items():
            if any(value < 0 for value in values) or not any(values):
                suspects.add(*key)
        if not suspects:
            return
        zero = sql.SQL(" AND ").join(sql.SQL("t.{} = 0").format(sql.Identifier(n)) for n in sums)
        matched = sql.SQL(" AND ").join(
            sql.SQL("t.{} = s.{}").format(sql.Identifier(k), sql.Identifier(k)) for k in keys
        )
        key_rows = sql.SQL("unnest({}) AS s({})").format(
            sql.SQL(", ").join(sql.SQL("%b::") + _array_type(table, k) for k in keys),
            _columns(table, keys),
        )
        self._cursor.execute(
            sql.SQL("DELETE FROM {} AS t USING {} WHERE {} AND {}").format(
                target, key_rows, matched, zero
            ),
            suspects.columns,
        )


def _field(name: str, values: Mapping[Any, Any]) -> dict[Any, dict[str, Any]]:
    return {key: {name: value} for key, value in values.items()}


def _set_excluded(names: Sequence[str]) -> sql.Composable:
    return sql.SQL(", ").join(
        sql.SQL("{} = excluded.{}").format(sql.Identifier(n), sql.Identifier(n)) for n in names
    )
