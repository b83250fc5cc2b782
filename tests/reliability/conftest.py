"""The reliability suite runs on every store the contract suite runs on: ``unit_of_work`` gives
a unit of work, ``store`` the same with what each kind of store holds, table by table."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest
from attrs import frozen
from sqlalchemy import Engine, select

from dcmx_adapters.memory.repositories import MemoryUnitOfWork
from dcmx_adapters.sql.tables import Base
from dcmx_adapters.sql.unit_of_work import SqlUnitOfWork
from dcmx_core.ports import UnitOfWork
from tests.contract.conftest import (
    emptied_postgresql_engine,
    fresh_sqlite_engine,
    migrated_sqlite_file,
    unit_of_work,
)

__all__ = ["migrated_sqlite_file", "store", "unit_of_work"]


@frozen
class Store:
    """A unit of work over empty read models, and the engine under it (None: in memory)."""

    uow: UnitOfWork
    engine: Engine | None

    def contents(self) -> dict[str, Any]:
        """Every row of every table (in memory: every record of every store), in a fixed
        order: what "the database is untouched" compares."""
        if self.engine is None:
            assert isinstance(self.uow, MemoryUnitOfWork)
            return {name: copy.deepcopy(vars(getattr(self.uow, name))) for name in self.uow._STORES}
        found: dict[str, Any] = {}
        with self.engine.connect() as connection:
            for table in Base.metadata.sorted_tables:
                rows = connection.execute(select(table)).all()
                found[table.name] = sorted((tuple(row) for row in rows), key=repr)
        return found


EngineFactory = Callable[[pytest.FixtureRequest], AbstractContextManager[Engine]]
StoreFactory = Callable[[pytest.FixtureRequest], AbstractContextManager[Store]]


@contextmanager
def _memory(_request: pytest.FixtureRequest) -> Iterator[Store]:
    yield Store(MemoryUnitOfWork(), None)


def _sql(engines: EngineFactory) -> StoreFactory:
    @contextmanager
    def store(request: pytest.FixtureRequest) -> Iterator[Store]:
        with engines(request) as engine:
            yield Store(SqlUnitOfWork(engine), engine)

    return store


STORES: dict[str, StoreFactory] = {
    "memory": _memory,
    "sqlite": _sql(fresh_sqlite_engine),
    "postgresql": _sql(emptied_postgresql_engine),
}


@pytest.fixture(params=list(STORES))
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    with STORES[request.param](request) as fresh:
        yield fresh
