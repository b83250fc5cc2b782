"""What every SQL repository does with its session: write a record as one ``INSERT ... ON
CONFLICT`` statement (the same on PostgreSQL and SQLite), and read records back from rows whose
columns are named after the record's fields."""

from __future__ import annotations

from typing import Any, TypeVar, cast

import attrs
from sqlalchemy import Select, Table, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dcmx_adapters.sql.tables import Base

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

    def _all(self, record: type[Record], statement: Select[Any]) -> list[Record]:
        return [record(**row._asdict()) for row in self._session.execute(statement)]

    def _one(self, record: type[Record], statement: Select[Any]) -> Record | None:
        row = self._session.execute(statement).first()
        return None if row is None else record(**row._asdict())


def values_of(record: attrs.AttrsInstance) -> dict[str, Any]:
    """A record's fields as column values (the tables use the records' field names)."""
    return attrs.asdict(record, recurse=False)
