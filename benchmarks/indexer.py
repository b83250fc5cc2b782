"""How fast the indexer fills PostgreSQL, and how fast the API's queries read it back.

Run with ``nox -s bench`` (or ``python -m benchmarks.indexer --events N``). It needs the
PostgreSQL server named by ``DCMX_BENCH_DATABASE_URL`` (default: the local one at
127.0.0.1:5432), where it creates and drops scratch databases of its own.

1. Ingest: a prepared stream of decoded events (``event_stream``), read block range by block
   range by the real ``Indexer`` into a migrated database: raw events with their idempotency
   keys, every projection, the platform figures and the checkpoint, one transaction a batch.
2. Naive baseline, in the style of the original: the same work (raw event, projections,
   figures, checkpoint) with one ORM object and one commit per event, on a sample of the
   same stream.
3. Raw ceiling: the same event rows, already encoded, copied with ``COPY`` into a table with no
   key and no index.
4. Queries: with the whole stream loaded, p50 and p99 of each repository query the API makes,
   each in its own unit of work, as a request would run it.

Beside the ingest's figures it prints where the time went (``indexer_stages``): each stage's
seconds, the CPU seconds of the Python process and of its PostgreSQL backends (on a loaded
machine wall time stretches, CPU time much less), and the peak resident size while indexing.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from attrs import frozen
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from benchmarks.event_stream import event_stream
from benchmarks.indexer_stages import (
    STATISTICS,
    BackendClock,
    Stages,
    TimedIndexer,
    TimedLedger,
    TimedUnitOfWork,
    alone,
    peak_memory,
    reset_peak_memory,
)
from dcmx_adapters.sql.database import create_engine_for, upgrade
from dcmx_adapters.sql.event_json import encode_event, kind_of
from dcmx_adapters.sql.indexer_repositories import SqlCheckpointRepository, SqlStatsRepository
from dcmx_adapters.sql.market_repositories import (
    SqlBalanceRepository,
    SqlReleaseRepository,
    SqlSaleRepository,
)
from dcmx_adapters.sql.tables import EventRow
from dcmx_adapters.sql.unit_of_work import SqlUnitOfWork
from dcmx_adapters.sql.user_repositories import SqlClaimRepository, SqlComplianceRepository
from dcmx_core import events as e
from dcmx_core.model.values import Address
from dcmx_core.ports import Block
from dcmx_core.read_models import Checkpoint
from dcmx_core.services.indexer import IndexerSettings
from dcmx_core.services.projections import apply_changes, fold

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
CHAIN = "bench"
_JSON = partial(json.dumps, separators=(",", ":"))

Stream = list[tuple[Block, list[e.DomainEvent]]]


@contextmanager
def scratch_database(name: str) -> Iterator[str]:
    """A new, empty database on the benchmark's server; dropped afterwards."""
    server = make_url(os.environ.get("DCMX_BENCH_DATABASE_URL", DEFAULT_SERVER))
    admin = create_engine_for(server.render_as_string(hide_password=False))
    admin = admin.execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def ingest(
    url: str, stream: Stream, settings: IndexerSettings
) -> tuple[float, Engine, Stages, tuple[int, int]]:
    """Index the stream; return the seconds, the engine, the time of each stage, and the
    resident size (bytes) when indexing began and its peak while indexing."""
    upgrade(url)
    engine = create_engine_for(url)
    stages = Stages()
    backend = stages.clock = BackendClock(engine)
    indexer = TimedIndexer(
        TimedLedger(stream, stages),
        TimedUnitOfWork(engine, stages),
        settings,
    )
    indexer.stages = stages
    before = reset_peak_memory()
    began, python_began = time.perf_counter(), time.process_time()
    written = indexer.catch_up()
    elapsed = time.perf_counter() - began
    stages.seconds["CPU: the Python process"] = time.process_time() - python_began
    stages.seconds["CPU: its PostgreSQL backends"] = backend.seconds()
    memory = before, peak_memory()
    events = sum(len(placed) for _, placed in stream)
    if written != events:
        raise RuntimeError(f"the indexer wrote {written} of {events} events")
    return elapsed, engine, stages, memory


def naive(url: str, sample: list[e.DomainEvent]) -> float:
    """The same work done the naive way: per event, one ORM object for the raw event, its
    projections read and written row by row, the checkpoint, and a commit."""
    upgrade(url)
    engine = create_engine_for(url)
    began = time.perf_counter()
    with Session(engine) as session:
        repositories = _Repositories(session)
        for event in sample:
            position = event.position
            assert position is not None
            session.add(
                EventRow(
                    chain=CHAIN,
                    block_number=position.block_number,
                    log_index=position.log_index,
                    tx_id=position.tx_id,
                    block_hash=position.block_hash,
                    kind=kind_of(event),
                    payload=encode_event(event, placed_at=position),
                )
            )
            apply_changes(fold([event]), repositories)  # type: ignore[arg-type]
            repositories.checkpoints.set_checkpoint(
                Checkpoint(CHAIN, position.block_number, position.block_hash)
            )
            session.commit()
    elapsed = time.perf_counter() - began
    engine.dispose()
    return elapsed


