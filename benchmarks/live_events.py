"""How soon the event stream delivers what the indexer commits, to many subscribers at once.

Run with ``nox -s bench`` (or ``python -m benchmarks.live_events --subscribers N``). In a
scratch PostgreSQL database, the API serves ``/v1/events/stream`` from ``--workers`` processes;
``--clients`` processes open ``--subscribers`` streams to it (plain sockets under uvloop, whose
reads only note the time and count the ids, in C); then an indexer process indexes the prepared
event stream at ``--rate`` events a second (a block every 100 ms) for ``--seconds``, noting when
each block's batch committed. For every event each subscriber receives, the latency is the time
it arrived less the time its batch committed (one clock: one machine).

It prints, per run, the p50, p99 and worst latency, whether every subscriber got every event,
the CPU the API processes and the client processes used, the API's CPU per frame delivered
(which depends less on what else the machine runs than the latency does), how much of the time
the API's event loop was ready to run but waited for a CPU, and the load average;
then where the API's time went, from the live feed's record of each fan-out: the commit to the
notice arriving, reading and rendering the new events, queuing them for every subscriber, and
writing them to every subscriber's socket.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import uvicorn
import uvloop
from attrs import frozen
from fastapi import FastAPI
from rich.console import Console
from rich.table import Table

from benchmarks.event_stream import StreamLedger, event_stream
from benchmarks.indexer import percentiles, scratch_database
from dcmx_adapters.sql.database import upgrade
from dcmx_entrypoints.http.live_feed import LiveFeed

BLOCKS_A_SECOND = 10
WARM_UP_SECONDS = 1.0
_ID = re.compile(rb"id: (\d+)-")


def serve(url: str, chain: str, port: int, subscribers: int, workers: int, fanouts: Path) -> None:
    """The API over the database at ``url`` in ``workers`` processes, its stream fed by
    PostgreSQL's notices; each process writes its feed's fan-outs in ``fanouts`` as it stops."""
    from dcmx_adapters.crypto import EthCrypto
    from dcmx_adapters.sql.notice_listeners import PostgresNotices
    from dcmx_adapters.sql.unit_of_work import SqlUnitOfWork
    from dcmx_entrypoints.container import serving_engine
    from dcmx_entrypoints.http.app import create_app
    from dcmx_entrypoints.running import api_server, listening_socket, serve_in_processes
    from dcmx_entrypoints.running import serve as serve_on

    def build() -> uvicorn.Server:
        engine = serving_engine(url)
        app = create_app(
            unit_of_work=lambda: SqlUnitOfWork(engine),
            chain=chain,
            ledger=StreamLedger(list(event_stream(1))),
            keccak=EthCrypto().keccak256,
            notices=PostgresNotices(url),
            connections_max=subscribers + 100,
        )
        _writing_fanouts(app, fanouts)
        return api_server(app)

    if workers > 1:
        reserved = listening_socket("127.0.0.1", port, shared=True, listen=False)
        serve_in_processes(build, reserved, workers)
        return
    sock = listening_socket("127.0.0.1", port, listen=False)
    sock.listen(4096)
    serve_on(build(), sock)


def _writing_fanouts(app: FastAPI, folder: Path) -> None:
    """Have ``app`` write its live feed's fan-outs in ``folder`` once it has stopped."""
    lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def writing(running: FastAPI) -> AsyncIterator[None]:
        async with lifespan(running):
            yield
        feed: LiveFeed = running.state.live_feed
        rows = [
            [f.first[0], *(None if m is None else [m.wall, m.cpu] for m in moments)]
            for f in feed.fanouts
            if None not in (moments := (f.noticed, f.read, f.queued, f.written))
        ]
        (folder / f"{os.getpid()}.json").write_text(json.dumps(rows))

    app.router.lifespan_context = writing


