"""How fast the read API answers over a database of the indexer benchmark's size.

Run with ``nox -s bench`` (or ``python -m benchmarks.api --events N``). It indexes the prepared
event stream into a scratch PostgreSQL database (see ``benchmarks.indexer``), serves the API
from it in processes of their own (``--workers``, 4 by default, as ``dcmx serve --workers``
runs them), and sends the main read requests from this process at a fixed rate, each on its
own schedule (an open loop: a slow answer does not slow the requests after it). It prints, per
endpoint and in all, the p50 and p99 latency and the rate achieved.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import re
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable

import httpx
import uvicorn
import uvloop
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, text

from benchmarks.event_stream import StreamLedger, event_stream
from benchmarks.indexer import CHAIN, Keys, Stream, ingest, percentiles, scratch_database
from dcmx_core.model.values import Address

Request = tuple[str, str]
"""(endpoint name, path)."""


def serve(url: str, port: int, workers: int) -> None:
    """The API over the database at ``url`` from ``workers`` processes, as ``dcmx serve
    --workers`` runs it, until killed."""
    from dcmx_adapters.crypto import EthCrypto
    from dcmx_adapters.sql.unit_of_work import SqlUnitOfWork
    from dcmx_entrypoints.container import serving_engine
    from dcmx_entrypoints.http.app import create_app
    from dcmx_entrypoints.running import api_server, listening_socket, serve_in_processes

    def server() -> uvicorn.Server:
        engine = serving_engine(url)
        head = StreamLedger(list(event_stream(1)))  # readiness only asks for a head
        app = create_app(
            unit_of_work=lambda: SqlUnitOfWork(engine),
            chain=CHAIN,
            ledger=head,
            keccak=EthCrypto().keccak256,
        )
        return api_server(app)

    reserved = listening_socket("127.0.0.1", port, shared=True, listen=False)
    serve_in_processes(server, reserved, workers)


def requests(keys: Keys, rng: random.Random) -> Callable[[], Request]:
    def account(choices: list[Address]) -> str:
        return rng.choice(choices).to_hex()

    makers: list[Callable[[], Request]] = [
        lambda: ("release with editions", f"/v1/releases/{rng.choice(keys.releases)}"),
        lambda: ("NFTs of an owner", f"/v1/accounts/{account(keys.owners)}/editions"),
        lambda: ("token balance", f"/v1/accounts/{account(keys.owners)}/balance"),
        lambda: ("claims of a user", f"/v1/accounts/{account(keys.claimants)}/claims"),
        lambda: ("payouts of a recipient", f"/v1/accounts/{account(keys.recipients)}/payouts"),
        lambda: ("acceptances", f"/v1/accounts/{account(keys.acceptors)}/acceptances"),
        lambda: ("platform stats", "/v1/stats"),
        lambda: ("raw events", "/v1/events?limit=50"),
    ]
    return lambda: rng.choice(makers)()


class Connection:
    """One kept-alive HTTP/1.1 connection. The load is sent over a fixed set of these, not
    through a client library, so that the sender costs little next to the server it measures
    (both share this machine's two cores)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def get(self, path: str) -> int:
        """The status of ``GET path``, once its whole body has arrived."""
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        match = CONTENT_LENGTH.search(head)
        if match is None:
            raise RuntimeError(f"an answer without a content length: {head[:200]!r}")
        await self.reader.readexactly(int(match.group(1)))
        return int(head[9:12])

    def close(self) -> None:
        self.writer.close()


CONTENT_LENGTH = re.compile(rb"(?i)\r\ncontent-length: *(\d+)")


async def load(
    port: int, next_request: Callable[[], Request], rate: float, seconds: float, connections: int
) -> tuple[dict[str, list[float]], int, float]:
    """Send ``rate`` requests a second for ``seconds`` over ``connections`` kept-alive
    connections; latencies by endpoint, failures, and the time it took. A request's latency
    runs from the moment it was due, so time spent waiting for a free connection counts."""
    latencies: dict[str, list[float]] = defaultdict(list)
    failures = 0
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(await Connection.open(port))

    async def one(name: str, path: str, due: float) -> None:
        nonlocal failures
        connection = await pool.get()
        try:
            status = await connection.get(path)
        finally:
            pool.put_nowait(connection)
        latencies[name].append(time.perf_counter() - due)
        if status != 200:
            failures += 1

    total = int(rate * seconds)
    began = time.perf_counter()
    tasks = []
    for n in range(total):
        due = began + n / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(*next_request(), due)))
    await asyncio.gather(*tasks)
    took = time.perf_counter() - began
    while not pool.empty():
        pool.get_nowait().close()
    return latencies, failures, took


