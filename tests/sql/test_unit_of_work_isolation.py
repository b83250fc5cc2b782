"""On a database, a unit of work is a transaction: what one has not committed, another does
not see (the memory one has a single store, so this is the SQL ones' own contract)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from dcmx_adapters.sql.unit_of_work import SqlUnitOfWork
from tests.contract.records import release


def test_uncommitted_work_is_invisible_to_another_unit_of_work(migrated: Engine) -> None:
    writer, reader = SqlUnitOfWork(migrated), SqlUnitOfWork(migrated)
    with writer:
        writer.releases.save_release(release(1))
        with reader:
            assert reader.releases.get_release(1) is None
        writer.commit()
    with reader:
        assert reader.releases.get_release(1) == release(1)


def test_a_unit_of_work_takes_a_sessionmaker(migrated: Engine) -> None:
    with SqlUnitOfWork(sessionmaker(migrated)) as uow:
        uow.releases.save_release(release(1))
        uow.commit()
    with SqlUnitOfWork(migrated) as uow:
        assert uow.releases.list_releases() == [release(1)]


def test_the_repositories_are_gone_outside_the_with_block(migrated: Engine) -> None:
    uow = SqlUnitOfWork(migrated)
    with uow:
        pass
    with pytest.raises(AttributeError):
        uow.releases.get_release(1)
    with pytest.raises(RuntimeError, match="with block"):
        uow.commit()