def index(url: str, chain: str, rate: int, seconds: float) -> None:
    """Index a block of ``rate / 10`` events every 100 ms; print each batch's commit time."""
    from dcmx_adapters.sql.database import create_engine_for
    from dcmx_adapters.sql.unit_of_work import SqlUnitOfWork
    from dcmx_core.services.indexer import Indexer, IndexerSettings

    blocks = int(seconds * BLOCKS_A_SECOND) + 1
    prepared = list(event_stream(blocks * rate // BLOCKS_A_SECOND, per_block=rate // 10))
    committed: dict[int, float] = {}

    class TimedUnitOfWork(SqlUnitOfWork):
        def commit(self) -> None:
            checkpoint = self.checkpoints.get_checkpoint(chain)
            super().commit()
            if checkpoint is not None:
                committed[checkpoint.block_number] = time.time()

    ledger = StreamLedger(prepared[:1])
    engine = create_engine_for(url)
    indexer = Indexer(ledger, TimedUnitOfWork(engine), IndexerSettings(chain))
    began = time.monotonic()
    for shown in range(1, len(prepared) + 1):
        time.sleep(max(0.0, began + shown / BLOCKS_A_SECOND - time.monotonic()))
        ledger._blocks = prepared[:shown]
        indexer.catch_up()
    counts = {block.number: len(placed) for block, placed in prepared}
    print(json.dumps({"committed": committed, "events": counts}), flush=True)
    engine.dispose()


def _blocks_in(data: bytes, now: float) -> list[tuple[int, float, int]]:
    """The blocks whose events ``data`` holds, with how many of each. Most reads hold one
    block's events (one commit's): those are counted in one scan, never an id at a time."""
    first, last = data.find(b"id: "), data.rfind(b"id: ")
    if first < 0:
        return []
    if data[first : data.index(b"-", first)] == data[last : data.index(b"-", last)]:
        return [(int(data[first + 4 : data.index(b"-", first)]), now, data.count(b"id: "))]
    found = Counter(_ID.findall(data))
    return [(int(block), now, n) for block, n in found.items()]


class Subscriber(asyncio.Protocol):
    """One stream, read from a plain socket: when each event's id arrived (a read notes the
    time and counts the ids, in C)."""

    def __init__(self, opened: asyncio.Event) -> None:
        self.arrivals: list[tuple[int, float, int]] = []  # block, time, events of it
        self.cut = False
        self.opened = opened
        self.rest = b""
        self.transport: Any = None  # uvloop's, which is no asyncio.Transport

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        transport.write(b"GET /v1/events/stream HTTP/1.1\r\nHost: bench\r\n\r\n")

    def data_received(self, data: bytes) -> None:
        now = time.time()
        if not self.opened.is_set():
            assert b" 200 " in data.split(b"\r\n", 1)[0], data[:200]
            self.opened.set()
        data = self.rest + data
        cut = data.rfind(b"\n\n")
        data, self.rest = data[: cut + 2], data[cut + 2 :]
        if b"event: cut" in data:
            self.cut = True
        self.arrivals += _blocks_in(data, now)


async def subscribe(port: int, count: int) -> None:
    """Open ``count`` streams; say "open" once they are; on "stop" (on stdin), print when
    their events arrived."""
    loop = asyncio.get_running_loop()
    subscribers: list[Subscriber] = []
    for start in range(0, count, 50):  # not all at once: the listen queue stays short
        batch = [Subscriber(asyncio.Event()) for _ in range(min(50, count - start))]
        for subscriber in batch:
            await loop.create_connection(lambda s=subscriber: s, "127.0.0.1", port)  # type: ignore[misc]
        await asyncio.wait_for(asyncio.gather(*(s.opened.wait() for s in batch)), 60)
        subscribers += batch
    print("open", flush=True)
    await loop.run_in_executor(None, sys.stdin.readline)
    for subscriber in subscribers:
        assert subscriber.transport is not None
        subscriber.transport.close()
    found = [{"arrivals": s.arrivals, "cut": s.cut} for s in subscribers]
    print(json.dumps(found), flush=True)


@frozen
class Run:
    """What one run measured: latencies (seconds), CPU seconds, and the feed's fan-outs."""

    latencies: list[float]
    complete: int
    subscribers: int
    cut: int
    frames: int
    load: tuple[float, float, float]
    server_cpu: float
    server_system: float
    """Of ``server_cpu``, the time spent in the kernel (the sockets' writes, mostly)."""
    clients_cpu: float
    server_waiting: float
    """The share of the time each API process's event loop was ready to run and waited for a
    CPU (the mean of the processes')."""
    stages: dict[str, list[float]]


def one_run(url: str, chain: str, options: argparse.Namespace) -> Run:
    here = [sys.executable, "-m", "benchmarks.live_events"]
    fanouts = Path(tempfile.mkdtemp(prefix="live-events-"))
    server = subprocess.Popen(
        [*here, "--serve", url, "--chain", chain, "--subscribers", str(options.subscribers),
         "--port", str(options.port), "--workers", str(options.workers),
         "--fanouts", str(fanouts)],
    )  # fmt: skip
    clients: list[subprocess.Popen[str]] = []
    try:
        _until_up(options.port, server)
        for share in _shares(options.subscribers, options.clients):
            command = [*here, "--subscribe", str(share), "--port", str(options.port)]
            clients.append(
                subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            )
        for client in clients:
            assert client.stdout is not None
            assert client.stdout.readline().strip() == "open"
        server_cpu, server_system = _tree_cpu_seconds(server.pid)
        waited, began = _loops_waiting(server.pid), time.monotonic()
        clients_cpu = sum(sum(_cpu_seconds(c.pid)) for c in clients)
        indexer = subprocess.run(
            [*here, "--index", url, "--chain", chain, "--rate", str(options.rate),
             "--seconds", str(options.seconds)],
            stdout=subprocess.PIPE, text=True, check=True,
        )  # fmt: skip
        time.sleep(1.0)  # the last deliveries
        load = os.getloadavg()
        server_cpu, server_system = (
            now - then
            for now, then in zip(
                _tree_cpu_seconds(server.pid), (server_cpu, server_system), strict=True
            )
        )
        clients_cpu = sum(sum(_cpu_seconds(c.pid)) for c in clients) - clients_cpu
        loops = _loops_waiting(server.pid)
        server_waiting = sum(loops[p] - waited.get(p, 0.0) for p in loops) / len(loops)
        server_waiting /= time.monotonic() - began
        streams = []
        for client in clients:
            output, _ = client.communicate("stop\n", timeout=120)
            streams += json.loads(output)
    finally:
        for process in [*clients, server]:
            if process.poll() is None:
                process.terminate()
            process.wait(30)
    found = json.loads(indexer.stdout)
    committed = {int(k): v for k, v in found["committed"].items()}
    events = {int(k): v for k, v in found["events"].items()}
    first = min(committed.values()) + WARM_UP_SECONDS
    latencies: list[float] = []
    complete = frames = 0
    expected = sum(events.values())
    for stream in streams:
        got = 0
        for block, arrived, n in stream["arrivals"]:
            got += n
            if block in committed and committed[block] >= first:
                latencies += [arrived - committed[block]] * n
        complete += got == expected
        frames += got
    stages = _stages(fanouts, committed, first)
    return Run(
        latencies, complete, len(streams), sum(s["cut"] for s in streams), frames, load,
        server_cpu, server_system, clients_cpu, server_waiting, stages,
    )  # fmt: skip


STAGES = ("notice", "read", "queue", "write", "in all")


def _stages(folder: Path, committed: dict[int, float], since: float) -> dict[str, list[float]]:
    """How long each stage of each fan-out took (seconds), in every API process: the commit of
    its first block to its notice arriving, then reading (and rendering) the events, queuing a
    parcel for each subscriber, and writing the last of them; "in all" is the commit to that.
    Beside each stage of the API's, ``STAGE cpu``: the CPU time its thread spent meanwhile."""
    stages: dict[str, list[float]] = {}
    for path in folder.glob("*.json"):
        for block, *moments in json.loads(path.read_text()):
            commit = committed.get(block)
            if commit is None or commit < since:
                continue
            walls, cpus = [m[0] for m in moments], [m[1] for m in moments]
            stages.setdefault("notice", []).append(walls[0] - commit)
            for stage, n in (("read", 1), ("queue", 2), ("write", 3)):
                stages.setdefault(stage, []).append(walls[n] - walls[n - 1])
                stages.setdefault(f"{stage} cpu", []).append(cpus[n] - cpus[n - 1])
            stages.setdefault("in all", []).append(walls[3] - commit)
        path.unlink()
    folder.rmdir()
    return stages


def _shares(total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` nearly equal shares."""
    return [total // parts + (i < total % parts) for i in range(parts)]


def _cpu_seconds(pid: int) -> tuple[float, float]:
    """The CPU time the process ``pid`` has used so far: in user space, and in the kernel."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def _tree_cpu_seconds(pid: int) -> tuple[float, float]:
    """The CPU time the process ``pid`` and its children (the server's workers) have used (in
    all, and in the kernel)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    times = [_cpu_seconds(p) for p in [pid, *map(int, children)]]
    return sum(u + s for u, s in times), sum(s for _, s in times)


def _loops_waiting(pid: int) -> dict[int, float]:
    """For each API process (``pid``, or its workers when it has some), the seconds its main
    thread (the event loop) has spent ready to run, waiting for a CPU (the kernel's
    ``schedstat``)."""
    children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    waited = {}
    for process in children or [pid]:
        fields = Path(f"/proc/{process}/task/{process}/schedstat").read_text().split()
        waited[process] = int(fields[1]) / 1e9
    return waited


def _until_up(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "the API process ended"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            time.sleep(1.0)  # its listener is connected by now
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError("the API did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=1_000)
    parser.add_argument("--rate", type=int, default=200, help="events a second")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1, help="API processes")
    parser.add_argument("--clients", type=int, default=2, help="processes the streams are read in")
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--chain", default="bench-live")
    parser.add_argument("--database", default="dcmx_bench_live", help="the scratch database")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--fanouts", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--index", help=argparse.SUPPRESS)
    parser.add_argument("--subscribe", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve:
        serve(
            options.serve, options.chain, options.port, options.subscribers, options.workers,
            options.fanouts,
        )  # fmt: skip
        return
    if options.index:
        index(options.index, options.chain, options.rate, options.seconds)
        return
    if options.subscribe:
        uvloop.run(subscribe(options.port, options.subscribe))
        return
    with scratch_database(options.database) as url:
        upgrade(url)
        runs = [one_run(url, f"{options.chain}-{n}", options) for n in range(1, options.runs + 1)]
    console = Console(width=200)
    console.print(_latency_table(runs, options))
    console.print(_stage_table(runs))


def _latency_table(runs: list[Run], options: argparse.Namespace) -> Table:
    table = Table(
        title=f"Event stream: {options.subscribers:,} subscribers, {options.rate} events/s for "
        f"{options.seconds:.0f} s, API in {options.workers} process(es), streams read in "
        f"{options.clients}; commit to delivery. CPU: share of one core over the indexing time; "
        "µs/frame: API CPU time per event delivered to one subscriber; API waiting: the share of "
        "the time an API process's event loop was ready to run but waited for a CPU"
    )
    columns = (
        "run", "p50 ms", "p99 ms", "worst ms", "got all", "cut", "API CPU", "of it kernel",
        "µs/frame", "API waiting",
        "clients CPU", "load", "met",
    )  # fmt: skip
    for column in columns:
        table.add_column(column, justify="right")
    for number, run in enumerate(runs, 1):
        p50, p99 = percentiles(run.latencies)
        met = p99 < 0.100 and run.complete == run.subscribers
        table.add_row(
            str(number),
            f"{p50 * 1e3:.1f}",
            f"{p99 * 1e3:.1f}",
            f"{max(run.latencies) * 1e3:.1f}",
            f"{run.complete:,}/{run.subscribers:,}",
            str(run.cut),
            f"{run.server_cpu / options.seconds:.0%}",
            f"{run.server_system / max(run.server_cpu, 1e-9):.0%}",
            f"{run.server_cpu / max(run.frames, 1) * 1e6:.1f}",
            f"{run.server_waiting:.0%}",
            f"{run.clients_cpu / options.seconds:.0%}",
            " ".join(f"{x:.1f}" for x in run.load),
            f"p99 < 100 ms: {'yes' if met else 'NO'}",
        )
    return table


def _stage_table(runs: list[Run]) -> Table:
    table = Table(
        title="Where the API's time went, per fan-out (one read of new events handed to every "
        "subscriber of a process), p50 / p99 ms: notice = commit to the notice arriving, "
        "read = reading and rendering the events, queue = a parcel queued for each subscriber, "
        "write = until the last subscriber's socket was written; CPU: the CPU time of the API's "
        "event loop thread meanwhile, p50 ms (the read's query runs on a worker thread, not "
        "counted; the rendering is)"
    )
    table.add_column("run", justify="right")
    table.add_column("fan-outs", justify="right")
    for stage in STAGES:
        table.add_column(stage, justify="right")
    for stage in ("read", "queue", "write"):
        table.add_column(f"{stage} CPU", justify="right")
    for number, run in enumerate(runs, 1):
        cells = []
        for stage in STAGES:
            p50, p99 = percentiles(run.stages.get(stage, [0.0]))
            cells.append(f"{p50 * 1e3:.1f} / {p99 * 1e3:.1f}")
        for stage in ("read", "queue", "write"):
            cells.append(f"{statistics.median(run.stages.get(f'{stage} cpu', [0.0])) * 1e3:.1f}")
        table.add_row(str(number), str(len(run.stages.get("in all", []))), *cells)
    return table


if __name__ == "__main__":
    main()
