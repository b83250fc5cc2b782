"""The indexer against a ledger that misbehaves the ways real nodes do: errors and timeouts, a
head that moves backwards, ranges delivered twice or with events of other blocks, block hashes
that vanish for a while, and a limit on how many blocks one read may span. In each case it ends
with exactly the read models a clean run gives, or stops loudly where it cannot be exact."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from typing import Any

import pytest

from benchmarks.event_stream import StreamLedger, event_stream
from dcmx_adapters.memory.repositories import MemoryUnitOfWork
from dcmx_core.exceptions import IndexCorrupted, RangeTooLarge
from dcmx_core.ports import Block, EventBatch, UnitOfWork
from dcmx_core.services.indexer import Indexer, IndexerSettings
from tests.read_model_state import read_models
from tests.reliability.stops import StopAt

CHAIN = "faulty"
BLOCKS = list(event_stream(1_500, per_block=20, accounts=60, seed=11))
EVENTS = [event for _, placed in BLOCKS for event in placed]
HEAD = len(BLOCKS) - 1


def clean() -> dict[str, Any]:
    reference = MemoryUnitOfWork()
    Indexer(StreamLedger(BLOCKS), reference, IndexerSettings(CHAIN, batch_blocks=7)).catch_up()
    return read_models(reference, EVENTS)


CLEAN = clean()


class FaultyLedger:
    """The stream's ledger, with a fault injected into some calls."""

    def __init__(self, fault: Callable[[str, tuple[Any, ...]], Any] | None = None) -> None:
        self.ledger = StreamLedger(BLOCKS)
        self.fault = fault

    def _call(self, name: str, *args: Any) -> Any:
        if self.fault is not None:
            answer = self.fault(name, args)
            if answer is not None:
                return answer
        return getattr(self.ledger, name)(*args)

    def head(self) -> Block:
        return self._call("head")  # type: ignore[no-any-return]

    def block(self, number: int) -> Block:
        return self._call("block", number)  # type: ignore[no-any-return]

    def read(self, from_block: int, to_block: int) -> EventBatch:
        return self._call("read", from_block, to_block)  # type: ignore[no-any-return]


def follow_to_head(ledger: FaultyLedger, uow: UnitOfWork, batch_blocks: int = 25) -> Indexer:
    """Follow the ledger (retrying as it does) until the whole stream is indexed."""
    indexer = Indexer(ledger, uow, IndexerSettings(CHAIN, batch_blocks=batch_blocks))
    stop = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        try:
            indexer.follow(stop, poll_seconds=0.001, max_backoff=0.004)
        except BaseException as error:  # handed to the test below
            failure.append(error)

    worker = threading.Thread(target=run)
    worker.start()
    try:
        for _ in range(6_000):
            if failure or indexer.status.indexed >= HEAD:
                break
            stop.wait(0.01)
    finally:
        stop.set()
        worker.join(10)
    if failure:
        raise failure[0]
    assert indexer.status.indexed == HEAD, indexer.status
    return indexer


def sometimes(chance: float, error: Exception) -> Callable[[str, tuple[Any, ...]], Any]:
    """Raise ``error`` on a share ``chance`` of the calls (seeded: the same calls each run)."""
    rng = random.Random(5)

    def fault(_name: str, _args: tuple[Any, ...]) -> Any:
        if rng.random() < chance:
            raise error
        return None

    return fault


@pytest.mark.parametrize(
    "error",
    [ConnectionError("connection reset by peer"), TimeoutError("the node took too long")],
    ids=["error", "timeout"],
)
def test_errors_and_timeouts_are_retried_and_the_index_ends_exact(
    unit_of_work: UnitOfWork, error: Exception
) -> None:
    indexer = follow_to_head(FaultyLedger(sometimes(0.03, error)), unit_of_work)
    assert read_models(unit_of_work, EVENTS) == CLEAN
    assert indexer.status.retries > 0
    assert indexer.status.last_error is not None
    assert type(error).__name__ in indexer.status.last_error


