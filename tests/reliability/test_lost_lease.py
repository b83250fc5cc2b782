"""A follower that loses its writer lease while it lives on (its lease's connection terminated)
writes nothing more, says so in one line, and waits to take the lease again, as a standby;
meanwhile the successor writes. Real PostgreSQL, connections ended with pg_terminate_backend."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, text

from dcmx_adapters.sql.database import create_engine_for
from dcmx_adapters.sql.lease import WriterLease
from dcmx_adapters.sql.unit_of_work import SqlUnitOfWork
from dcmx_core import commands as c
from dcmx_core.services.indexer import Indexer, IndexerSettings, IndexerStatus
from dcmx_entrypoints.demo.stacks import memory_stack
from dcmx_entrypoints.running import IndexerThread, indexed_block

CHAIN = "lost-lease"


def eventually(check: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_a_follower_that_lost_its_lease_waits_for_it_again(
    postgresql_url: str, postgresql_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    stack = memory_stack(start=1_767_225_600)
    ledger, operator = stack.ledger, stack.operator.address
    ledger.execute(operator, c.AddMinter(operator))
    engine = create_engine_for(postgresql_url)
    indexer = Indexer(
        ledger=ledger,
        uow=SqlUnitOfWork(engine),
        settings=IndexerSettings(chain=CHAIN),
        status=IndexerStatus(),
    )
    lease, stop = WriterLease(engine, CHAIN), threading.Event()
    follower = IndexerThread(indexer, stop, follow=True, poll_seconds=0.05, lease=lease)
    follower.start()
    try:
        head = ledger.head().number
        assert eventually(lambda: indexed_block(SqlUnitOfWork(engine), CHAIN) == head)
        with postgresql_engine.connect() as admin:  # exactly the lease's connection
            admin.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks "
                    "WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()"
                )
            )
        with WriterLease(postgresql_engine, CHAIN) as successor:
            assert successor.acquire(threading.Event(), poll_seconds=0.01)
            ledger.execute(operator, c.Mint(operator, 5))  # a block the old writer must not write
            assert eventually(lambda: "waiting to take it again" in caplog.text)
            assert follower.is_alive()
            assert indexed_block(SqlUnitOfWork(engine), CHAIN) == head  # nothing written
        # The successor let go: the follower takes the lease again and writes on.
        assert eventually(lambda: indexed_block(SqlUnitOfWork(engine), CHAIN) == head + 1)
    finally:
        stop.set()
        follower.join(10)
        engine.dispose()
    assert follower.error is None
