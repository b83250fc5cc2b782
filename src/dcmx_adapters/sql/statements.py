"""What every SQL repository does with its session: write a record as one ``INSERT ... ON
CONFLICT`` statement (the same on PostgreSQL and SQLite), and read records back from rows whose
columns are named after the record's fields.

A unit of work for reading asks its first read to bring the indexer's checkpoint along
(``CheckpointAlong``): the page and the checkpoint come back from one statement, so they are
of one snapshot of the database even outside a transaction, in one round trip.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, TypeVar, cast
from weakref import WeakKeyDictionary

import attrs
from attrs import define
from sqlalchemy import (
    BigInteger,
    BindParameter,
    ColumnElement,
    Integer,
    Row,
    Select,
    Table,
    bindparam,
    delete,
    literal,
    select,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.util import ClauseAdapter

from dcmx_adapters.sql.tables import Base, CheckpointRow
from dcmx_core.read_models import Checkpoint

Record = TypeVar("Record", bound=attrs.AttrsInstance)
Insert = postgresql.Insert | sqlite.Insert


def table_of(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


class SqlRepository:
    """What every repository does with its session: upsert a record, read records back."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def _insert(self, model: type[Base]) -> Insert:
        dialect = self._session.get_bind().dialect.name
        if dialect == "postgresql":
            return postgresql.insert(table_of(model))
        if dialect == "sqlite":
            return sqlite.insert(table_of(model))
        raise ValueError(f"the SQL repositories run on PostgreSQL or SQLite, not {dialect}")

    def _upsert(self, model: type[Base], values: dict[str, Any]) -> None:
        """Insert the row, or replace the one with the same primary key."""
        table, statement = table_of(model), self._insert(model)
        keys = [column.name for column in table.primary_key]
        changes = {name: statement.excluded[name] for name in values if name not in keys}
        if not changes:
            self._insert_once(model, values)
            return
        self._session.execute(
            statement.on_conflict_do_update(index_elements=keys, set_=changes), values
        )

    def _insert_once(self, model: type[Base], values: dict[str, Any]) -> None:
        """Insert the row unless one with the same primary key is there already."""
        keys = [column.name for column in table_of(model).primary_key]
        self._session.execute(
            self._insert(model).on_conflict_do_nothing(index_elements=keys), values
        )

    def _delete(self, table: Table, *where: Any) -> None:
        """Delete the rows of ``table`` that meet every condition."""
        self._session.execute(delete(table).where(*where))

    def _rows(
        self, statement: Select[Any], values: dict[str, Any] | None = None
    ) -> Sequence[Row[Any]]:
        """The rows of a read (``values`` for its parameters); the first read of a unit of work
        for reading brings the checkpoint along (the rows then carry its columns too, which
        readers ignore)."""
        along: CheckpointAlong | None = self._session.info.get(ALONG)
        if along is None:
            return self._session.connection().execute(statement, values).all()
        return along.rows(self._session, statement, values or {})

    def _all(
        self, record: type[Record], statement: Select[Any], values: dict[str, Any] | None = None
    ) -> list[Record]:
        return _records(record, self._rows(statement, values))

    def _one(
        self, record: type[Record], statement: Select[Any], values: dict[str, Any] | None = None
    ) -> Record | None:
        """The record of the first row (the statements select by a key: one row or none)."""
        found = _records(record, self._rows(statement, values))
        return found[0] if found else None


NO_LIMIT: Final = 2**63 - 1


def bound(column: ColumnElement[Any], name: str | None = None) -> BindParameter[Any]:
    """A parameter of a statement built once, of ``column``'s type (``name`` by default
    the column's); a 64-bit integer for an integer column, so a key compared with it may be
    any the databases hold (the indexer's sentinels, a cursor's)."""
    kind = BigInteger() if type(column.type) is Integer else column.type
    return bindparam(name or column.key, type_=kind)


LIMIT: Final = bindparam("limit", type_=BigInteger)
"""A page's bound: give ``limit_of(limit)``."""


