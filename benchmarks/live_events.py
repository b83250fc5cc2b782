"""How soon the event stream delivers what the indexer commits, to many subscribers at once.

Run with ``nox -s bench`` (or ``python -m benchmarks.live_events --subscribers N``). In a
scratch PostgreSQL database, one API process serves ``/v1/events/stream``; this process opens
``--subscribers`` streams to it (plain sockets, read as they come); then an indexer process
indexes the prepared event stream at ``--rate`` events a second (a block every 100 ms) for
``--seconds``, noting when each block's batch committed. For every event each subscriber
receives, the latency is the time it arrived less the time its batch committed (one clock: one
machine). It prints, per run, the p50, p99 and worst latency, whether every subscriber got every
event, and the machine's load average.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import uvloop
from rich.console import Console
from rich.table import Table

from benchmarks.event_stream import StreamLedger, event_stream
from benchmarks.indexer import percentiles, scratch_database
from dcmx_adapters.sql.database import upgrade

BLOCKS_A_SECOND = 10
WARM_UP_SECONDS = 1.0
_ID = re.compile(rb"\nid: (\d+)-|^id: (\d+)-", re.MULTILINE)


def serve(url: str, chain: str, port: int, subscribers: int) -> None:
    """The API over the database at ``url``, its stream fed by PostgreSQL's notices."""
    from dcmx_adapters.crypto import EthCrypto
    from dcmx_adapters.sql.notice_listeners import PostgresNotices
    from dcmx_adapters.sql.unit_of_work import SqlUnitOfWork
    from dcmx_entrypoints.container import serving_engine
    from dcmx_entrypoints.http.app import create_app
    from dcmx_entrypoints.running import api_server, listening_socket

    engine = serving_engine(url)
    app = create_app(
        unit_of_work=lambda: SqlUnitOfWork(engine),
        chain=chain,
        ledger=StreamLedger(list(event_stream(1))),
        keccak=EthCrypto().keccak256,
        notices=PostgresNotices(url),
        connections_max=subscribers + 100,
    )
    sock = listening_socket("127.0.0.1", port, shared=False, listen=False)
    sock.listen(4096)
    if os.environ.get("PROF"):
        import cProfile
        import threading

        prof = cProfile.Profile()

        def dump():
            time.sleep(float(os.environ["PROF"]))
            prof.disable()
            prof.dump_stats("/tmp/le/prof")

        threading.Thread(target=dump, daemon=True).start()
        prof.enable()
    api_server(app).run(sockets=[sock])


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
    """The blocks whose events ``data`` holds, with how many of each: most reads hold one
    block's (one commit's) events, counted without reading each id."""
    first, last = data.find(b"id: "), data.rfind(b"id: ")
    if first < 0:
        return []
    a = data[first + 4 : data.index(b"-", first)]
    b = data[last + 4 : data.index(b"-", last)]
    if a == b:
        return [(int(a), now, data.count(b"id: "))]
    found = Counter(int(x or y) for x, y in _ID.findall(data))
    return [(block, now, n) for block, n in found.items()]


class Subscriber(asyncio.Protocol):
    """One stream, read from a plain socket: when each event's id arrived."""

    def __init__(self, opened: asyncio.Event) -> None:
        self.arrivals: list[tuple[int, float, int]] = []  # block, time, events of it
        self.cut = False
        self.opened = opened
        self.rest = b""
        self.transport: Any = None

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
            await loop.create_connection(lambda s=subscriber: s, "127.0.0.1", port)
        await asyncio.wait_for(asyncio.gather(*(s.opened.wait() for s in batch)), 60)
        subscribers += batch
    print("open", flush=True)
    await loop.run_in_executor(None, sys.stdin.readline)
    for subscriber in subscribers:
        assert subscriber.transport is not None
        subscriber.transport.close()
    found = [{"arrivals": s.arrivals, "cut": s.cut} for s in subscribers]
    print(json.dumps(found), flush=True)


def one_run(url: str, chain: str, options: argparse.Namespace) -> dict[str, object]:
    here = [sys.executable, "-m", "benchmarks.live_events"]
    server = subprocess.Popen(
        [*here, "--serve", url, "--chain", chain, "--subscribers", str(options.subscribers)],
        env=os.environ.copy(),
    )
    clients: list[subprocess.Popen[str]] = []
    try:
        _until_up(options.port, server)
        each = options.subscribers // options.clients
        for _ in range(options.clients):
            command = [*here, "--subscribe", str(each), "--port", str(options.port)]
            clients.append(
                subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            )
        for client in clients:
            assert client.stdout is not None
            assert client.stdout.readline().strip() == "open"
        server_cpu = _cpu_seconds(server.pid)
        indexer = subprocess.run(
            [*here, "--index", url, "--chain", chain, "--rate", str(options.rate),
             "--seconds", str(options.seconds)],
            stdout=subprocess.PIPE, text=True, check=True,
        )  # fmt: skip
        time.sleep(1.0)  # the last deliveries
        load = os.getloadavg()
        server_cpu = _cpu_seconds(server.pid) - server_cpu
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
    complete = 0
    expected = sum(events.values())
    for stream in streams:
        got = 0
        for block, arrived, n in stream["arrivals"]:
            got += n
            if block in committed and committed[block] >= first:
                latencies += [arrived - committed[block]] * n
        complete += got == expected
    p50, p99 = percentiles(latencies)
    return {
        "p50": p50,
        "p99": p99,
        "worst": max(latencies),
        "complete": complete,
        "subscribers": len(streams),
        "cut": sum(s["cut"] for s in streams),
        "load": load,
        "server_cpu": server_cpu,
    }


def _cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) the process ``pid`` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
    parser.add_argument("--clients", type=int, default=2, help="processes the streams are read in")
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--chain", default="bench-live")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--index", help=argparse.SUPPRESS)
    parser.add_argument("--subscribe", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve:
        serve(options.serve, options.chain, options.port, options.subscribers)
        return
    if options.index:
        index(options.index, options.chain, options.rate, options.seconds)
        return
    if options.subscribe:
        uvloop.run(subscribe(options.port, options.subscribe))
        return
    console = Console()
    table = Table(
        title=f"Event stream: {options.subscribers:,} subscribers, {options.rate} events/s "
        f"for {options.seconds:.0f} s, commit to delivery (API CPU: the API process's CPU "
        "time over the indexing time)"
    )
    columns = ("run", "p50 ms", "p99 ms", "worst ms", "got all", "cut", "API CPU", "load", "met")
    for column in columns:
        table.add_column(column, justify="right")
    with scratch_database("dcmx_bench_live") as url:
        upgrade(url)
        for run in range(1, options.runs + 1):
            found = one_run(url, f"{options.chain}-{run}", options)
            p99 = float(found["p99"])  # type: ignore[arg-type]
            load = found["load"]
            met = p99 < 0.100 and found["complete"] == found["subscribers"]
            table.add_row(
                str(run),
                f"{float(found['p50']) * 1e3:.1f}",  # type: ignore[arg-type]
                f"{p99 * 1e3:.1f}",
                f"{float(found['worst']) * 1e3:.1f}",  # type: ignore[arg-type]
                f"{found['complete']:,}/{found['subscribers']:,}",
                str(found["cut"]),
                f"{float(found['server_cpu']) / options.seconds:.0%}",  # type: ignore[arg-type]
                " ".join(f"{x:.1f}" for x in load),  # type: ignore[attr-defined]
                f"p99 < 100 ms: {'yes' if met else 'NO'}",
            )
    console.print(table)


if __name__ == "__main__":
    main()