def settle(engine: Engine) -> None:
    """Vacuum and analyze what the indexer just wrote, as autovacuum would soon after, and
    write it all out: the timings are of a database at rest, not of one autovacuum or the
    checkpointer is working through."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
        connection.execute(text("CHECKPOINT"))  # and its dirty pages written now, not during
    engine.dispose()


def wait_until_up(base: str, server: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if server.poll() is not None:
            raise RuntimeError("the API server stopped before it answered")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the API server did not answer within a minute")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rate", type=float, default=500, help="requests a second")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--connections", type=int, default=32, help="kept-alive connections")
    parser.add_argument("--workers", type=int, default=4, help="server processes")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve:
        serve(options.serve, options.port, options.workers)
        return
    console = Console()
    stream: Stream = list(event_stream(options.events))
    keys = Keys.of(stream)
    with scratch_database("dcmx_bench_api") as url:
        seconds, engine = ingest(url, stream, 500)
        settle(engine)
        total = sum(len(placed) for _, placed in stream)
        del stream
        gc.collect()
        gc.freeze()  # the sender's own collections would count in every latency
        console.print(f"indexed {total:,} events in {seconds:.0f} s; serving them")
        command = [sys.executable, "-m", "benchmarks.api", "--serve", url]
        command += ["--port", str(options.port), "--workers", str(options.workers)]
        server = subprocess.Popen(command, env=os.environ.copy())
        base = f"http://127.0.0.1:{options.port}"
        try:
            wait_until_up(base, server)
            next_request = requests(keys, random.Random(3))
            port, connections = options.port, options.connections
            # Warm up: every process primes its connections and prepared statements, and the
            # database its caches, at the full rate.
            uvloop.run(load(port, next_request, options.rate, 5, connections))
            latencies, failures, took = uvloop.run(
                load(port, next_request, options.rate, options.seconds, connections)
            )
        finally:
            server.terminate()
            server.wait(30)
    every = [latency for found in latencies.values() for latency in found]
    table = Table(
        title=f"Read API over {total:,} events: {options.rate:,.0f} requests/s asked for "
        f"{options.seconds:.0f} s, {len(every) / took:,.0f}/s served, {failures} failed"
    )
    for column in ("endpoint", "requests", "p50 ms", "p99 ms", "target", "met"):
        table.add_column(column, justify="left" if column == "endpoint" else "right")
    for name, found in sorted(latencies.items()):
        p50, p99 = percentiles(found)
        table.add_row(name, f"{len(found):,}", f"{p50 * 1e3:.1f}", f"{p99 * 1e3:.1f}", "", "")
    p50, p99 = percentiles(every)
    met = p99 < 0.020 and failures == 0 and len(every) / took >= 0.95 * options.rate
    table.add_row(
        "all",
        f"{len(every):,}",
        f"{p50 * 1e3:.1f}",
        f"{p99 * 1e3:.1f}",
        f"p99 < 20 ms at {options.rate:,.0f}/s",
        "yes" if met else "NO",
    )
    console.print(table)
    console.print(f"mean {statistics.fmean(every) * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