def limit_of(limit: int | None) -> int:
    return NO_LIMIT if limit is None else limit


def _records(record: type[Record], rows: Sequence[Row[Any]]) -> list[Record]:
    """``rows`` as records, each field from the column of its name (other columns unread)."""
    if not rows:
        return []
    columns = rows[0]._fields
    at = [columns.index(field.name) for field in attrs.fields(record)]
    return [record(*[row[i] for i in at]) for row in rows]


ALONG: Final = "dcmx_checkpoint_along"
"""The key of a session's ``CheckpointAlong`` in its ``info``."""

_checkpoints = table_of(CheckpointRow)
CHECKPOINT_CHAIN: Final = "_checkpoint_chain"
_ON_PAGE: Final = "_on_page"
_CHECKPOINT_BLOCK: Final = "_checkpoint_block_number"
_CHECKPOINT_HASH: Final = "_checkpoint_block_hash"


@define
class CheckpointAlong:
    """The checkpoint of ``chain``, read beside the first read of a unit of work.

    The statement that carries it is built once for each read statement: the repositories
    build theirs once too, with parameters (``bound``), so a read costs no statement building.

    The read becomes ``SELECT checkpoint, page.* FROM (one row) LEFT JOIN checkpoint LEFT JOIN
    (the read) page ORDER BY (the read's order)``: one row when the page is empty, the page's
    rows with the checkpoint beside each otherwise."""

    chain: str
    seen: bool = False
    checkpoint: Checkpoint | None = None

    def rows(
        self, session: Session, statement: Select[Any], values: dict[str, Any]
    ) -> Sequence[Row[Any]]:
        """The rows of a read of the unit of work; the first brings the checkpoint along."""
        if self.seen:
            return session.connection().execute(statement, values).all()
        return self.read(session, statement, values)

    def read(
        self, session: Session, statement: Select[Any], values: dict[str, Any]
    ) -> list[Row[Any]]:
        self.seen = True
        values = {**values, CHECKPOINT_CHAIN: self.chain}
        rows = session.connection().execute(carrying_checkpoint(statement), values).all()
        first = rows[0]._mapping
        if first[_CHECKPOINT_BLOCK] is not None:
            self.checkpoint = Checkpoint(
                self.chain, first[_CHECKPOINT_BLOCK], first[_CHECKPOINT_HASH]
            )
        return [row for row in rows if row._mapping[_ON_PAGE] is not None]


def values_of(record: attrs.AttrsInstance) -> dict[str, Any]:
    """A record's fields as column values (the tables use the records' field names)."""
    return attrs.asdict(record, recurse=False)


_CARRIED: WeakKeyDictionary[Select[Any], Select[Any]] = WeakKeyDictionary()
"""Each read statement (built once, in its repository) with the checkpoint brought along."""


def carrying_checkpoint(statement: Select[Any]) -> Select[Any]:
    """``statement`` with the checkpoint brought along (its columns first, a column that is
    never null on the page's rows last; parameter ``CHECKPOINT_CHAIN``), built once."""
    carried = _CARRIED.get(statement)
    if carried is None:
        carried = _CARRIED[statement] = _carrying_checkpoint(statement)
    return carried


def _carrying_checkpoint(statement: Select[Any]) -> Select[Any]:
    page = statement.add_columns(literal(True).label(_ON_PAGE)).subquery("page")
    adapter = ClauseAdapter(page)
    order = [adapter.traverse(clause) for clause in statement._order_by_clauses]
    one = select(literal(1).label("one")).subquery("one")
    checkpoint = _checkpoints.alias("checkpoint")
    chain = bindparam(CHECKPOINT_CHAIN, type_=checkpoint.c.chain.type)
    joined = one.outerjoin(checkpoint, checkpoint.c.chain == chain)
    return (
        select(
            checkpoint.c.block_number.label(_CHECKPOINT_BLOCK),
            checkpoint.c.block_hash.label(_CHECKPOINT_HASH),
            page,
        )
        .select_from(joined.outerjoin(page, true()))
        .order_by(*order)
    )
