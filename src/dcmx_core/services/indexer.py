"""The indexer: ledger events into read models, a batch of blocks a transaction.

Each batch writes its raw events, their projections and the checkpoint (the last block's number
and hash) in one unit of work, so a crash leaves either the whole batch or none of it, and a
restart resumes after the checkpoint. Before every batch the checkpoint's hash is checked
against the ledger; a reorganized chain stops the indexer loudly (``ReorgDetected``) before it
writes anything. Only blocks ``confirmations`` behind the head are indexed.
"""

from __future__ import annotations

import time

from attrs import define, field, frozen

from dcmx_core.exceptions import ReorgDetected
from dcmx_core.ports import Ledger, UnitOfWork
from dcmx_core.read_models import Checkpoint, StoredEvent
from dcmx_core.services.projections import project


@frozen
class IndexerSettings:
    chain: str
    batch_blocks: int = 500
    confirmations: int = 0


@define
class IndexerStatus:
    """What the indexer reports to whoever asks (CLI, health endpoint)."""

    head: int = 0
    indexed: int = -1
    events: int = 0
    seconds: float = 0.0
    last_error: str | None = None

    @property
    def lag(self) -> int:
        return max(self.head - self.indexed, 0)

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


@define
class Indexer:
    ledger: Ledger
    uow: UnitOfWork
    settings: IndexerSettings
    status: IndexerStatus = field(factory=IndexerStatus)

    def catch_up(self) -> int:
        """Index every confirmed block not yet indexed; return how many events were written."""
        written = 0
        try:
            while (batch := self._next_batch()) is not None:
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
            raise ReorgDetected(self.settings.chain, checkpoint.block_number)
        self.status.indexed = checkpoint.block_number
        return checkpoint.block_number + 1

    def _index(self, first: int, last: int) -> int:
        began = time.perf_counter()
        events = self.ledger.events(first, last)
        last_block = self.ledger.block(last)
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
                for event in events:
                    project(event, self.uow)
            self.uow.checkpoints.set_checkpoint(Checkpoint(chain, last, last_block.hash))
            self.uow.commit()
        self.status.indexed = last
        self.status.events += new
        self.status.seconds += time.perf_counter() - began
        return new
