"""Batches while far behind the head: they grow toward ``catch_up_events`` events, the ledger is
still read ``batch_blocks`` at a time, the batch that reaches the head brings the size back,
and a long catch-up ends by refreshing the store's statistics; the read models are those of a
run in batches of one size."""

from __future__ import annotations

from typing import Any

from benchmarks.event_stream import StreamLedger, event_stream
from dcmx_adapters.memory.repositories import MemoryUnitOfWork
from dcmx_core.ports import Block, EventBatch
from dcmx_core.services.indexer import Indexer, IndexerSettings
from tests.read_model_state import read_models

CHAIN = "catching-up"
BLOCKS = list(event_stream(1_500, per_block=20, accounts=60, seed=5))
EVENTS = [event for _, placed in BLOCKS for event in placed]
HEAD = len(BLOCKS) - 1


class RecordedLedger:
    """The stream's ledger with a head that can be held back, recording each read's span."""

    def __init__(self) -> None:
        self.ledger = StreamLedger(BLOCKS)
        self.top = HEAD
        self.reads: list[tuple[int, int]] = []

    def head(self) -> Block:
        return self.ledger.block(self.top)

    def block(self, number: int) -> Block:
        return self.ledger.block(number)

    def read(self, from_block: int, to_block: int) -> EventBatch:
        self.reads.append((from_block, to_block))
        return self.ledger.read(from_block, to_block)


class CountedUnitOfWork(MemoryUnitOfWork):
    """The memory unit of work, counting what the indexer asks of it."""

    def __init__(self) -> None:
        super().__init__()
        self.refreshed = 0
        self.commits = 0

    def refresh_statistics(self) -> None:
        self.refreshed += 1

    def commit(self) -> None:
        self.commits += 1
        super().commit()


class BatchEnds:
    """A stop signal that is never set; it records where each batch ended."""

    def __init__(self, indexer: Indexer) -> None:
        self.indexer = indexer
        self.ends: list[int] = []

    def is_set(self) -> bool:
        if self.indexer.status.indexed >= 0:
            self.ends.append(self.indexer.status.indexed)
        return False

    def wait(self, timeout: float | None = None) -> bool:
        return False


def spans(ends: list[int], after: int = -1) -> list[int]:
    found = []
    for end in ends:
        if end > after:
            found.append(end - after)
            after = end
    return found


def clean() -> dict[str, Any]:
    uow = MemoryUnitOfWork()
    settings = IndexerSettings(CHAIN, batch_blocks=4, catch_up_events=0)
    Indexer(StreamLedger(BLOCKS), uow, settings).catch_up()
    return read_models(uow, EVENTS)


CLEAN = clean()


def test_far_behind_the_head_batches_double_while_reads_keep_the_configured_size() -> None:
    ledger, uow = RecordedLedger(), CountedUnitOfWork()
    indexer = Indexer(ledger, uow, IndexerSettings(CHAIN, batch_blocks=4, catch_up_events=10**6))
    ends = BatchEnds(indexer)
    indexer.catch_up(ends)
    ends.is_set()
    assert spans(ends.ends) == [4, 8, 16, 32, HEAD + 1 - 60]
    assert max(last - first + 1 for first, last in ledger.reads) == 4
    assert read_models(uow, EVENTS) == CLEAN


def test_batches_grow_toward_the_events_asked_for_and_no_further() -> None:
    per_block = len(EVENTS) // len(BLOCKS)
    ledger, uow = RecordedLedger(), CountedUnitOfWork()
    settings = IndexerSettings(CHAIN, batch_blocks=2, catch_up_events=10 * per_block)
    indexer = Indexer(ledger, uow, settings)
    ends = BatchEnds(indexer)
    indexer.catch_up(ends)
    ends.is_set()
    grown = spans(ends.ends)[:-1]  # the last one ends at the head
    assert max(grown) > 2
    assert all(span <= 12 for span in grown)  # 10 blocks' worth, give or take a block's events
    assert read_models(uow, EVENTS) == CLEAN


def test_the_batch_that_reaches_the_head_brings_the_size_back() -> None:
    ledger, uow = RecordedLedger(), CountedUnitOfWork()
    indexer = Indexer(ledger, uow, IndexerSettings(CHAIN, batch_blocks=4, catch_up_events=10**6))
    ledger.top = 40
    indexer.catch_up()
    ledger.top = HEAD
    ends = BatchEnds(indexer)
    indexer.catch_up(ends)
    ends.is_set()
    assert spans(ends.ends, after=40)[:2] == [4, 8]
    assert read_models(uow, EVENTS) == CLEAN


def test_a_long_catch_up_refreshes_the_statistics_once() -> None:
    uow = CountedUnitOfWork()
    settings = IndexerSettings(CHAIN, batch_blocks=4, catch_up_events=len(EVENTS))
    Indexer(RecordedLedger(), uow, settings).catch_up()
    assert uow.refreshed == 1


def test_a_short_catch_up_leaves_the_statistics_alone() -> None:
    ledger, uow = RecordedLedger(), CountedUnitOfWork()
    indexer = Indexer(ledger, uow, IndexerSettings(CHAIN, batch_blocks=4, catch_up_events=10**6))
    indexer.catch_up()
    assert uow.refreshed == 0
    assert IndexerSettings(CHAIN, catch_up_events=0).catch_up_events == 0
    off = CountedUnitOfWork()
    Indexer(RecordedLedger(), off, IndexerSettings(CHAIN, catch_up_events=0)).catch_up()
    assert off.refreshed == 0
