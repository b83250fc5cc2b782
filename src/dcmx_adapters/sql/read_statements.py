"""The API's reads on PostgreSQL, sent on the driver's own connection.

A read of the API is one prepared statement of a few indexed rows; SQLAlchemy's session, pool
checkout and result machinery around it cost more CPU than PostgreSQL's answer does. So a unit
of work for reading keeps one connection of the engine's pool checked out (``KeptConnection``)
and sends the repositories' statements on it through psycopg, each compiled once by
SQLAlchemy (``PreparedRead``: the same SQL text, the same conversion of every parameter and
column by the tables' column types). The statements, and the records built from their rows,
are the repositories' own: only the way the rows travel changes.

Reads run one at a time on the event loop, so one connection serves a process; a read that
finds it busy (another thread reading) or broken goes through the session as before.
"""

from __future__ import annotations

import threading
import weakref
from collections import namedtuple
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple
from weakref import WeakKeyDictionary

import psycopg
from attrs import define
from sqlalchemy import Engine, Select, event
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.pool import PoolProxiedConnection

from dcmx_adapters.sql.statements import CHECKPOINT_CHAIN, CheckpointAlong, carrying_checkpoint
from dcmx_core.model.values import Hash32
from dcmx_core.read_models import Checkpoint

Convert = Callable[[Any], Any]


class StoredEventJson(NamedTuple):
    """A stored event as its row holds it: the event's fields are ``event_json``'s JSON."""

    chain: str
    block_number: int
    log_index: int
    tx_id: Hash32
    block_hash: Hash32
    kind: str
    fields: dict[str, Any]