class _Repositories:
    """The repositories of one session, as ``apply_changes`` reads them off a unit of work."""

    def __init__(self, session: Session) -> None:
        self.releases = SqlReleaseRepository(session)
        self.balances = SqlBalanceRepository(session)
        self.sales = SqlSaleRepository(session)
        self.claims = SqlClaimRepository(session)
        self.compliance = SqlComplianceRepository(session)
        self.stats = SqlStatsRepository(session)
        self.checkpoints = SqlCheckpointRepository(session)


def raw_ceiling(url: str, stream: Stream) -> float:
    """COPY of the same rows, encoded beforehand, into a table with no key and no index."""
    rows = [
        (
            CHAIN,
            ev.position.block_number,
            ev.position.log_index,
            ev.position.tx_id.raw,
            ev.position.block_hash.raw,
            kind_of(ev),
            _JSON(encode_event(ev, placed_at=ev.position)),
        )
        for _, placed in stream
        for ev in placed
        if ev.position is not None
    ]
    engine = create_engine_for(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE raw_events (chain varchar(64), block_number bigint, log_index int, "
                "tx_id bytea, block_hash bytea, kind varchar(64), payload json)"
            )
        )
    raw = engine.raw_connection()
    try:
        cursor = raw.driver_connection.cursor()  # type: ignore[union-attr]
        began = time.perf_counter()
        with cursor.copy("COPY raw_events FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        raw.commit()
        elapsed = time.perf_counter() - began
    finally:
        raw.close()
        engine.dispose()
    return elapsed


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered), p99


@frozen
class Keys:
    """Keys that occur in the stream, for the queries to look up."""

    owners: list[Address]
    releases: list[int]
    claimants: list[Address]
    recipients: list[Address]
    acceptors: list[Address]

    @classmethod
    def of(cls, stream: Stream) -> Keys:
        events = [ev for _, placed in stream for ev in placed]
        return cls(
            [ev.recipient for ev in events if isinstance(ev, e.EditionTransferred)],
            [ev.release_id for ev in events if isinstance(ev, e.ReleaseCreated)],
            [ev.user for ev in events if isinstance(ev, e.ClaimSubmitted)],
            [ev.recipient for ev in events if isinstance(ev, e.PayoutCredited)],
            [ev.user for ev in events if isinstance(ev, e.DocumentAccepted)],
        )


def queries(engine: Engine, keys: Keys, repeat: int) -> dict[str, tuple[float, float]]:
    """Each query ``repeat`` times with random keys that occur in the stream."""
    owners, releases, claimants = keys.owners, keys.releases, keys.claimants
    recipients, acceptors = keys.recipients, keys.acceptors
    rng = random.Random(7)
    uow = SqlUnitOfWork(engine)
    cases: dict[str, Callable[[], Any]] = {
        "NFTs of an owner": lambda: uow.releases.editions_of_owner(rng.choice(owners), limit=100),
        "a release with its editions": lambda: _release(uow, rng.choice(releases)),
        "claims of a user": lambda: uow.claims.claims_of(rng.choice(claimants), limit=100),
        "payouts of a recipient": lambda: uow.sales.payouts_of(rng.choice(recipients), limit=100),
        "acceptances of a user": lambda: uow.compliance.acceptances_of(
            rng.choice(acceptors), limit=100
        ),
        "platform stats": lambda: uow.stats.get(),
    }
    found: dict[str, tuple[float, float]] = {}
    for name, query in cases.items():
        timings = []
        for _ in range(repeat):
            began = time.perf_counter()
            with uow:
                query()
            timings.append(time.perf_counter() - began)
        found[name] = percentiles(timings)
    return found


