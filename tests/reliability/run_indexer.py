"""An indexer process for the crash tests: indexes a prepared event stream into a database.

``python -m tests.reliability.run_indexer URL EVENTS SEED BATCH_BLOCKS PAUSE REORGS`` indexes
the stream of ``EVENTS`` events (seed ``SEED``) into the database at ``URL``, from its checkpoint
on, ``PAUSE`` seconds slower a batch: it prints "ready" when its stream is prepared, "writer"
once it holds the chain's writer lease (another indexer of the chain may hold it first) and
"done" when it reaches the head.

With ``REORGS`` above 0 the chain it reads reorganizes that many times on the way (see
``ReorganizingLedger``; the final chain is the stream all the same), and it prints "rollback"
when it begins to roll back orphaned blocks and "rollback commits" just before that rollback
commits: a process killed between the two was killed inside the rollback.
"""

from __future__ import annotations

import random
import sys
import threading
import time
from typing import Any

from attrs import frozen
from sqlalchemy import Engine

from benchmarks.event_stream import UNIT, StreamLedger, account, block_hash, event_stream
from dcmx_adapters.sql.database import create_engine_for
from dcmx_adapters.sql.indexer_repositories import SqlEventRepository
from dcmx_adapters.sql.lease import WriterLease
from dcmx_adapters.sql.unit_of_work import SqlUnitOfWork
from dcmx_core.events import DomainEvent, LogPosition, TokensTransferred
from dcmx_core.model.values import ZERO_ADDRESS, Hash32
from dcmx_core.ports import Block, EventBatch
from dcmx_core.read_models import Checkpoint, StoredEvent
from dcmx_core.services.indexer import Indexer, IndexerSettings

CHAIN = "crash"

Blocks = list[tuple[Block, list[DomainEvent]]]


class SlowLedger(StreamLedger):
    """The stream, read ``pause`` seconds slower a batch."""

    def __init__(self, blocks: Blocks, pause: float) -> None:
        super().__init__(blocks)
        self._pause = pause

    def read(self, from_block: int, to_block: int) -> EventBatch:
        time.sleep(self._pause)
        return super().read(from_block, to_block)


@frozen
class Fork:
    """A reorganization: the blocks after ``kept`` were first those of ``branch``."""

    kept: int
    branch: Blocks

    @property
    def top(self) -> int:
        return self.kept + len(self.branch)

    def passed_by(self, checkpoint: Checkpoint) -> bool:
        """Whether an indexer at ``checkpoint`` has seen the chain leave this fork's branch:
        it is past the branch, at its top (the reorganization comes next) or on the final
        chain above the fork."""
        number = checkpoint.block_number
        if number <= self.kept:
            return False
        if number >= self.top:
            return True
        return self.branch[number - self.kept - 1][0].hash != checkpoint.block_hash


