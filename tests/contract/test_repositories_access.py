"""The API key and used-nonce repositories keep the same promises on memory, SQLite and
PostgreSQL: a key is stored once and revoked once; a nonce is used once per account, also
across units of work (as two processes would)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest
from attrs import frozen
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from dcmx_adapters.memory.repositories import MemoryApiKeyRepository, MemoryUsedNonceRepository
from dcmx_adapters.sql.access_repositories import SqlApiKeyRepository, SqlUsedNonceRepository
from dcmx_core.model.access import ApiKey, Scope, issue_key
from dcmx_core.ports import ApiKeyRepository, UnitOfWork, UsedNonceRepository
from tests.contract.conftest import (
    UNIT_OF_WORK_FACTORIES,
    emptied_postgresql_engine,
    fresh_sqlite_engine,
)
from tests.factories import ALICE, BOB


@frozen
class Access:
    keys: ApiKeyRepository
    nonces: UsedNonceRepository


@contextmanager
def memory_access(_request: pytest.FixtureRequest) -> Iterator[Access]:
    yield Access(MemoryApiKeyRepository(), MemoryUsedNonceRepository())


def sql_access(
    engines: Callable[[pytest.FixtureRequest], AbstractContextManager[Engine]],
) -> Callable[[pytest.FixtureRequest], AbstractContextManager[Access]]:
    @contextmanager
    def access(request: pytest.FixtureRequest) -> Iterator[Access]:
        with engines(request) as engine, Session(engine) as session:
            yield Access(SqlApiKeyRepository(session), SqlUsedNonceRepository(session))

    return access


FACTORIES = {
    "memory": memory_access,
    "sqlite": sql_access(fresh_sqlite_engine),
    "postgresql": sql_access(emptied_postgresql_engine),
}


@pytest.fixture(params=list(FACTORIES))
def access(request: pytest.FixtureRequest) -> Iterator[Access]:
    with FACTORIES[request.param](request) as fresh:
        yield fresh


def a_key(name: str = "label back office", at: int = 1_000, *scopes: Scope) -> ApiKey:
    return issue_key(name, frozenset(scopes or (Scope.RELEASES_WRITE,)), at).key


def test_a_stored_key_comes_back_as_it_went_in(access: Access) -> None:
    key = a_key("sales desk", 1_000, Scope.SALES_WRITE, Scope.REWARDS_WRITE)
    access.keys.add_key(key)
    assert access.keys.get_key(key.key_id) == key


def test_an_unknown_key_is_none(access: Access) -> None:
    assert access.keys.get_key("00" * 8) is None
    assert access.keys.revoke_key("00" * 8, 5) is None


def test_a_key_id_is_stored_once(access: Access) -> None:
    key = a_key()
    access.keys.add_key(key)
    with pytest.raises(ValueError, match="exists already"):
        access.keys.add_key(ApiKey(key.key_id, "other", key.scopes, bytes(32), 2_000))
    assert access.keys.get_key(key.key_id) == key


def test_keys_are_listed_oldest_first_revoked_ones_too(access: Access) -> None:
    later, earlier = a_key("later", 2_000), a_key("earlier", 1_000)
    access.keys.add_key(later)
    access.keys.add_key(earlier)
    access.keys.revoke_key(earlier.key_id, 3_000)
    listed = access.keys.list_keys()
    assert [k.name for k in listed] == ["earlier", "later"]
    assert [k.revoked_at for k in listed] == [3_000, None]


def test_a_revoked_key_keeps_its_first_revocation_time(access: Access) -> None:
    key = a_key()
    access.keys.add_key(key)
    first = access.keys.revoke_key(key.key_id, 5_000)
    again = access.keys.revoke_key(key.key_id, 9_000)
    assert first is not None
    assert again is not None
    assert (first.revoked_at, again.revoked_at) == (5_000, 5_000)
    assert access.keys.get_key(key.key_id) == first
    assert not first.allows(Scope.RELEASES_WRITE)


def test_a_nonce_is_used_once_per_account(access: Access) -> None:
    assert access.nonces.use_nonce(ALICE, "k3yNonce01", 100)
    assert not access.nonces.use_nonce(ALICE, "k3yNonce01", 200)
    assert access.nonces.use_nonce(BOB, "k3yNonce01", 100)
    assert access.nonces.use_nonce(ALICE, "k3yNonce02", 100)


def test_forgetting_drops_only_the_nonces_of_expired_requests(access: Access) -> None:
    access.nonces.use_nonce(ALICE, "expiredNonce", 100)
    access.nonces.use_nonce(ALICE, "currentNonce", 500)
    assert access.nonces.forget_nonces(expired_before=300) == 1
    assert access.nonces.use_nonce(ALICE, "expiredNonce", 900)
    assert not access.nonces.use_nonce(ALICE, "currentNonce", 900)


@pytest.fixture(params=list(UNIT_OF_WORK_FACTORIES))
def unit_of_work(request: pytest.FixtureRequest) -> Iterator[UnitOfWork]:
    with UNIT_OF_WORK_FACTORIES[request.param](request) as fresh:
        yield fresh


def test_a_committed_nonce_is_refused_in_the_next_unit_of_work(unit_of_work: UnitOfWork) -> None:
    with unit_of_work as uow:
        assert uow.nonces.use_nonce(ALICE, "onceOnly99", 100)
        uow.commit()
    with unit_of_work as uow:
        assert not uow.nonces.use_nonce(ALICE, "onceOnly99", 100)


def test_a_nonce_of_a_rolled_back_unit_of_work_is_not_used(unit_of_work: UnitOfWork) -> None:
    with unit_of_work as uow:
        assert uow.nonces.use_nonce(ALICE, "rolledBack1", 100)
    with unit_of_work as uow:
        assert uow.nonces.use_nonce(ALICE, "rolledBack1", 100)
        uow.commit()


def test_a_committed_key_is_read_by_the_next_unit_of_work(unit_of_work: UnitOfWork) -> None:
    key = a_key()
    with unit_of_work as uow:
        uow.api_keys.add_key(key)
        uow.commit()
    with unit_of_work as uow:
        assert uow.api_keys.get_key(key.key_id) == key
