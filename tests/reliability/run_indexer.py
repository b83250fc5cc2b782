"""An indexer process for the crash tests: indexes a prepared event stream into a database.

``python -m tests.reliability.run_indexer URL EVENTS SEED BATCH_BLOCKS`` indexes the stream of
``EVENTS`` events (seed ``SEED``) into the database at ``URL``, from its checkpoint on, and
prints "done" when it reaches the head.
"""

from __future__ import annotations

import sys

from benchmarks.event_stream import StreamLedger, event_stream
from dcmx_adapters.sql.database import create_engine_for
from dcmx_adapters.sql.repositories import SqlUnitOfWork
from dcmx_core.services.indexer import Indexer, IndexerSettings

CHAIN = "crash"


def main(url: str, events: int, seed: int, batch_blocks: int) -> None:
    blocks = list(event_stream(events, per_block=40, accounts=500, seed=seed))
    engine = create_engine_for(url)
    settings = IndexerSettings(CHAIN, batch_blocks=batch_blocks)
    Indexer(StreamLedger(blocks), SqlUnitOfWork(engine), settings).catch_up()
    engine.dispose()
    print("done", flush=True)


if __name__ == "__main__":
    url, events, seed, batch_blocks = sys.argv[1:5]
    main(url, int(events), int(seed), int(batch_blocks))
