"""An indexer process as ``dcmx index --follow`` runs one against PostgreSQL: it waits for the
chain's writer lease, follows the chain while it holds it, and when it loses it writes nothing
more and waits to take it again. Several of them on one database are one writer and standbys.

``python -m tests.reliability.run_follower URL EVENTS SEED BATCH_BLOCKS PAUSE`` follows the
prepared stream of ``EVENTS`` events (seed ``SEED``, ``BATCH_BLOCKS`` blocks a batch, read
``PAUSE`` seconds slower a batch) into the database at ``URL`` until SIGTERM. Its log lines
(the product's) go to stderr; it exits 0 when stopped, 1 with the error that stopped its
indexer otherwise.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading

from benchmarks.event_stream import event_stream
from dcmx_adapters.sql.database import create_engine_for
from dcmx_adapters.sql.lease import WriterLease
from dcmx_adapters.sql.unit_of_work import SqlUnitOfWork
from dcmx_core.services.indexer import Indexer, IndexerSettings
from dcmx_entrypoints.running import IndexerThread
from tests.reliability.run_indexer import SlowLedger

CHAIN = "standby"


def main(url: str, events: int, seed: int, batch_blocks: int, pause: float) -> int:
    logging.basicConfig(format="dcmx: %(levelname)s: %(message)s", level=logging.INFO)
    blocks = list(event_stream(events, per_block=40, accounts=500, seed=seed))
    engine = create_engine_for(url)
    settings = IndexerSettings(CHAIN, batch_blocks=batch_blocks)
    indexer = Indexer(SlowLedger(blocks, pause), SqlUnitOfWork(engine), settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    thread = IndexerThread(
        indexer, stop, follow=True, poll_seconds=0.05, lease=WriterLease(engine, CHAIN)
    )
    thread.start()
    while thread.is_alive():
        thread.join(0.1)
    engine.dispose()
    if thread.error is not None:
        print(f"stopped: {type(thread.error).__name__}: {thread.error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    url, events, seed, batch_blocks, pause = sys.argv[1:6]
    sys.exit(main(url, int(events), int(seed), int(batch_blocks), float(pause)))
