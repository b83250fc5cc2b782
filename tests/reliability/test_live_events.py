"""Two API processes over one PostgreSQL database, and an indexer process writing to it through a
reorganization: both event streams end with the same events, in the same order, each once,
the events the database ends with; the orphaned ones each stream pushed, it retracted."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from benchmarks.event_stream import event_stream
from tests.conftest import empty_tables
from tests.http.sse import Held, ids_of, messages

ROOT = Path(__file__).resolve().parents[2]
EVENTS, SEED, BATCH_BLOCKS, PAUSE, REORGS = 1_400, 7, 2, 0.02, 1


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.terminate()
    for process in started:
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def start(processes: list[subprocess.Popen[str]], module: str, *args: object) -> str:
    """Start ``module`` in a process of its own; return the first line it prints."""
    command = [sys.executable, "-m", module, *(str(a) for a in args)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    processes.append(process)
    assert process.stdout is not None
    return process.stdout.readline().strip()


def follow(base: str, held: Held, connected: threading.Event, last: str) -> None:
    with (
        httpx.Client(base_url=base, timeout=60) as client,
        client.stream("GET", "/v1/events/stream") as response,
    ):
        assert response.status_code == 200
        connected.set()
        for message in messages(response):
            held.take(message)
            if held.ids[-1:] == [last]:
                return


def test_two_api_processes_stream_the_same_events_in_the_same_order_through_a_reorg(
    postgresql_url: str, postgresql_engine: Engine, processes: list[subprocess.Popen[str]]
) -> None:
    empty_tables(postgresql_engine)
    expected = ids_of(list(event_stream(EVENTS, per_block=40, accounts=500, seed=SEED)))
    ports = [start(processes, "tests.reliability.run_stream_api", postgresql_url, "crash")]
    ports.append(start(processes, "tests.reliability.run_stream_api", postgresql_url, "crash"))
    streams = [Held(), Held()]
    readers = []
    for port, held in zip(ports, streams, strict=True):
        connected = threading.Event()
        base = f"http://127.0.0.1:{port.removeprefix('port ')}"
        reader = threading.Thread(target=follow, args=(base, held, connected, expected[-1]))
        reader.start()
        assert connected.wait(30), "the stream did not open"
        readers.append(reader)
    indexer = start(
        processes,
        "tests.reliability.run_indexer",
        postgresql_url,
        EVENTS,
        SEED,
        BATCH_BLOCKS,
        PAUSE,
        REORGS,
    )
    assert indexer == "ready"
    for reader in readers:
        reader.join(120)
        assert not reader.is_alive(), "a stream did not reach the last event"
    empty_tables(postgresql_engine)
    a, b = streams
    assert a.ids == b.ids == expected
    assert a.retractions, "the reorganization withdrew events the stream had pushed"
    assert b.retractions