def scheduled_forks(blocks: Blocks, count: int, seed: int) -> list[Fork]:
    """``count`` reorganizations, 3 blocks deep, spread over the chain as ``seed`` says."""
    rng = random.Random(seed)
    spacing = len(blocks) // (count + 1)
    assert count == 0 or spacing >= 16, "too many reorganizations for so short a chain"
    found = []
    for n in range(1, count + 1):
        kept = n * spacing + rng.randrange(spacing // 2)
        found.append(Fork(kept, orphaned(blocks, kept, 3, n)))
    return found


def orphaned(blocks: Blocks, kept: int, depth: int, branch: int) -> Blocks:
    """A branch of ``depth`` blocks after ``kept``: the first half of the events of the final
    blocks it stands for (a consistent prefix of the stream, at other positions), each block
    ending with a mint to an account the final chain never pays, so that anything of it left
    after a rollback shows."""
    events = [event for _, placed in blocks[kept + 1 : kept + 1 + depth] for event in placed]
    per_block = len(events) // depth // 2
    parent = blocks[kept][0].hash
    found: Blocks = []
    for number in range(kept + 1, kept + 1 + depth):
        block = Block(number, block_hash(number, branch), parent, blocks[number][0].timestamp)
        taken, events = events[:per_block], events[per_block:]
        ghost = TokensTransferred(ZERO_ADDRESS, account(2 * 10**9 + branch), UNIT)
        placed = [moved(event, block, index) for index, event in enumerate(taken)]
        tx_id = Hash32.of(b"orphaned tx %d" % number)
        placed.append(ghost.placed(LogPosition(number, block.hash, tx_id, len(placed))))
        found.append((block, placed))
        parent = block.hash
    return found


def moved(event: DomainEvent, block: Block, log_index: int) -> DomainEvent:
    """``event``, in the same transaction, at ``log_index`` of ``block``."""
    assert event.position is not None
    return event.placed(LogPosition(block.number, block.hash, event.position.tx_id, log_index))


class ReorganizingLedger(SlowLedger):
    """The stream behind a series of forks: above the next fork the chain is that fork's
    branch, until the indexer has committed the branch's top; then the chain reorganizes to
    the stream, up to the fork after."""

    def __init__(self, blocks: Blocks, forks: list[Fork], pause: float) -> None:
        super().__init__(blocks, pause)
        self._final, self._forks, self._passed = blocks, forks, 0
        self._show()

    def resume(self, checkpoint: Checkpoint | None) -> None:
        """Stand where the chain stood for the run that committed ``checkpoint``. (At a fork's
        kept block, before its branch or after its rollback, the branch is shown again: a
        chain may go back to a branch it left.)"""
        passed = [] if checkpoint is None else [f for f in self._forks if f.passed_by(checkpoint)]
        self._passed = len(passed)
        self._show()

    def committed(self, checkpoint: Checkpoint) -> None:
        """The indexer committed ``checkpoint``: at the top of the branch shown, reorganize."""
        if self._passed < len(self._forks) and checkpoint.block_number >= self._next.top:
            self._passed += 1
            self._show()

    @property
    def _next(self) -> Fork:
        return self._forks[self._passed]

    def _show(self) -> None:
        if self._passed == len(self._forks):
            self._blocks = self._final
        else:
            self._blocks = self._final[: self._next.kept + 1] + self._next.branch


class AnnouncedEvents(SqlEventRepository):
    """The events of one unit of work, saying "rollback" when first listed: the indexer lists
    stored events only to roll them back."""

    listed = False

    def list(self, chain: str, **options: Any) -> list[StoredEvent]:
        if not self.listed:
            self.listed = True
            print("rollback", flush=True)
        return super().list(chain, **options)


class WatchedUnitOfWork(SqlUnitOfWork):
    """The SQL unit of work, telling the ledger each checkpoint it commits and saying when a
    rollback is about to commit."""

    def __init__(self, engine: Engine, ledger: ReorganizingLedger) -> None:
        super().__init__(engine)
        self._ledger = ledger

    def __enter__(self) -> WatchedUnitOfWork:
        super().__enter__()
        self._events = self.events = AnnouncedEvents(self._active())
        return self

    def commit(self) -> None:
        checkpoint = self.checkpoints.get_checkpoint(CHAIN)
        if self._events.listed:
            print("rollback commits", flush=True)
        super().commit()
        if checkpoint is not None:
            self._ledger.committed(checkpoint)


def main(url: str, events: int, seed: int, batch_blocks: int, pause: float, reorgs: int) -> None:
    blocks = list(event_stream(events, per_block=40, accounts=500, seed=seed))
    ledger = ReorganizingLedger(blocks, scheduled_forks(blocks, reorgs, seed), pause)
    engine = create_engine_for(url)
    uow = WatchedUnitOfWork(engine, ledger)
    # A paced writer keeps its batches at one size, so that its pauses add up to the time the
    # tests count on; otherwise batches grow while it is far behind, as they do in production.
    grow = 0 if pause else IndexerSettings(CHAIN).catch_up_events
    settings = IndexerSettings(CHAIN, batch_blocks=batch_blocks, catch_up_events=grow)
    print("ready", flush=True)
    with WriterLease(engine, CHAIN) as lease:
        lease.acquire(threading.Event(), poll_seconds=0.2)
        print("writer", flush=True)
        with uow:
            ledger.resume(uow.checkpoints.get_checkpoint(CHAIN))
        Indexer(ledger, uow, settings).catch_up()
    engine.dispose()
    print("done", flush=True)


if __name__ == "__main__":
    url, events, seed, batch_blocks, pause, reorgs = sys.argv[1:7]
    main(url, int(events), int(seed), int(batch_blocks), float(pause), int(reorgs))
