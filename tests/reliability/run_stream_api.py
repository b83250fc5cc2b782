"""An API process for the event stream's tests: ``python -m tests.reliability.run_stream_api
URL CHAIN`` serves the read models of ``CHAIN`` in the database at ``URL`` on a free port of this
machine, hearing the indexer's commits through PostgreSQL; it prints "port N" once it listens."""

from __future__ import annotations

import socket
import sys

from benchmarks.event_stream import StreamLedger, event_stream
from dcmx_adapters.crypto import EthCrypto
from dcmx_adapters.sql.database import create_engine_for
from dcmx_adapters.sql.notice_listeners import PostgresNotices
from dcmx_adapters.sql.unit_of_work import SqlUnitOfWork
from dcmx_entrypoints.http import create_app
from dcmx_entrypoints.running import api_server


def main(url: str, chain: str, connections: int = 1_000) -> None:
    engine = create_engine_for(url, pool_size=12)
    app = create_app(
        unit_of_work=lambda: SqlUnitOfWork(engine),
        chain=chain,
        ledger=StreamLedger(list(event_stream(1))),
        keccak=EthCrypto().keccak256,
        notices=PostgresNotices(url),
        connections_max=connections,
    )
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)
    print(f"port {sock.getsockname()[1]}", flush=True)
    api_server(app).run(sockets=[sock])
    engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], *(int(a) for a in sys.argv[3:]))