class PreparedRead:
    """A read statement compiled once for psycopg: its SQL text, the constants it carries, how
    each parameter goes in and how each column comes back (the column types' own conversions),
    and the tuple its rows become (named after its columns, as SQLAlchemy's rows are)."""

    def __init__(self, statement: Select[Any], dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql: str = compiled.string
        self._dialect = dialect
        self._types = [column.type for column in statement.selected_columns]
        self._parameters: list[tuple[str, Convert | None]] = []
        self._constants: dict[str, Any] = {}
        for name, parameter in compiled.binds.items():
            convert = parameter.type.dialect_impl(dialect).bind_processor(dialect)
            if parameter.required:
                self._parameters.append((name, convert))
            else:
                value = parameter.effective_value
                self._constants[name] = value if convert is None else convert(value)
        self._columns: list[Convert | None] | None = None

    def parameters(self, values: dict[str, Any]) -> dict[str, Any]:
        found = dict(self._constants)
        for name, convert in self._parameters:
            value = values[name]
            found[name] = value if convert is None or value is None else convert(value)
        return found

    def rows(self, cursor: psycopg.Cursor[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """The rows the cursor holds, each value converted as its column's type says."""
        columns = self._columns
        if columns is None:
            columns = self._columns = self._converters(cursor)
        converted = [(i, convert) for i, convert in enumerate(columns) if convert is not None]
        rows = []
        for fetched in cursor.fetchall():
            row = list(fetched)
            for i, convert in converted:
                row[i] = convert(row[i])
            rows.append(row)
        return rows  # type: ignore[return-value]  # lists, read by position as tuples are

    def _converters(self, cursor: psycopg.Cursor[tuple[Any, ...]]) -> list[Convert | None]:
        description = cursor.description or []
        dialect = self._dialect
        return [
            kind.dialect_impl(dialect).result_processor(dialect, column.type_code)
            for kind, column in zip(self._types, description, strict=True)
        ]


_PREPARED: WeakKeyDictionary[Select[Any], PreparedRead] = WeakKeyDictionary()


def prepared(statement: Select[Any], dialect: Dialect) -> PreparedRead:
    found = _PREPARED.get(statement)
    if found is None:
        found = _PREPARED[statement] = PreparedRead(statement, dialect)
    return found


class KeptConnection:
    """One connection of ``engine``'s pool, in autocommit, kept checked out for reading. It
    is lent to one reader at a time; ``lent`` gives None to another meanwhile, and while no
    connection can be checked out (the server is away)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._kept: PoolProxiedConnection | None = None
        # Disposing of the engine closes its pool's connections, and this one with them.
        event.listen(engine, "engine_disposed", _closing(weakref.ref(self)))

    def close(self) -> None:
        """Close the kept connection; the next read checks out another."""
        with self._lock:
            kept, self._kept = self._kept, None
            if kept is not None:
                kept.invalidate()

    @contextmanager
    def lent(self) -> Iterator[psycopg.Connection[Any] | None]:
        if not self._lock.acquire(blocking=False):
            yield None
            return
        try:
            yield self._connection()
        finally:
            self._lock.release()

    def _connection(self) -> psycopg.Connection[Any] | None:
        kept = self._kept
        if kept is not None and kept.driver_connection.broken:  # type: ignore[union-attr]
            kept.invalidate()
            kept = self._kept = None
        if kept is None:
            try:
                kept = self._kept = self._engine.raw_connection()
            except (psycopg.Error, DBAPIError):
                # The server is away: the read goes through the session, which tells it as
                # every other read's refusal is told; the next read tries again.
                return None
            kept.driver_connection.autocommit = True  # type: ignore[union-attr]
            # Back to the pool when this is collected (the pool closes it if disposed).
            weakref.finalize(self, kept.close)
        connection: psycopg.Connection[Any] = kept.driver_connection  # type: ignore[assignment]
        return connection


def _closing(kept: weakref.ref[KeptConnection]) -> Callable[[Any], None]:
    def close(_connection: Any) -> None:
        found = kept()
        if found is not None:
            found.close()

    return close


@define
class DirectAlong(CheckpointAlong):
    """``CheckpointAlong`` whose reads go on a ``KeptConnection`` when it is free, the first
    bringing the checkpoint along; through the session otherwise."""

    kept: KeptConnection | None = None

    def rows(
        self, session: Session, statement: Select[Any], values: dict[str, Any]
    ) -> Sequence[Any]:
        if self.kept is None:
            return super().rows(session, statement, values)
        with self.kept.lent() as connection:
            if connection is None:
                return super().rows(session, statement, values)
            try:
                return self._sent(connection, session.get_bind().dialect, statement, values)
            except DBAPIError:
                if not connection.broken:
                    raise
        # The server closed the kept connection (a restart): a new one is kept for the next
        # read, and this one goes through the pool, which checks what it lends.
        return super().rows(session, statement, values)

    def _sent(
        self,
        connection: psycopg.Connection[Any],
        dialect: Dialect,
        statement: Select[Any],
        values: dict[str, Any],
    ) -> list[Any]:
        page = _row_of(statement)
        if self.seen:
            return [
                page._make(row) for row in _sent(connection, prepared(statement, dialect), values)
            ]
        carried = prepared(carrying_checkpoint(statement), dialect)
        rows = _sent(connection, carried, {**values, CHECKPOINT_CHAIN: self.chain})
        self.seen = True
        first = rows[0]
        if first[0] is not None:
            self.checkpoint = Checkpoint(self.chain, first[0], first[1])
        return [page._make(row[2:-1]) for row in rows if row[-1] is not None]


def _sent(
    connection: psycopg.Connection[Any], read: PreparedRead, values: dict[str, Any]
) -> list[tuple[Any, ...]]:
    parameters = read.parameters(values)
    try:
        with connection.cursor() as cursor:
            cursor.execute(read.sql, parameters, prepare=True)
            return read.rows(cursor)
    except psycopg.Error as error:  # told as SQLAlchemy tells it, as every other read's is
        raise DBAPIError.instance(read.sql, parameters, error, psycopg.Error) from error


_ROWS: WeakKeyDictionary[Select[Any], type[tuple[Any, ...]]] = WeakKeyDictionary()


def _row_of(statement: Select[Any]) -> Any:
    found = _ROWS.get(statement)
    if found is None:
        names = [str(column.key) for column in statement.selected_columns]
        found = _ROWS[statement] = namedtuple("Row", names)
    return found