def test_a_head_that_moves_backwards_is_waited_out(unit_of_work: UnitOfWork) -> None:
    rng = random.Random(3)
    ledger = StreamLedger(BLOCKS)

    def lagging_head(name: str, _args: tuple[Any, ...]) -> Any:
        if name == "head" and rng.random() < 0.5:
            return ledger.block(rng.randrange(0, HEAD))  # a node that has not caught up
        return None

    follow_to_head(FaultyLedger(lagging_head), unit_of_work)
    assert read_models(unit_of_work, EVENTS) == CLEAN


def test_a_range_delivered_twice_or_with_other_blocks_counts_each_event_once(
    unit_of_work: UnitOfWork,
) -> None:
    ledger = StreamLedger(BLOCKS)

    def sloppy(name: str, args: tuple[Any, ...]) -> Any:
        if name != "read":
            return None
        first, last = args
        events = ledger.read(first, last).events
        neighbours = ledger.read(max(first - 2, 0), min(last + 2, HEAD)).events
        return EventBatch(events + events + neighbours)

    follow_to_head(FaultyLedger(sloppy), unit_of_work)
    assert read_models(unit_of_work, EVENTS) == CLEAN
    with unit_of_work:
        assert unit_of_work.events.count(CHAIN) == len(EVENTS)


def test_a_block_hash_that_vanishes_for_a_while_is_retried(unit_of_work: UnitOfWork) -> None:
    missing = dict.fromkeys(range(10, HEAD, 9), 3)

    def vanishing(name: str, args: tuple[Any, ...]) -> Any:
        if name == "block" and missing.get(args[0], 0) > 0:
            missing[args[0]] -= 1
            raise LookupError(f"block {args[0]} not found")
        return None

    follow_to_head(FaultyLedger(vanishing), unit_of_work)
    assert read_models(unit_of_work, EVENTS) == CLEAN


def test_a_range_limit_splits_the_reads_and_they_widen_again(unit_of_work: UnitOfWork) -> None:
    limit = {"blocks": 3}
    refused: list[int] = []
    served: list[int] = []

    def limited(name: str, args: tuple[Any, ...]) -> Any:
        if name == "read":
            span = args[1] - args[0] + 1
            if span > limit["blocks"]:
                refused.append(span)
                raise RangeTooLarge(args[0], args[1], "the node serves 3 blocks a request")
            served.append(span)
        return None

    indexer = Indexer(FaultyLedger(limited), unit_of_work, IndexerSettings(CHAIN, batch_blocks=8))
    indexer.catch_up(StopAt(indexer, HEAD // 2))
    assert refused
    assert max(served) <= 3
    limit["blocks"] = 10**9
    served.clear()
    indexer.catch_up()
    assert max(served) == 8  # back to the whole batch once the node allows it
    assert read_models(unit_of_work, EVENTS) == CLEAN


def test_a_single_block_too_large_to_read_stops_loudly(unit_of_work: UnitOfWork) -> None:
    def refuse(name: str, args: tuple[Any, ...]) -> Any:
        if name == "read":
            raise RangeTooLarge(args[0], args[1])
        return None

    indexer = Indexer(FaultyLedger(refuse), unit_of_work, IndexerSettings(CHAIN))
    with pytest.raises(RangeTooLarge, match="blocks 0-0 are too many"):
        indexer.catch_up()
    with unit_of_work:
        assert unit_of_work.checkpoints.get_checkpoint(CHAIN) is None


def test_read_models_that_lost_a_record_stop_the_follower_loudly(
    unit_of_work: UnitOfWork,
) -> None:
    indexer = Indexer(FaultyLedger(), unit_of_work, IndexerSettings(CHAIN, batch_blocks=5))
    indexer.catch_up(StopAt(indexer, 4))
    with unit_of_work:
        unit_of_work.releases.remove_release(1)  # later editions of release 1 refer to it
        unit_of_work.commit()
    with pytest.raises(IndexCorrupted, match="release 1, which was never indexed"):
        indexer.follow(threading.Event(), poll_seconds=0.001)
