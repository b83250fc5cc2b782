"""How fast the read API answers over a database of the indexer benchmark's size.

Run with ``nox -s bench`` (or ``python -m benchmarks.api --events N``). It indexes the prepared
event stream into a scratch PostgreSQL database (see ``benchmarks.indexer``), serves the API
from it in processes of their own (``--workers``, 4 by default, as ``dcmx serve --workers``
runs them), and sends the main read requests from this process at a fixed rate, each on its
own schedule (an open loop: a slow answer does not slow the requests after it). It prints, per
endpoint and in all, the p50 and p99 latency and the rate achieved, and the server's CPU time a
read (its processes' user and system time, from ``/proc``, over the requests they served). Then
it looks for the API's capacity: it asks for 500, 1,000, 1,500 ... requests a second, each for
``--step-seconds``, until p99 passes 50 ms, and prints the highest rate served within it.
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
from attrs import frozen
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, text

from benchmarks.event_stream import StreamLedger, event_stream
from benchmarks.indexer import CHAIN, Keys, Stream, ingest, percentiles, scratch_database
from dcmx_core.model.values import Address
from dcmx_core.services.indexer import IndexerSettings

Request = tuple[str, str]
"""(endpoint name, path)."""


def serve(url: str, port: int, workers: int) -> None:
    """The API over the database at ``url`` from ``workers`` processes, as ``dcmx serve
    --workers`` runs it, until killed."""
    from dcmx_adapters.crypto import EthCrypto
    from dcmx_adapters.sql.unit_of_work import SqlUnitOfWork, reading_units_of_work
    from dcmx_entrypoints.container import serving_engine
    from dcmx_entrypoints.http.app import create_app
    from dcmx_entrypoints.running import api_server, listening_socket, serve_in_processes

    def server() -> uvicorn.Server:
        engine = serving_engine(url)
        head = StreamLedger(list(event_stream(1)))  # readiness only asks for a head
        app = create_app(
            unit_of_work=lambda: SqlUnitOfWork(engine),
            read_unit_of_work=reading_units_of_work(engine, CHAIN),
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


CAPACITY_P99 = 0.050
"""The latency a rate must keep its p99 under to count as served, in seconds."""


def process_tree(root: int) -> list[int]:
    """``root`` and every process below it, from ``/proc``."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue  # ended meanwhile
            children[parent].append(int(entry))
    found, waiting = [], [root]
    while waiting:
        pid = waiting.pop()
        found.append(pid)
        waiting.extend(children[pid])
    return found


def cpu_seconds(pids: list[int]) -> float:
    """The user and system time the processes ``pids`` have spent so far."""
    ticks = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


@frozen
class Run:
    """One rate asked for, and what came of it."""

    rate: float
    latencies: dict[str, list[float]]
    failures: int
    took: float
    cpu: float
    """Server CPU seconds spent meanwhile."""

    @property
    def every(self) -> list[float]:
        return [latency for found in self.latencies.values() for latency in found]

    @property
    def served(self) -> float:
        return len(self.every) / self.took

    @property
    def cpu_a_read(self) -> float:
        return self.cpu / len(self.every)

    def kept(self, p99_bound: float) -> bool:
        """Served in full, without a failure, with p99 under ``p99_bound`` seconds."""
        _, p99 = percentiles(self.every)
        return p99 < p99_bound and not self.failures and self.served >= 0.95 * self.rate


