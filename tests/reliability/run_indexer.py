"""An indexer process for the crash tests: indexes a prepared event stream into a database.

``python -m tests.reliability.run_indexer URL EVENTS SEED BATCH_BLOCKS PAUSE`` indexes the
stream of ``EVENTS`` events (seed ``SEED``) into the database at ``URL``, from its checkpoint
on, ``PAUSE`` seconds slower a batch: it prints "ready" when its stream is prepared, "writer"
once it holds the chain's writer lease (another indexer of the chain may hold it first) and
"done" when it reaches the head.
"""

from __future__ import annotations

import sys
import threading
import time

from benchmarks.event_stream import StreamLedger, event_stream
from dcmx_adapters.sql.database import create_engine_for
from dcmx_adapters.sql.lease import WriterLease
from dcmx_adapters.sql.repositories import SqlUnitOfWork
from dcmx_core.events import DomainEvent
from dcmx_core.ports import Block, EventBatch
from dcmx_core.services.indexer import Indexer, IndexerSettings

CHAIN = "crash"


class SlowLedger(StreamLedger):
    """The stream, read ``pause`` seconds slower a batch."""

    def __init__(self, blocks: list[tuple[Block, list[DomainEvent]]], pause: float) -> None:
        super().__init__(blocks)
        self._pause = pause

    def read(self, from_block: int, to_block: int) -> EventBatch:
        time.sleep(self._pause)
        return super().read(from_block, to_block)


def main(url: str, events: int, seed: int, batch_blocks: int, pause: float) -> None:
    blocks = list(event_stream(events, per_block=40, accounts=500, seed=seed))
    engine = create_engine_for(url)
    settings = IndexerSettings(CHAIN, batch_blocks=batch_blocks)
    print("ready", flush=True)
    with WriterLease(engine, CHAIN) as lease:
        lease.acquire(threading.Event(), poll_seconds=0.2)
        print("writer", flush=True)
        Indexer(SlowLedger(blocks, pause), SqlUnitOfWork(engine), settings).catch_up()
    engine.dispose()
    print("done", flush=True)


if __name__ == "__main__":
    url, events, seed, batch_blocks, pause = sys.argv[1:6]
    main(url, int(events), int(seed), int(batch_blocks), float(pause))
