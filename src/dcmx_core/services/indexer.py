"""The indexer: ledger events into read models, a batch of blocks a transaction.

Each batch writes its raw events, their projections and the checkpoint (the last block's number
and hash) in one unit of work, so a crash leaves either the whole batch or none of it, and a
restart resumes after the checkpoint. Only blocks ``confirmations`` behind the head are
indexed.

Before every batch the checkpoint's hash is checked against the ledger. When the chain has
reorganized, the indexer finds the fork among the hashes it recorded for the last
``reorg_window`` blocks, undoes the orphaned events' projections newest first, drops them and
re-indexes from the fork, all in one unit of work; a fork deeper than the window stops it
loudly (``ReorgTooDeep``) with nothing changed.
"""

from __future__ import annotations

import time
from typing import Protocol

from attrs import define, field, frozen

from dcmx_core.exceptions import ReorgTooDeep
from dcmx_core.ports import EventSource, Undecodable, UnitOfWork
from dcmx_core.read_models import Checkpoint, QuarantinedLog, StoredEvent
from dcmx_core.services.projections import fold, unproject


@frozen
class IndexerSettings:
    chain: str
    batch_blocks: int = 500
    confirmations: int = 0
    reorg_window: int = 64


@define
class IndexerStatus:
    """What the indexer reports to whoever asks (CLI, health endpoint)."""

    head: int = 0
    indexed: int = -1
    events: int = 0
    seconds: float = 0.0
    reorgs: int = 0
    rolled_back: int = 0
    last_error: str | None = None

    @property
    def lag(self) -> int:
        return max(self.head - self.indexed, 0)

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


class Stop(Protocol):
    """A stop signal (``threading.Event`` is one): set by whoever wants the indexer to stop."""

    def is_set(self) -> bool: ...
    def wait(self, timeout: float | None = None) -> bool: ...


@define
class Indexer:
    ledger: EventSource
    uow: UnitOfWork
    settings: IndexerSettings
    status: IndexerStatus = field(factory=IndexerStatus)

    def follow(self, stop: Stop, *, poll_seconds: float = 1.0) -> None:
        """Keep indexing new blocks as they come, polling the head, until ``stop`` is set; the
        batch in flight commits first, so a stop takes at most one batch."""
        while not stop.is_set():
            self.catch_up(stop)
            stop.wait(poll_seconds)

    def catch_up(self, stop: Stop | None = None) -> int:
        """Index every confirmed block not yet indexed (or until ``stop`` is set, between two
        batches); return how many events were written."""
        written = 0
        try:
            while (stop is None or not stop.is_set()) and (batch := self._next_batch()):
                written += self._index(*batch)
        except Exception as error:
            self.status.last_error = f"{type(error).__name__}: {error}"
            raise
        return written

    def _next_batch(self) -> tuple[int, int] | None:
        head = self.ledger.head().number
        self.status.head = head
        target = head - self.settings.confirmations
        start = self._resume_from()
        if start > target:
            return None
        return start, min(start + self.settings.batch_blocks - 1, target)

    def _resume_from(self) -> int:
        """The first block to index: after the checkpoint, once its hash is confirmed."""
        with self.uow:
            checkpoint = self.uow.checkpoints.get_checkpoint(self.settings.chain)
        if checkpoint is None:
            return 0
        if self.ledger.block(checkpoint.block_number).hash != checkpoint.block_hash:
            return self._roll_back(checkpoint)
        self.status.indexed = checkpoint.block_number
        return checkpoint.block_number + 1

    def _roll_back(self, checkpoint: Checkpoint) -> int:
        """Undo the blocks after the fork; return the first block to index again."""
        chain = self.settings.chain
        kept = self._last_block_still_on_chain(checkpoint.block_number)
        with self.uow:
            orphaned = self._events_from(kept.block_number + 1)
            for stored in reversed(orphaned):
                unproject(stored.event, self.uow)
            self.uow.events.remove_from(chain, kept.block_number + 1)
            self.uow.checkpoints.forget_blocks(chain, from_number=kept.block_number + 1)
            self.uow.checkpoints.set_checkpoint(kept)
            self.uow.commit()
        self.status.reorgs += 1
        self.status.rolled_back += len(orphaned)
        self.status.indexed = kept.block_number
        return kept.block_number + 1

    def _last_block_still_on_chain(self, checkpointed: int) -> Checkpoint:
        chain, window = self.settings.chain, self.settings.reorg_window
        with self.uow:
            for number in range(checkpointed - 1, max(checkpointed - window, 0) - 1, -1):
                recorded = self.uow.checkpoints.block_hash(chain, number)
                if recorded is not None and recorded == self.ledger.block(number).hash:
                    return Checkpoint(chain, number, recorded)
        raise ReorgTooDeep(chain, checkpointed, window)

    def _events_from(self, first: int) -> list[StoredEvent]:
        found: list[StoredEvent] = []
        after = (first - 1, 2**62)
        while page := self.uow.events.list(self.settings.chain, after=after, limit=1_000):
            found += page
            last = page[-1].position
            after = (last.block_number, last.log_index)
        return found

    def _index(self, first: int, last: int) -> int:
        began = time.perf_counter()
        batch = self.ledger.read(first, last)
        events = batch.events
        window = self.settings.reorg_window
        recent = [self.ledger.block(n) for n in range(max(first, last - window + 1), last + 1)]
        last_block = recent[-1]
        chain = self.settings.chain
        stored = [StoredEvent(chain, e.position, e) for e in events if e.position is not None]
        with self.uow:
            new = self.uow.events.add(chain, stored)
            if new not in (0, len(stored)):
                raise RuntimeError(
                    f"{chain}: blocks {first}-{last} were half indexed ({new} of {len(stored)} "
                    "events new); the read models need a rebuild"
                )
            if new:
                self.uow.apply(fold(events))
            for block in recent:
                self.uow.checkpoints.record_block(chain, block.number, block.hash)
            self.uow.checkpoints.forget_blocks(chain, below=last - window)
            for bad in batch.undecodable:
                self.uow.quarantine.quarantine(_quarantined(chain, bad))
            self.uow.checkpoints.set_checkpoint(Checkpoint(chain, last, last_block.hash))
            self.uow.commit()
        self.status.indexed = last
        self.status.events += new
        self.status.seconds += time.perf_counter() - began
        return new


def _quarantined(chain: str, bad: Undecodable) -> QuarantinedLog:
    position = bad.position
    return QuarantinedLog(
        chain, position.block_number, position.tx_id, position.log_index, bad.reason, bad.raw
    )
