"""Backfill from a chain: the indexer catching up from block 0 on logs read from a local EVM
chain and decoded, end to end, into PostgreSQL.

Run with ``nox -s bench`` (or ``python -m benchmarks.backfill --events N``). It needs the
PostgreSQL server named by ``DCMX_BENCH_DATABASE_URL`` (default: the local one), where it
creates and drops scratch databases of its own.

1. Setup (not timed): the five contracts on revm, driven through the EVM ledger with a busy
   platform's mix of commands (``chain_activity``) until they have emitted ``--events`` events.
2. In process: the real ``Indexer`` reads the chain through the ``EvmLedger`` (``RevmChain.logs``
   for a range of blocks, then the ledger's log decoder) and writes into a migrated database.
3. Over JSON-RPC: the same chain served by a node in a process of its own
   (``json_rpc_node``), read through ``Web3Chain`` on web3.py's HTTP provider, as an indexer
   reads a real node: ``eth_getLogs`` for each range, ``eth_getBlockByNumber`` for the hashes.

Each prints where the time went, stage by stage: seconds, CPU µs a event of the thread that ran
the stage (reading and decoding run on the indexer's reader thread beside the writing), and the
CPU of the PostgreSQL backends (and of the node) meanwhile.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from attrs import define
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, text

from benchmarks.chain_activity import Activity
from benchmarks.indexer import scratch_database
from benchmarks.indexer_stages import BackendClock, Stages, TimedUnitOfWork, WriteStages
from benchmarks.json_rpc_node import write_chain
from dcmx_adapters.clock import ManualClock
from dcmx_adapters.evm.chain import Chain, Log, Web3Chain
from dcmx_adapters.evm.ledger import EvmLedger
from dcmx_adapters.evm.translate import EventDecoder
from dcmx_adapters.sql.database import create_engine_for, upgrade
from dcmx_core.model.platform import Deployment
from dcmx_core.ports import Block, EventBatch
from dcmx_core.services.indexer import Indexer, IndexerSettings, _Batch

CHAIN = "backfill"
PORT = 19_000

READ = "read logs (a range of blocks)"
DECODE = "decode logs into domain events"
HEADERS = "block headers (the reorg window's hashes)"
WRITER_HEADERS = "writer thread: head, checkpoint and read-ahead checks"
READER = "reader thread: read, check"
REST_OF_READER = "  once-each check (the rest)"
WRITE = "writer thread: write a batch"
COPY = "  raw events: encode and COPY"
PROJECT = "  projections, figures (set-wise)"
COMMIT = "  commit"
REST_OF_WRITE = "  checkpoint, block hashes (the rest)"
STATISTICS = "writer thread: ANALYZE once caught up"


class TimedChain:
    """A chain whose log reads and block headers are timed (everything else passes through)."""

    def __init__(self, chain: Chain, stages: Stages) -> None:
        self._chain, self._stages = chain, stages

    def logs(self, from_block: int, to_block: int) -> list[Log]:
        with self._stages.timing(READ):
            return self._chain.logs(from_block, to_block)

    def head(self) -> Block:
        with self._stages.timing(self._headers()):
            return self._chain.head()

    def block(self, number: int) -> Block:
        with self._stages.timing(self._headers()):
            return self._chain.block(number)

    @staticmethod
    def _headers() -> str:
        return WRITER_HEADERS if threading.current_thread() is threading.main_thread() else HEADERS

    def __getattr__(self, name: str) -> Any:
        return getattr(self._chain, name)


class TimedLedger(EvmLedger):
    """The EVM ledger as the indexer reads it; decoding is a read less its log reads."""

    stages: Stages

    def read(self, from_block: int, to_block: int) -> EventBatch:
        with self.stages.timing(DECODE):
            return super().read(from_block, to_block)


class TimedIndexer(Indexer):
    stages: Stages

    def _read(self, first: int, last: int) -> _Batch:
        with self.stages.timing(READER):
            return super()._read(first, last)

    def _write(self, batch: _Batch) -> int:
        with self.stages.timing(WRITE, database=True):
            return super()._write(batch)


NAMES = WriteStages(COPY, PROJECT, COMMIT, STATISTICS)


@define
class Backfill:
    """What one catch-up measured."""

    events: int
    seconds: float
    process_cpu: float
    stages: Stages
    load: float
    node_cpu: float | None = None


def backfill(
    url: str,
    chain: Chain,
    deployment: Deployment,
    settings: IndexerSettings,
    node_pid: int | None = None,
) -> Backfill:
    """Index ``chain`` from block 0 into the database at ``url``, timing every stage."""
    upgrade(url)
    engine = create_engine_for(url)
    stages = Stages()
    stages.clock = BackendClock(engine)
    ledger = TimedLedger(
        TimedChain(chain, stages),
        deployment,
        admin=deployment.token,
        clock=ManualClock(0),
    )
    ledger.stages = stages
    indexer = TimedIndexer(ledger, TimedUnitOfWork(engine, stages, NAMES), settings)
    indexer.stages = stages
    load = os.getloadavg()[0]
    node_began = _process_cpu(node_pid) if node_pid else 0.0
    began, cpu = time.perf_counter(), time.process_time()
    written = indexer.catch_up()
    seconds = time.perf_counter() - began
    process_cpu = time.process_time() - cpu
    node_cpu = _process_cpu(node_pid) - node_began if node_pid else None
    stages.database["CPU: its PostgreSQL backends"] = stages.clock.seconds()
    _check(engine, written)
    engine.dispose()
    return Backfill(written, seconds, process_cpu, stages, load, node_cpu)


def _check(engine: Engine, written: int) -> None:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT count(*) FROM events")).scalar_one()
        quarantined = connection.execute(text("SELECT count(*) FROM quarantine")).scalar_one()
    if rows != written or quarantined:
        raise RuntimeError(f"{rows} events stored, {written} written, {quarantined} quarantined")


def _process_cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def json_rpc_node(chain: Chain, port: int) -> Iterator[tuple[str, int]]:
    """``chain`` served over JSON-RPC by a node process of its own: its URL and process id."""
    with tempfile.TemporaryDirectory(prefix="dcmx-backfill-") as directory:
        path = Path(directory) / "chain.json"
        write_chain(chain, path)
        command = [sys.executable, "-m", "benchmarks.json_rpc_node", str(path), str(port)]
        node = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        try:
            assert node.stdout is not None
            node.stdout.readline()  # it says when it serves
            url = f"http://127.0.0.1:{port}"
            _wait_for(url)
            yield url, node.pid
        finally:
            node.terminate()
            node.wait(timeout=10)


def _wait_for(url: str) -> None:
    request = urllib.request.Request(
        url,
        data=b'{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}',
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        answer.read()


def over_json_rpc(url: str) -> Chain:
    from web3 import HTTPProvider, Web3

    return Web3Chain(Web3(HTTPProvider(url, request_kwargs={"timeout": 60})))


def decode_alone(logs: list[Log], deployment: Deployment) -> float:
    """CPU seconds the decoder takes for ``logs`` alone, on one thread."""
    decoder = EventDecoder(deployment)
    began = time.thread_time()
    decoder.decode(logs)
    return time.thread_time() - began


def stage_table(title: str, run: Backfill) -> Table:
    stages, events = run.stages, run.events
    seconds, cpu, database = stages.seconds, stages.cpu, stages.database
    # The ledger's read holds the log read: decoding is what is left of it.
    for measure in (seconds, cpu):
        measure[DECODE] -= measure[READ]
        measure[REST_OF_READER] = measure[READER] - measure[READ] - measure[DECODE]
        measure[REST_OF_READER] -= measure[HEADERS]
        measure[REST_OF_WRITE] = measure[WRITE] - measure[COPY] - measure[PROJECT]
        measure[REST_OF_WRITE] -= measure[COMMIT]
    database[REST_OF_WRITE] = database[WRITE] - database[COPY] - database[PROJECT]
    database[REST_OF_WRITE] -= database[COMMIT]
    table = Table(
        title=f"{title}: {events:,} events in {run.seconds:.1f} s = {events / run.seconds:,.0f} "
        f"events/s (load average {run.load:.1f} on {os.cpu_count()} cores)"
    )
    for column in ("stage", "seconds", "of wall", "CPU µs/event", "PostgreSQL CPU µs/event"):
        table.add_column(column, justify="left" if column == "stage" else "right")
    order = [
        READER,
        f"  {READ}",
        f"  {DECODE}",
        f"  {HEADERS}",
        REST_OF_READER,
        WRITER_HEADERS,
        WRITE,
        COPY,
        PROJECT,
        COMMIT,
        REST_OF_WRITE,
        STATISTICS,
    ]
    for shown in order:
        name = shown.strip() if shown.strip() in (READ, DECODE, HEADERS) else shown
        table.add_row(
            shown,
            f"{seconds[name]:.2f}",
            f"{seconds[name] / run.seconds:.0%}",
            f"{cpu[name] / events * 1e6:.1f}",
            f"{database[name] / events * 1e6:.1f}" if name in database else "",
        )
    table.add_row("CPU: the indexer's process", "", "", f"{run.process_cpu / events * 1e6:.1f}", "")
    table.add_row(
        "CPU: its PostgreSQL backends",
        "",
        "",
        "",
        f"{database['CPU: its PostgreSQL backends'] / events * 1e6:.1f}",
    )
    if run.node_cpu is not None:
        table.add_row("CPU: the JSON-RPC node", "", "", f"{run.node_cpu / events * 1e6:.1f}", "")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--batch-blocks", type=int, default=2_000)
    parser.add_argument(
        "--catch-up-events",
        type=int,
        default=IndexerSettings(CHAIN).catch_up_events,
        help="events a batch grows toward while far behind the head (0: no growth)",
    )
    parser.add_argument("--port", type=int, default=PORT, help="the JSON-RPC node's port")
    parser.add_argument("--no-json-rpc", action="store_true", help="in process only")
    options = parser.parse_args()
    console = Console(width=120)

    began = time.perf_counter()
    activity = Activity.on_revm(options.accounts)
    activity.run_until(options.events)
    chain, deployment = activity.ledger.chain, activity.ledger.deployment
    head = chain.head().number
    console.print(
        f"the contracts emitted {activity.events:,} events in {activity.transactions:,} "
        f"transactions, {head + 1:,} blocks ({time.perf_counter() - began:.1f} s on revm, "
        "not timed below)"
    )
    logs = chain.logs(0, head)
    alone = decode_alone(logs, deployment)
    console.print(
        f"decoding the {len(logs):,} logs alone, on one thread: {alone / len(logs) * 1e6:.1f} "
        f"CPU µs a log ({len(logs) / alone:,.0f} logs/s)"
    )
    del logs

    settings = IndexerSettings(CHAIN, options.batch_blocks, catch_up_events=options.catch_up_events)
    with scratch_database(f"backfill_bench_in_process_{os.getpid()}") as url:
        run = backfill(url, chain, deployment, settings)
    console.print(stage_table("Backfill in process (EvmLedger on RevmChain)", run))
    if options.no_json_rpc:
        return
    with (
        json_rpc_node(chain, options.port) as (node_url, pid),
        scratch_database(f"backfill_bench_json_rpc_{os.getpid()}") as url,
    ):
        run = backfill(url, over_json_rpc(node_url), deployment, settings, pid)
    console.print(stage_table("Backfill over JSON-RPC (EvmLedger on Web3Chain, HTTP)", run))


if __name__ == "__main__":
    main()
