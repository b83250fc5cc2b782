"""The indexer mirrors the TRON ledger in the read models (memory, SQLite, PostgreSQL), reading
solidified blocks only, as is the default on TRON."""

from __future__ import annotations

import pytest
from attrs import frozen

from dcmx_adapters.tron.ledger import TronLedger
from dcmx_core.ports import UnitOfWork
from dcmx_core.services.indexer import Indexer, IndexerSettings
from dcmx_entrypoints.demo.scenario import DemoResult
from dcmx_entrypoints.demo.stacks import tron_stack
from tests.contract.test_indexer import START, assert_mirrored, demo_day


@frozen
class TronDay:
    ledger: TronLedger
    result: DemoResult
    last_block: int
    """The day's last block (the ledger is shared by the tests, which may mine after it)."""

    def make_final(self) -> None:
        """Mine until the whole day is solidified."""
        depth = self.ledger.tron.dev.node.solidify_depth
        self.ledger.mine(max(0, self.last_block + depth - self.ledger.head().number))


@pytest.fixture(scope="module")
def tron_day() -> TronDay:
    stack = tron_stack(start=START)
    result = demo_day(stack)
    assert isinstance(stack.ledger, TronLedger)
    return TronDay(stack.ledger, result, stack.ledger.head().number)


def test_the_read_models_mirror_the_solidified_tron_chain(
    tron_day: TronDay, unit_of_work: UnitOfWork
) -> None:
    ledger = tron_day.ledger
    solidified = ledger.solidified()
    indexer = Indexer(solidified, unit_of_work, IndexerSettings("demo", batch_blocks=9))

    indexer.catch_up()
    final = solidified.head().number
    assert indexer.status.indexed == final
    with unit_of_work:
        assert unit_of_work.events.count("demo") == len(ledger.events(0, final))
    tron_day.make_final()
    indexer.catch_up()

    assert indexer.status.indexed == solidified.head().number >= tron_day.last_block
    assert_mirrored(ledger, tron_day.result, unit_of_work)


def test_confirmations_of_the_solidify_depth_index_the_solidified_blocks(
    tron_day: TronDay, unit_of_work: UnitOfWork
) -> None:
    ledger = tron_day.ledger
    depth = ledger.tron.dev.node.solidify_depth
    settings = IndexerSettings("demo", batch_blocks=25, confirmations=depth)
    indexer = Indexer(ledger, unit_of_work, settings)
    indexer.catch_up()
    final = ledger.solidified_head().number
    assert indexer.status.indexed == final
    with unit_of_work:
        assert unit_of_work.events.count("demo") == len(ledger.solidified().read(0, final).events)
