"""What one rate limit check costs in each store: this process's own buckets, Redis (one Lua
script a check) and PostgreSQL (one UPSERT a check), as the API's handler threads make them:
one thread alone (the latency a request pays), and ten at once (``HANDLER_THREADS``: the checks
a second one API process can make). Checks go round 1,000 keys.

Redis is the one at ``DCMX_BENCH_REDIS_URL`` (default: the local one at 127.0.0.1:6379), under
a key prefix of its own, deleted afterwards; PostgreSQL a scratch database on the server at
``DCMX_BENCH_DATABASE_URL`` (as ``benchmarks.indexer``). Run with ``nox -s bench``
(``python -m benchmarks.rate_limits`` alone).
"""

from __future__ import annotations

import os
import secrets
import statistics
import threading
import time
from collections.abc import Callable

import redis
from rich.console import Console
from rich.table import Table

from benchmarks.indexer import scratch_database
from dcmx_adapters.rate_buckets import InProcessBuckets, Rate, RateCounter
from dcmx_adapters.redis_buckets import RedisBuckets
from dcmx_adapters.sql.database import create_engine_for
from dcmx_adapters.sql.rate_buckets import PostgresBuckets
from dcmx_entrypoints.container import HANDLER_THREADS

RATE = Rate(600, 60)
KEYS = [f"client:10.0.{i // 250}.{i % 250}" for i in range(1_000)]
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def latencies(counter: RateCounter, checks: int) -> list[float]:
    """Seconds each of ``checks`` checks took, one after another."""
    took = []
    for i in range(checks):
        began = time.perf_counter()
        counter.take(KEYS[i % len(KEYS)], RATE)
        took.append(time.perf_counter() - began)
    return took


def checks_a_second(counter: RateCounter, checks: int, threads: int) -> float:
    each = checks // threads

    def run(offset: int) -> None:
        for i in range(each):
            counter.take(KEYS[(offset + i) % len(KEYS)], RATE)

    workers = [threading.Thread(target=run, args=(n * 97,)) for n in range(threads)]
    began = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return each * threads / (time.perf_counter() - began)


def measure(name: str, make: Callable[[], RateCounter], checks: int, table: Table) -> None:
    counter = make()
    latencies(counter, min(checks, 200))  # warm: connections, the script, the table
    took = sorted(latencies(counter, checks))
    p50 = statistics.median(took) * 1e6
    p99 = took[int(len(took) * 0.99) - 1] * 1e6
    mean = statistics.fmean(took) * 1e6
    together = checks_a_second(counter, checks, HANDLER_THREADS)
    table.add_row(
        name, f"{checks:,}", f"{mean:,.1f}", f"{p50:,.1f}", f"{p99:,.1f}", f"{together:,.0f}"
    )


def main() -> None:
    console = Console()
    table = Table(title="One rate limit check, by store (µs; checks/s with 10 threads)")
    for column in ("store", "checks", "mean µs", "p50 µs", "p99 µs", "checks/s ×10"):
        table.add_column(column, justify="left" if column == "store" else "right")
    measure("in-process", InProcessBuckets, 100_000, table)

    redis_url = os.environ.get("DCMX_BENCH_REDIS_URL", DEFAULT_REDIS)
    prefix = f"dcmx-bench:{secrets.token_hex(4)}:"
    try:
        measure("redis", lambda: RedisBuckets(redis_url, prefix), 10_000, table)
    finally:
        client = redis.Redis.from_url(redis_url)
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
        client.close()

    with scratch_database(f"dcmx_bench_rates_{os.getpid()}") as url:
        engine = create_engine_for(url, pool_size=HANDLER_THREADS + 2)
        try:
            measure("postgresql", lambda: PostgresBuckets(engine, "bench:"), 5_000, table)
        finally:
            engine.dispose()
    console.print(table)


if __name__ == "__main__":
    main()
