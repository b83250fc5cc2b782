"""What a read costs the API in CPU, in process, without HTTP: where ``benchmarks.api`` measures
the server under load, this calls the application itself (its ASGI entry, with every
middleware) over a database of the indexer benchmark's kind, endpoint by endpoint, and prints
the CPU time a read of each (this process only; PostgreSQL's own is not in it).

Run with ``python -m benchmarks.api_cpu --events N`` (a scratch database, indexed first), or
``--database URL`` over one indexed already with the same ``--events``. ``--profile N`` prints
the N functions that took the most time over all the reads (``cProfile``).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import os
import pstats
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.table import Table

from benchmarks.api import load_average, requests, settle
from benchmarks.event_stream import StreamLedger, event_stream
from benchmarks.indexer import CHAIN, Keys, ingest, scratch_database
from dcmx_core.services.indexer import IndexerSettings

Send = Callable[[str], int]
"""Send ``GET path`` to the application; the answer's status."""


def in_process(url: str) -> Send:
    """The API over the database at ``url``, as ``benchmarks.api`` serves it, called directly."""
    from dcmx_adapters.crypto import EthCrypto
    from dcmx_adapters.sql.unit_of_work import SqlUnitOfWork, reading_units_of_work
    from dcmx_entrypoints.container import serving_engine
    from dcmx_entrypoints.http.app import create_app

    engine = serving_engine(url)
    app = create_app(
        unit_of_work=lambda: SqlUnitOfWork(engine),
        read_unit_of_work=reading_units_of_work(engine, CHAIN),
        chain=CHAIN,
        ledger=StreamLedger(list(event_stream(1))),
        keccak=EthCrypto().keccak256,
    )
    loop = asyncio.new_event_loop()

    def send(path: str) -> int:
        route, _, query = path.partition("?")
        scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": route,
            "raw_path": route.encode(),
            "root_path": "",
            "query_string": query.encode(),
            "headers": [(b"host", b"bench")],
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
        }
        status: list[int] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def reply(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])

        loop.run_until_complete(app(scope, receive, reply))
        return status[0]

    return send


def cpu_a_read(send: Send, paths: list[str]) -> float:
    """CPU seconds a read, over ``paths`` sent one after the other."""
    began = time.process_time()
    for path in paths:
        status = send(path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}")
    return (time.process_time() - began) / len(paths)


@contextmanager
def profiled(top: int, console: Console, sort: str = "tottime") -> Iterator[None]:
    if not top:
        yield
        return
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    yield
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats(sort).print_stats(top)
    console.print(out.getvalue(), markup=False, highlight=False)


def measure(url: str, keys: Keys, reads: int, top: int, console: Console) -> None:
    send = in_process(url)
    next_request = requests(keys, random.Random(3))
    by_endpoint: dict[str, list[str]] = {}
    for _ in range(reads * 12):
        name, path = next_request()
        if len(by_endpoint.setdefault(name, [])) < reads:
            by_endpoint[name].append(path)
    for paths in by_endpoint.values():  # warm up: connections, prepared statements, caches
        cpu_a_read(send, paths[:20])
    gc.collect()
    gc.freeze()
    table = Table(title=f"CPU a read, in process, {reads} reads an endpoint")
    table.add_column("endpoint")
    table.add_column("CPU ms a read", justify="right")
    mixed: list[str] = []
    with profiled(top, console, os.environ.get("PROFILE_SORT", "tottime")):
        for name, paths in sorted(by_endpoint.items()):
            table.add_row(name, f"{cpu_a_read(send, paths) * 1e3:.3f}")
            mixed += paths
    table.add_row("all (mean of the mix)", f"{cpu_a_read(send, mixed) * 1e3:.3f}")
    console.print(table)
    console.print(f"load average {load_average()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--reads", type=int, default=300, help="reads an endpoint")
    parser.add_argument("--database", help="a database indexed with these --events already")
    parser.add_argument("--profile", type=int, default=0, help="print the N costliest functions")
    options = parser.parse_args()
    console = Console()
    keys = Keys.of(list(event_stream(options.events)))
    if options.database:
        measure(options.database, keys, options.reads, options.profile, console)
        return
    with scratch_database(f"dcmx_bench_api_cpu_{os.getpid()}") as url:
        _, engine, _, _ = ingest(
            url, list(event_stream(options.events)), IndexerSettings(CHAIN, 500)
        )
        settle(engine)
        measure(url, keys, options.reads, options.profile, console)


if __name__ == "__main__":
    main()