def _release(uow: SqlUnitOfWork, release_id: int) -> Any:
    return uow.releases.get_release(release_id), uow.releases.editions_of_release(
        release_id, limit=100
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=2_000, help="events of the naive run")
    parser.add_argument("--batch-blocks", type=int, default=500)
    parser.add_argument(
        "--catch-up-events",
        type=int,
        default=IndexerSettings(CHAIN).catch_up_events,
        help="events a batch grows toward while far behind the head (0: no growth)",
    )
    parser.add_argument("--repeat", type=int, default=1_000, help="runs of each query")
    options = parser.parse_args()
    console = Console()

    began = time.perf_counter()
    stream: Stream = list(event_stream(options.events))
    total = sum(len(placed) for _, placed in stream)
    console.print(
        f"prepared {total:,} events in {len(stream):,} blocks "
        f"({time.perf_counter() - began:.1f} s, not timed below)"
    )
    sample = [ev for _, placed in stream for ev in placed][: options.sample]
    # The prepared stream stands for the chain, which is not in an indexer's memory: kept out
    # of the collector's passes, its million objects do not slow down every full collection.
    gc.freeze()

    with scratch_database(f"dcmx_bench_raw_{os.getpid()}") as url:
        raw_seconds = raw_ceiling(url, stream)
    with scratch_database(f"dcmx_bench_naive_{os.getpid()}") as url:
        naive_seconds = naive(url, sample)
    sampled = len(sample)
    with scratch_database(f"dcmx_bench_ingest_{os.getpid()}") as url:
        load = os.getloadavg()[0]
        settings = IndexerSettings(
            CHAIN, options.batch_blocks, catch_up_events=options.catch_up_events
        )
        seconds, engine, stages, (before, peak) = ingest(url, stream, settings)
        stages.seconds.update(alone([ev for _, placed in stream for ev in placed]))
        with engine.begin() as connection:
            rows = connection.execute(text("SELECT count(*) FROM events")).scalar_one()
            if STATISTICS not in stages.seconds:  # a fresh database's planner knows nothing
                connection.execute(text("ANALYZE"))
        # An API process holds no event stream: drop it before timing the queries, so that
        # the collector's passes over a million objects are not counted as query time.
        keys = Keys.of(stream)
        del stream, sample
        gc.unfreeze()
        gc.collect()
        timings = queries(engine, keys, options.repeat)
        engine.dispose()

    ours = total / seconds
    baseline = sampled / naive_seconds
    ceiling = total / raw_seconds
    table = Table(
        title=f"Indexing {total:,} events into PostgreSQL ({rows:,} rows; "
        f"load average {load:.1f} on {os.cpu_count()} cores; batches of "
        f"{options.batch_blocks:,} blocks, far behind the head growing toward "
        f"{options.catch_up_events:,} events)"
    )
    table.add_column("path")
    table.add_column("events/s", justify="right")
    table.add_column("seconds", justify="right")
    table.add_column("target", justify="right")
    table.add_column("met", justify="center")
    table.add_row(
        "indexer (events, projections, figures, checkpoint)",
        f"{ours:,.0f}",
        f"{seconds:.1f}",
        "≥ 50,000",
        _met(ours >= 50_000),
    )
    table.add_row(
        f"naive: an ORM object and a commit per event (first {sampled:,})",
        f"{baseline:,.0f}",
        f"{naive_seconds:.1f}",
        "",
        "",
    )
    table.add_row(
        "raw ceiling: COPY, no key, no index", f"{ceiling:,.0f}", f"{raw_seconds:.1f}", "", ""
    )
    table.add_row(
        "indexer ÷ naive", f"{ours / baseline:,.0f}×", "", "≥ 200×", _met(ours >= 200 * baseline)
    )
    table.add_row(
        "indexer ÷ raw ceiling",
        f"{ours / ceiling:.0%}",
        "",
        "≥ 25%",
        _met(ours >= 0.25 * ceiling),
    )
    table.add_row(
        "peak resident size while indexing",
        f"{peak / 2**20:,.0f} MiB",
        "",
        "≤ 1,024 MiB",
        _met(peak <= 2**30),
    )
    table.add_row(
        "  of which held when indexing began (the prepared stream: the chain)",
        f"{before / 2**20:,.0f} MiB",
        "",
        "",
        "",
    )
    console.print(table)
    console.print(stage_table(stages, total, seconds))

    query_table = Table(
        title=f"Repository queries over {total:,} events ({options.repeat:,} runs each)"
    )
    query_table.add_column("query")
    query_table.add_column("p50 ms", justify="right")
    query_table.add_column("p99 ms", justify="right")
    query_table.add_column("target", justify="right")
    query_table.add_column("met", justify="center")
    for name, (p50, p99) in timings.items():
        query_table.add_row(
            name, f"{p50 * 1e3:.2f}", f"{p99 * 1e3:.2f}", "p99 < 5 ms", _met(p99 < 0.005)
        )
    console.print(query_table)


def stage_table(stages: Stages, events: int, wall: float) -> Table:
    seconds, database = stages.seconds, stages.database
    parts = (
        "  raw events: encode and COPY",
        "  projections, figures (set-wise)",
        "  commit",
    )
    whole, rest = "write a batch (all below)", "  checkpoint, block hashes"
    seconds[rest] = seconds[whole] - sum(seconds[part] for part in parts)
    database[rest] = database[whole] - sum(database[part] for part in parts)
    order = [
        "read (ledger)",
        "read, check (reader thread)",
        whole,
        *parts,
        rest,
        STATISTICS,
        "CPU: projection columns alone",
        "CPU: encode raw events alone",
        "CPU: the Python process",
        "CPU: its PostgreSQL backends",
    ]
    table = Table(
        title=f"Where the indexer's {wall:.1f} s went (stages overlap: reading runs beside writing)"
    )
    table.add_column("stage")
    table.add_column("seconds", justify="right")
    table.add_column("µs/event", justify="right")
    table.add_column("of wall", justify="right")
    table.add_column("PostgreSQL CPU µs/event", justify="right")
    for name in order:
        table.add_row(
            name,
            f"{seconds[name]:.2f}",
            f"{seconds[name] / events * 1e6:.1f}",
            f"{seconds[name] / wall:.0%}",
            f"{database[name] / events * 1e6:.1f}" if name in database else "",
        )
    return table


def _met(ok: bool) -> str:
    return "yes" if ok else "NO"


if __name__ == "__main__":
    main()
