"""PostgreSQL terminates the indexer's connections (``pg_terminate_backend``, as a failover, a
restart or an administrator does) while it follows a chain: in the middle of a backfill, and
again while it waits at the head. It retries with a doubling pause, resumes, and ends with the
read models a clean run gives."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from sqlalchemy import Engine, text

from benchmarks.event_stream import StreamLedger, event_stream
from dcmx_adapters.memory.repositories import MemoryUnitOfWork
from dcmx_adapters.sql.database import create_engine_for
from dcmx_adapters.sql.unit_of_work import SqlUnitOfWork
from dcmx_core.events import DomainEvent
from dcmx_core.ports import Block, EventBatch
from dcmx_core.services.indexer import Indexer, IndexerSettings
from tests.conftest import empty_tables
from tests.read_model_state import read_models

LONG = bool(os.environ.get("DCMX_LONG_RELIABILITY"))
EVENTS, KILLS = (20_000, 10) if LONG else (2_000, 3)
CHAIN = "severed"
APPLICATION = "dcmx-indexer-under-test"
BLOCKS = list(event_stream(EVENTS, per_block=20, accounts=80, seed=23))
BACKFILL = BLOCKS[: len(BLOCKS) * 3 // 4]
"""What the chain holds when the indexer starts; the rest comes while it waits at the head."""


class SlowLedger(StreamLedger):
    """The stream, a few milliseconds a read: the backfill lasts long enough to be cut."""

    def __init__(self, blocks: list[tuple[Block, list[DomainEvent]]]) -> None:
        super().__init__(blocks)
        self.blocks = blocks

    def read(self, from_block: int, to_block: int) -> EventBatch:
        time.sleep(0.005)
        return super().read(from_block, to_block)


def terminate(admin: Engine) -> int:
    """End every connection of the indexer's engine; how many there were."""
    with admin.begin() as connection:
        ended = connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = :name AND pid <> pg_backend_pid()"
            ),
            {"name": APPLICATION},
        ).scalar_one()
    return int(ended)


def wait_until(condition: Any, failure: list[BaseException], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert not failure, failure
        assert time.monotonic() < deadline, "waited too long"
        time.sleep(0.002)


def test_connections_killed_mid_backfill_and_at_the_head_end_exact(
    postgresql_url: str, postgresql_engine: Engine
) -> None:
    empty_tables(postgresql_engine)
    clean = MemoryUnitOfWork()
    Indexer(StreamLedger(BLOCKS), clean, IndexerSettings(CHAIN, batch_blocks=10)).catch_up()
    events = [event for _, placed in BLOCKS for event in placed]

    chain = list(BACKFILL)
    ledger = SlowLedger(chain)
    engine = create_engine_for(
        postgresql_url, connect_args={"application_name": APPLICATION}, pool_size=2
    )
    indexer = Indexer(ledger, SqlUnitOfWork(engine), IndexerSettings(CHAIN, batch_blocks=10))
    stop = threading.Event()
    failure: list[BaseException] = []

    def follow() -> None:
        try:
            indexer.follow(stop, poll_seconds=0.01, max_backoff=0.2)
        except BaseException as error:  # handed to the test
            failure.append(error)

    follower = threading.Thread(target=follow)
    follower.start()
    ended = 0
    try:
        backfill_head = len(BACKFILL) - 1
        for kill in range(KILLS):  # at points spread over the backfill
            mark = backfill_head * (kill + 1) // (KILLS + 2)
            wait_until(lambda mark=mark: indexer.status.indexed >= mark, failure)
            ended += terminate(postgresql_engine)
        assert indexer.status.indexed < backfill_head, "the backfill ended before the kills"
        wait_until(lambda: indexer.status.indexed >= backfill_head, failure)
        retries_in_backfill = indexer.status.retries
        ended += terminate(postgresql_engine)  # while it waits at the head
        time.sleep(0.05)
        chain.extend(BLOCKS[len(BACKFILL) :])  # new blocks arrive
        wait_until(lambda: indexer.status.indexed >= len(BLOCKS) - 1, failure)
    finally:
        stop.set()
        follower.join(30)
    assert not failure, failure
    assert ended >= KILLS
    assert retries_in_backfill > 0
    assert indexer.status.last_error is not None
    assert read_models(SqlUnitOfWork(engine), events) == read_models(clean, events)
    with SqlUnitOfWork(engine) as uow:
        assert uow.events.count(CHAIN) == len(events)
    engine.dispose()
    empty_tables(postgresql_engine)