def measure(
    port: int,
    next_request: Callable[[], Request],
    rate: float,
    seconds: float,
    connections: int,
    server: list[int],
) -> Run:
    before = cpu_seconds(server)
    latencies, failures, took = uvloop.run(load(port, next_request, rate, seconds, connections))
    return Run(rate, latencies, failures, took, cpu_seconds(server) - before)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rate", type=float, default=500, help="requests a second")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--connections", type=int, default=32, help="kept-alive connections")
    parser.add_argument("--workers", type=int, default=4, help="server processes")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--step", type=float, default=500, help="capacity search: the rate's step (0: none)"
    )
    parser.add_argument("--step-seconds", type=float, default=10, help="capacity search")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve:
        serve(options.serve, options.port, options.workers)
        return
    console = Console()
    stream: Stream = list(event_stream(options.events))
    keys = Keys.of(stream)
    steps: list[Run] = []
    # A database of this run's own: two runs at once on one server do not drop each other's.
    with scratch_database(f"dcmx_bench_api_{os.getpid()}") as url:
        seconds, engine, _, _ = ingest(url, stream, IndexerSettings(CHAIN, 500))
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
            processes = process_tree(server.pid)
            next_request = requests(keys, random.Random(3))
            port, connections = options.port, options.connections
            # Warm up: every process primes its connections and prepared statements, and the
            # database its caches, at the full rate.
            measure(port, next_request, options.rate, 5, connections, processes)
            run = measure(port, next_request, options.rate, options.seconds, connections, processes)
            console.print(f"load average {load_average()}")
            rate = options.step
            while rate > 0:
                step = measure(
                    port, next_request, rate, options.step_seconds, connections, processes
                )
                steps.append(step)
                if not step.kept(CAPACITY_P99):
                    break
                rate += options.step
        finally:
            server.terminate()
            server.wait(30)
    console.print(rate_table(run, total, options.seconds))
    console.print(f"mean {statistics.fmean(run.every) * 1e3:.1f} ms")
    if steps:
        console.print(capacity_table(steps))
    console.print(f"load average {load_average()}")


def load_average() -> str:
    with open("/proc/loadavg") as loadavg:
        return " ".join(loadavg.read().split()[:3])


def rate_table(run: Run, total: int, seconds: float) -> Table:
    every = run.every
    table = Table(
        title=f"Read API over {total:,} events: {run.rate:,.0f} requests/s asked for "
        f"{seconds:.0f} s, {run.served:,.0f}/s served, {run.failures} failed; server CPU "
        f"{run.cpu_a_read * 1e3:.2f} ms a read"
    )
    for column in ("endpoint", "requests", "p50 ms", "p99 ms", "target", "met"):
        table.add_column(column, justify="left" if column == "endpoint" else "right")
    for name, found in sorted(run.latencies.items()):
        p50, p99 = percentiles(found)
        table.add_row(name, f"{len(found):,}", f"{p50 * 1e3:.1f}", f"{p99 * 1e3:.1f}", "", "")
    p50, p99 = percentiles(every)
    table.add_row(
        "all",
        f"{len(every):,}",
        f"{p50 * 1e3:.1f}",
        f"{p99 * 1e3:.1f}",
        f"p99 < 20 ms at {run.rate:,.0f}/s",
        "yes" if run.kept(0.020) else "NO",
    )
    return table


def capacity_table(steps: list[Run]) -> Table:
    kept = [step.rate for step in steps if step.kept(CAPACITY_P99)]
    best = f"{max(kept):,.0f}/s" if kept else f"none (not even {steps[0].rate:,.0f}/s)"
    table = Table(
        title=f"Capacity (the highest rate served with p99 < {CAPACITY_P99 * 1e3:.0f} ms): "
        f"{best}; target at least 1,500/s: {'yes' if kept and max(kept) >= 1500 else 'NO'}"
    )
    for column in ("asked /s", "served /s", "failed", "p50 ms", "p99 ms", "CPU ms a read", "kept"):
        table.add_column(column, justify="right")
    for step in steps:
        p50, p99 = percentiles(step.every)
        table.add_row(
            f"{step.rate:,.0f}",
            f"{step.served:,.0f}",
            str(step.failures),
            f"{p50 * 1e3:.1f}",
            f"{p99 * 1e3:.1f}",
            f"{step.cpu_a_read * 1e3:.2f}",
            "yes" if step.kept(CAPACITY_P99) else "no",
        )
    return table


if __name__ == "__main__":
    main()
