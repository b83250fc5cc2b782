"""Fixtures of the HTTP tests: the demo's day indexed into in-memory read models (once per
session) and an API over them, and an API over read models each test fills by hand."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from attrs import frozen
from fastapi import FastAPI

from dcmx_adapters.crypto import EthCrypto
from dcmx_adapters.memory.repositories import MemoryUnitOfWork
from dcmx_core.ports import DevLedger, UnitOfWork
from dcmx_core.services.indexer import Indexer, IndexerSettings, IndexerStatus
from dcmx_entrypoints.demo.scenario import DemoResult, run_demo
from dcmx_entrypoints.demo.stacks import memory_stack
from dcmx_entrypoints.http import create_app
from dcmx_entrypoints.http.health import ChainHead
from tests.http.client import ApiClient, api_client

START = 1_767_225_600
CHAIN = "demo"
CRYPTO = EthCrypto()


@frozen
class IndexedDay:
    ledger: DevLedger
    result: DemoResult
    uow: MemoryUnitOfWork
    status: IndexerStatus


@pytest.fixture(scope="session")
def day() -> IndexedDay:
    """The demo's day on the in-memory ledger, every block indexed."""
    stack = memory_stack(start=START)
    result = run_demo(stack.ledger, stack.crypto, stack.clock, stack.profiles, stack.operator)
    uow = MemoryUnitOfWork()
    indexer = Indexer(stack.ledger, uow, IndexerSettings(CHAIN, batch_blocks=10))
    indexer.catch_up()
    return IndexedDay(stack.ledger, result, uow, indexer.status)


def app_over(
    uow: UnitOfWork,
    ledger: ChainHead,
    *,
    status: IndexerStatus | None = None,
    page_size_max: int = 100,
    ready_max_lag: int = 10,
    ping_database: Callable[[], None] | None = None,
) -> FastAPI:
    """An API over the in-memory read models ``uow`` (the same one for every request)."""
    return create_app(
        unit_of_work=lambda: uow,
        chain=CHAIN,
        ledger=ledger,
        keccak=CRYPTO.keccak256,
        status=status,
        page_size_max=page_size_max,
        ready_max_lag=ready_max_lag,
        ping_database=ping_database,
    )


@pytest.fixture(scope="session")
def day_api(day: IndexedDay) -> Iterator[ApiClient]:
    with api_client(app_over(day.uow, day.ledger, status=day.status)) as client:
        yield client


@pytest.fixture(scope="session")
def fresh_ledger() -> DevLedger:
    """A ledger with nothing on it (the readiness check asks it for its head)."""
    return memory_stack(start=START).ledger


class ReadModelsInUse:
    """The read models an API reads: each test puts in fresh ones, so that one API serves
    every test."""

    def __init__(self) -> None:
        self.current = MemoryUnitOfWork()

    def __call__(self) -> UnitOfWork:
        return self.current


@pytest.fixture(scope="session")
def in_use() -> ReadModelsInUse:
    return ReadModelsInUse()


@pytest.fixture
def read_models(in_use: ReadModelsInUse) -> MemoryUnitOfWork:
    """Empty read models, for a test to fill, read by ``small_api``."""
    in_use.current = MemoryUnitOfWork()
    return in_use.current


@pytest.fixture(scope="session")
def small_api(in_use: ReadModelsInUse, fresh_ledger: DevLedger) -> Iterator[ApiClient]:
    """An API whose pages hold at most 3 records, over the test's ``read_models``."""
    app = create_app(
        unit_of_work=in_use,
        chain=CHAIN,
        ledger=fresh_ledger,
        keccak=CRYPTO.keccak256,
        page_size_max=3,
    )
    with api_client(app) as client:
        yield client
