"""A follower whose connection keeps up is written its parcel by the fan-out itself; one whose
connection is full, or whose stream is busy or has parcels waiting, has it queued in order; a
client that stops reading is still cut off with where to resume."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import httpx
from attrs import define, field

from dcmx_adapters.sql.database import create_engine_for, upgrade
from dcmx_adapters.sql.notice_listeners import InProcessNotices
from dcmx_adapters.sql.unit_of_work import SqlUnitOfWork
from dcmx_core.live import EventFilter
from dcmx_core.services.indexer import Indexer, IndexerSettings
from dcmx_entrypoints.http.live_feed import LiveFeed
from dcmx_entrypoints.http.live_follower import Fanout, Follower, Parcel, moment
from tests.http.sse import GrowingLedger, Held, ids_of, prepared_blocks, served
from tests.http.test_event_stream import (
    followed_on_sqlite,
    index_in_steps,
    read_until,
    stream_app,
)


@define
class FakeOutlet:
    keeping_up: bool = True
    written: list[bytes] = field(factory=list)

    def free(self) -> bool:
        return self.keeping_up

    def write(self, data: bytes) -> None:
        self.written.append(data)


def idle_follower(outlet: FakeOutlet) -> Follower:
    follower = Follower(EventFilter(), (0, 0), buffer=100, outlet=outlet)
    follower.idle = True
    return follower


def parcel(block: int, fanout: Fanout | None = None) -> Parcel:
    return Parcel(f"frames of {block}".encode(), ((block, 0), (block, 1)), fanout)


def test_an_idle_follower_whose_connection_keeps_up_is_written_its_parcel_at_once() -> None:
    outlet = FakeOutlet()
    follower = idle_follower(outlet)
    fanout = Fanout(moment(), moment(), (1, 0), (1, 1), queued=moment(), unsent=1)
    assert follower.offer(parcel(1, fanout))
    assert outlet.written == [b"frames of 1"]
    assert not follower.parcels
    assert not follower.wake.is_set(), "its task is not woken for a parcel already written"
    assert follower.resume == (1, 1)
    assert fanout.at_once == 1
    assert fanout.written is not None


def test_a_follower_whose_connection_is_full_has_its_parcel_queued() -> None:
    outlet = FakeOutlet(keeping_up=False)
    follower = idle_follower(outlet)
    assert follower.offer(parcel(1))
    assert not outlet.written
    assert [p.data for p in follower.parcels] == [b"frames of 1"]
    assert follower.wake.is_set()
    assert follower.resume == (0, 0), "not sent yet"


def test_a_parcel_waits_behind_the_parcels_queued_before_it() -> None:
    outlet = FakeOutlet(keeping_up=False)
    follower = idle_follower(outlet)
    follower.offer(parcel(1))
    outlet.keeping_up = True
    follower.offer(parcel(2))
    assert not outlet.written
    assert [p.data for p in follower.parcels] == [b"frames of 1", b"frames of 2"]


def test_a_follower_whose_stream_is_writing_has_its_parcel_queued() -> None:
    outlet = FakeOutlet()
    follower = idle_follower(outlet)
    follower.idle = False
    follower.offer(parcel(1))
    assert not outlet.written
    assert len(follower.parcels) == 1


def test_a_stream_that_keeps_up_is_written_by_the_fanout_itself(tmp_path: Path) -> None:
    got, expected, feed = followed_on_sqlite(tmp_path, "outlet-stream")
    assert got == expected
    assert sum(fanout.at_once for fanout in feed.fanouts) > 0


def test_a_client_that_stops_reading_is_cut_off_with_where_to_resume(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'read_models.db'}"
    upgrade(url)
    engine = create_engine_for(url)
    try:
        blocks, chain = prepared_blocks(1_500, per_block=5), "outlet-cut"
        ledger = GrowingLedger(blocks)
        indexer = Indexer(ledger, SqlUnitOfWork(engine), IndexerSettings(chain, 3))
        indexer.catch_up()
        app = stream_app(engine, chain, ledger, InProcessNotices(engine), stream_buffer=20)
        feed: LiveFeed = app.state.live_feed
        expected = ids_of(blocks[1:])
        with served(app, send_buffer=4_096) as base:
            reader = _stalled_reader(base)
            index_in_steps(ledger, indexer).join()
            deadline = time.monotonic() + 10
            while feed.cuts == 0:
                assert time.monotonic() < deadline, "the client that stopped reading was not cut"
                time.sleep(0.01)
            assert all(f.held <= 20 for f in feed.followers)
            text = _body(reader)
            frames = [f for f in text.split("\n\n") if f and not f.startswith(":")]
            sent = [f.split("\n")[0].removeprefix("id: ") for f in frames[:-1]]
            assert frames[-1].startswith("event: cut\ndata: ")
            resume = frames[-1].removeprefix("event: cut\ndata: ")
            assert 0 < len(sent) < len(expected)
            assert sent == expected[: len(sent)]
            assert resume == sent[-1]
            with httpx.Client(base_url=base, timeout=20) as client:
                headers = {"Last-Event-ID": resume}
                with client.stream("GET", "/v1/events/stream", headers=headers) as response:
                    held = read_until(
                        response, Held(ids=list(sent)), lambda h: len(h.ids) >= len(expected)
                    )
        assert held.ids == expected
    finally:
        engine.dispose()


def _stalled_reader(base: str) -> socket.socket:
    """A connection that asks for the stream with a small receive buffer, reads its opening,
    then reads nothing until the test says."""
    host, port = base.removeprefix("http://").split(":")
    reader = socket.socket()
    reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4_096)
    reader.connect((host, int(port)))
    reader.sendall(f"GET /v1/events/stream HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    reader.settimeout(10)
    opening = b""
    while b": live\n\n" not in opening:
        opening += reader.recv(4_096)
    return reader


def _body(reader: socket.socket) -> str:
    """The rest of the response's chunked body, up to its last chunk."""
    raw = b""
    while not raw.endswith(b"0\r\n\r\n"):
        raw += reader.recv(65_536)
    reader.close()
    body, rest = b"", raw
    while rest:
        size_line, rest = rest.split(b"\r\n", 1)
        size = int(size_line, 16)
        if size == 0:
            break
        body, rest = body + rest[:size], rest[size + 2 :]
    return body.decode()
