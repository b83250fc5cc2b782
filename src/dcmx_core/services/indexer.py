"""The indexer: ledger events into read models, a batch of blocks a transaction.

Each batch writes its raw events, their projections and the checkpoint (the last block's number
and hash) in one unit of work, so a crash leaves either the whole batch or none of it, and a
restart resumes after the checkpoint. Only blocks ``confirmations`` behind the head are
indexed.

Before every batch the checkpoint's hash is checked against the ledger. When the chain has
reorganized, the indexer finds the fork among the hashes it recorded for the last
``reorg_window`` blocks, undoes the orphaned events' projections newest first, drops them and
the logs quarantined from the orphaned blocks, and re-indexes from the fork, all in one unit of
work; a fork deeper than the window stops it loudly (``ReorgTooDeep``) with nothing changed.

Far behind the head (a backfill), batches grow toward ``catch_up_events`` events each: the
database does its per-batch work once for more events. The ledger is still read
``batch_blocks`` at a time, so a node's range limit holds; the batch that reaches the head
brings the size back to ``batch_blocks``. A catch-up that wrote that many events or more ends
by refreshing the store's statistics, so that its query planner knows the tables' new sizes.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Protocol

from attrs import define, field, frozen

from dcmx_core.events import DomainEvent
from dcmx_core.exceptions import IndexCorrupted, RangeTooLarge, ReorgTooDeep, WriterLeaseLost
from dcmx_core.ports import Block, EventBatch, EventSource, Undecodable, UnitOfWork
from dcmx_core.read_models import Checkpoint, QuarantinedLog, StoredEvent
from dcmx_core.services.projections import unproject

GROWTH = 16
"""How many times ``batch_blocks`` a batch may span while far behind the head."""

FATAL = (ReorgTooDeep, IndexCorrupted, WriterLeaseLost)
"""What following never retries: the database would need a person (or a rebuild) first, or
another indexer writes now."""


@frozen
class IndexerSettings:
    chain: str
    batch_blocks: int = 500
    confirmations: int = 0
    reorg_window: int = 64
    catch_up_events: int = 100_000
    """Events a batch grows toward while far behind the head; 0 keeps every batch at
    ``batch_blocks`` and leaves the statistics to the store."""


@define
class IndexerStatus:
    """What the indexer reports to whoever asks (CLI, health endpoint)."""

    head: int = 0
    indexed: int = -1
    events: int = 0
    seconds: float = 0.0
    reorgs: int = 0
    rolled_back: int = 0
    retries: int = 0
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
    _span: int = field(init=False)
    """Blocks a read of the ledger asks for."""
    _reach: int = field(init=False)
    """Blocks a batch spans (one transaction)."""

    def __attrs_post_init__(self) -> None:
        self._span = self._reach = self.settings.batch_blocks

    def follow(self, stop: Stop, *, poll_seconds: float = 1.0, max_backoff: float = 30.0) -> None:
        """Keep indexing new blocks as they come, polling the head, until ``stop`` is set; the
        batch in flight commits first, so a stop takes at most one batch.

        A failure of the ledger or the database (an error, a timeout, a lost connection) is
        reported in the status and retried after a pause that doubles up to ``max_backoff``
        seconds; a fork deeper than the window and read models that need a rebuild stop it."""
        pause = poll_seconds
        while not stop.is_set():
            try:
                self.catch_up(stop)
            except FATAL:
                raise
            except Exception:  # reported in the status by catch_up; tried again below
                self.status.retries += 1
                stop.wait(pause)
                pause = min(pause * 2, max_backoff)
                continue
            pause = poll_seconds
            stop.wait(poll_seconds)

    def catch_up(self, stop: Stop | None = None) -> int:
        """Index every confirmed block not yet indexed (or until ``stop`` is set, between two
        batches); return how many events were written.

        While a batch is written, the next one is read and checked on a second thread, so the
        ledger and the database work at the same time. The ledger is never used by both
        threads at once, and a batch read ahead is used only if it starts where the checkpoint
        ends and its last block is still on the chain.

        Far behind the head batches grow (see the module's docstring); when this catch-up
        wrote ``catch_up_events`` events or more, the store's statistics are refreshed."""
        written = 0
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="indexer-read") as reader:
            ahead: Future[_Batch] | None = None
            try:
                while stop is None or not stop.is_set():
                    early = ahead.result() if ahead is not None else None
                    ahead = None
                    span = self._next_batch()
                    if span is None:
                        break
                    batch = early if early is not None and self._still_good(early, span) else None
                    if batch is None:
                        batch = self._read(*span)
                    self._reach = self._next_reach(batch)
                    following = self._following(batch.last)
                    if following is not None:
                        ahead = reader.submit(self._read, *following)
                    written += self._write(batch)
            except Exception as error:
                self.status.last_error = f"{type(error).__name__}: {error}"
                raise
            finally:
                if ahead is not None:
                    ahead.cancel()
        if written >= self.settings.catch_up_events > 0:
            with self.uow:
                self.uow.refresh_statistics()
                self.uow.commit()
        return written

    def _next_reach(self, batch: _Batch) -> int:
        """The blocks the batch after ``batch`` spans: toward ``catch_up_events`` events, at
        most twice ``batch``'s blocks and ``GROWTH`` times ``batch_blocks``, never fewer than
        ``batch_blocks``; ``batch_blocks`` again once ``batch`` reached the confirmed head."""
        settings = self.settings
        if batch.last >= self.status.head - settings.confirmations:
            return settings.batch_blocks
        blocks = batch.last - batch.first + 1
        wanted = blocks * settings.catch_up_events // max(len(batch.stored), 1)
        ceiling = min(2 * blocks, GROWTH * settings.batch_blocks)
        return max(settings.batch_blocks, min(wanted, ceiling))

    def _following(self, last: int) -> tuple[int, int] | None:
        """The span after ``last``, within the confirmed head seen last."""
        target = self.status.head - self.settings.confirmations
        if last >= target:
            return None
        return last + 1, min(last + self._reach, target)

    def _still_good(self, batch: _Batch, span: tuple[int, int]) -> bool:
        return (
            batch.first == span[0] and self.ledger.block(batch.last).hash == batch.blocks[-1].hash
        )

    def _next_batch(self) -> tuple[int, int] | None:
        head = self.ledger.head().number
        self.status.head = head
        target = head - self.settings.confirmations
        start = self._resume_from(head)
        if start is None or start > target:
            return None
        return start, min(start + self._reach - 1, target)

    def _resume_from(self, head: int) -> int | None:
        """The first block to index: after the checkpoint, once its hash is confirmed; None
        while the ledger's head is behind the checkpoint (a node that lags, or a shorter
        branch: its hash is checked once the chain is that long again)."""
        with self.uow:
            checkpoint = self.uow.checkpoints.get_checkpoint(self.settings.chain)
        if checkpoint is None:
            return 0
        if checkpoint.block_number > head:
            return None
        if self.ledger.block(checkpoint.block_number).hash != checkpoint.block_hash:
            return self._roll_back(checkpoint)
        self.status.indexed = checkpoint.block_number
        return checkpoint.block_number + 1

    def _roll_back(self, checkpoint: Checkpoint) -> int:
        """Undo the blocks after the fork (their events' projections, their events and the
        logs quarantined from them); return the first block to index again."""
        chain = self.settings.chain
        kept = self._last_block_still_on_chain(checkpoint.block_number)
        first_orphan = kept.block_number + 1
        with self.uow:
            orphaned = self._events_from(first_orphan)
            for stored in reversed(orphaned):
                unproject(stored.event, self.uow)
            self.uow.events.remove_from(chain, first_orphan)
            self.uow.quarantine.remove_from(chain, first_orphan)
            self.uow.checkpoints.forget_blocks(chain, from_number=first_orphan)
            self.uow.checkpoints.set_checkpoint(kept)
            self.uow.commit()
        self.status.reorgs += 1
        self.status.rolled_back += len(orphaned)
        self.status.indexed = kept.block_number
        return first_orphan

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

    def _read(self, first: int, last: int) -> _Batch:
        """Blocks ``first..last``: their events, once each, and the hashes of the blocks a
        reorganization could still reach (the last ``reorg_window`` and the one below them,
        where a fork that deep would start: so the record is the same whatever the batches'
        sizes). Events whose block hash is not the hash read for their block (the chain moved
        while it was read) are read again."""
        chain, window = self.settings.chain, self.settings.reorg_window
        for _ in range(3):
            batch = self._read_in_pieces(first, last)
            recent = [self.ledger.block(n) for n in range(max(first, last - window), last + 1)]
            hashes = {block.number: block.hash for block in recent}
            events = _once_each(batch.events, first, last)
            positions = [e.position for e in events if e.position is not None]
            if all(hashes.get(p.block_number, p.block_hash) == p.block_hash for p in positions):
                stored = [StoredEvent(chain, e.position, e) for e in events if e.position]
                read = EventBatch(tuple(events), batch.undecodable)
                return _Batch(first, last, read, stored, recent)
        raise IndexCorrupted(chain, f"blocks {first}-{last} kept changing while they were read")

    def _read_in_pieces(self, first: int, last: int) -> EventBatch:
        """Blocks ``first..last`` read at most ``batch_blocks`` at a time (fewer while the
        ledger refuses so many at once)."""
        events: list[DomainEvent] = []
        undecodable: list[Undecodable] = []
        while first <= last:
            piece, end = self._read_within_limit(first, min(first + self._span - 1, last))
            events += piece.events
            undecodable += piece.undecodable
            first = end + 1
        return EventBatch(tuple(events), tuple(undecodable))

    def _read_within_limit(self, first: int, last: int) -> tuple[EventBatch, int]:
        """Read ``first..last``, halving the span while the ledger says it is too large; the
        span grows back, doubling, as reads succeed."""
        while True:
            try:
                batch = self.ledger.read(first, last)
            except RangeTooLarge:
                if last == first:
                    raise
                last = first + (last - first + 1) // 2 - 1
                self._span = last - first + 1
                continue
            self._span = min(self._span * 2, self.settings.batch_blocks)
            return batch, last

    def _write(self, batch: _Batch) -> int:
        began = time.perf_counter()
        first, last, chain, window = (
            batch.first,
            batch.last,
            self.settings.chain,
            self.settings.reorg_window,
        )
        with self.uow:
            new = self.uow.events.add(chain, batch.stored)
            if new not in (0, len(batch.stored)):
                raise IndexCorrupted(
                    chain,
                    f"blocks {first}-{last} were half indexed ({new} of {len(batch.stored)} "
                    "events new)",
                )
            if new:
                try:
                    self.uow.project(batch.read.events)
                except LookupError as missing:
                    raise IndexCorrupted(chain, str(missing)) from missing
            self.uow.checkpoints.record_blocks(chain, [(b.number, b.hash) for b in batch.blocks])
            self.uow.checkpoints.forget_blocks(chain, below=last - window)
            for bad in batch.read.undecodable:
                self.uow.quarantine.quarantine(_quarantined(chain, bad))
            self.uow.checkpoints.set_checkpoint(Checkpoint(chain, last, batch.blocks[-1].hash))
            self.uow.commit()
        self.status.indexed = last
        self.status.events += new
        self.status.seconds += time.perf_counter() - began
        return new


@frozen
class _Batch:
    """A span of blocks read and checked, ready to write."""

    first: int
    last: int
    read: EventBatch
    stored: list[StoredEvent]
    blocks: list[Block]


def _once_each(events: Sequence[DomainEvent], first: int, last: int) -> list[DomainEvent]:
    """The events of blocks ``first..last``, each once (a ledger may deliver one twice), in
    the order they came."""
    # Keyed by the id's bytes: hashing bytes is the interpreter's, a Hash32's is Python code.
    seen: set[tuple[int, int, bytes]] = set()
    found = []
    for event in events:
        position = event.position
        if position is None or not first <= position.block_number <= last:
            continue
        key = (position.block_number, position.log_index, position.tx_id.raw)
        if key not in seen:
            seen.add(key)
            found.append(event)
    return found


def _quarantined(chain: str, bad: Undecodable) -> QuarantinedLog:
    position = bad.position
    return QuarantinedLog(
        chain, position.block_number, position.tx_id, position.log_index, bad.reason, bad.raw
    )
