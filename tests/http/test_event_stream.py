"""``/v1/events/stream`` pushes the indexed events as the indexer commits them, heard through
PostgreSQL's LISTEN/NOTIFY (or, on SQLite, the process's own commits): each event once, in chain
order, after the client's Last-Event-ID; filtered as asked; a reorganization's orphaned events
withdrawn with a retraction; a client too slow cut off with the id to resume from."""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import AsyncGenerator, Callable
from pathlib import Path
from typing import Any

import attrs
import httpx
from fastapi import FastAPI
from sqlalchemy import Engine

from benchmarks.event_stream import StreamLedger
from dcmx_adapters.sql.database import create_engine_for, upgrade
from dcmx_adapters.sql.index_notices import LOOK_AGAIN
from dcmx_adapters.sql.notice_listeners import InProcessNotices, PostgresNotices
from dcmx_adapters.sql.unit_of_work import SqlUnitOfWork
from dcmx_core.events import DomainEvent, EditionSold, TokensTransferred
from dcmx_core.live import EventFilter, IndexNotice, IndexNotices
from dcmx_core.model.nft import release_of
from dcmx_core.services.indexer import Indexer, IndexerSettings
from dcmx_entrypoints.http import create_app
from dcmx_entrypoints.http.event_stream import event_frame, retraction_frame
from dcmx_entrypoints.http.live_feed import LiveFeed
from dcmx_entrypoints.http.live_follower import Follower
from dcmx_entrypoints.http.paging import encode_cursor
from dcmx_entrypoints.http.schemas import AddressText, Render
from tests.conftest import empty_tables
from tests.http.conftest import CRYPTO
from tests.http.sse import GrowingLedger, Held, ids_of, messages, prepared_blocks, served
from tests.reliability.run_indexer import ReorganizingLedger, WatchedUnitOfWork, scheduled_forks

_chains = itertools.count()
RENDER = Render(AddressText(CRYPTO.keccak256))


def chain_name() -> str:
    return f"stream-{time.monotonic_ns()}-{next(_chains)}"


def stream_app(
    engine: Engine, chain: str, ledger: StreamLedger, notices: IndexNotices, **options: Any
) -> FastAPI:
    return create_app(
        unit_of_work=lambda: SqlUnitOfWork(engine),
        chain=chain,
        ledger=ledger,
        keccak=CRYPTO.keccak256,
        notices=notices,
        **options,
    )


def read_until(response: httpx.Response, held: Held, done: Callable[[Held], bool]) -> Held:
    for message in messages(response):
        held.take(message)
        if done(held):
            break
    return held


def index_in_steps(ledger: GrowingLedger, indexer: Indexer, step: int = 2) -> threading.Thread:
    """Show the ledger's blocks ``step`` at a time, indexing each step, on a thread."""

    def run() -> None:
        for count in range(2, len(ledger.all) + step, step):
            ledger.show(min(count, len(ledger.all)))
            indexer.catch_up()
            time.sleep(0.01)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_stream_pushes_each_indexed_event_once_in_chain_order(
    postgresql_engine: Engine, postgresql_url: str
) -> None:
    blocks, chain = prepared_blocks(400), chain_name()
    ledger = GrowingLedger(blocks)
    indexer = Indexer(ledger, SqlUnitOfWork(postgresql_engine), IndexerSettings(chain, 3))
    indexer.catch_up()  # block 0, before the client connects: not on its stream
    app = stream_app(postgresql_engine, chain, ledger, PostgresNotices(postgresql_url))
    expected = ids_of(blocks[1:])
    with served(app) as base, httpx.Client(base_url=base, timeout=20) as client:
        with client.stream("GET", "/v1/events/stream") as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            indexing = index_in_steps(ledger, indexer)
            held = read_until(response, Held(), lambda h: len(h.ids) >= len(expected))
        indexing.join()
        listed = client.get(f"/v1/events?limit=100&after={_cursor(blocks[1])}").json()["items"]
    assert held.ids == expected
    first = held.read[0].json
    assert first == {k: listed[0][k] for k in first}  # the event as /v1/events shows it


def _cursor(block: Any) -> str:
    number = block[0].number - 1
    return encode_cursor("events", (number, 2**62))


def test_stream_filters_by_kind_account_and_release(
    postgresql_engine: Engine, postgresql_url: str
) -> None:
    blocks, chain = prepared_blocks(300), chain_name()
    ledger = GrowingLedger(blocks, shown=len(blocks))
    Indexer(ledger, SqlUnitOfWork(postgresql_engine), IndexerSettings(chain, 50)).catch_up()
    app = stream_app(postgresql_engine, chain, ledger, PostgresNotices(postgresql_url))
    events = [e for _, placed in blocks for e in placed]
    someone = next(e.recipient for e in events if isinstance(e, TokensTransferred))
    release = next(e.release_id for e in events if isinstance(e, EditionSold))
    asked: dict[str, Callable[[DomainEvent], bool]] = {
        "kind=EditionSold": lambda e: isinstance(e, EditionSold),
        f"account={someone.to_hex()}": lambda e: someone in _addresses(e),
        f"release={release}": lambda e: release in _releases(e),
    }
    with served(app) as base, httpx.Client(base_url=base, timeout=20) as client:
        for query, wanted in asked.items():
            chosen = [i for i, e in zip(ids_of(blocks), events, strict=True) if wanted(e)]
            expected = [i for i in chosen if not i.startswith("0-")]  # after block 0
            assert expected, query
            with client.stream(
                "GET", f"/v1/events/stream?{query}", headers={"Last-Event-ID": "0"}
            ) as response:
                held = read_until(response, Held(), lambda h, n=expected[-1]: h.ids[-1:] == [n])
            assert held.ids == expected, query


def _addresses(event: DomainEvent) -> list[object]:
    found: list[object] = []
    for a in attrs.fields(type(event)):
        value = getattr(event, a.name)
        found += list(value) if isinstance(value, tuple) else [value]
    return found


def _releases(event: DomainEvent) -> set[int]:
    release, token = getattr(event, "release_id", None), getattr(event, "token_id", None)
    return {r for r in (release, None if token is None else release_of(token)) if r is not None}


def test_a_client_that_reconnects_with_its_last_event_id_misses_nothing_and_gets_nothing_twice(
    postgresql_engine: Engine, postgresql_url: str
) -> None:
    blocks, chain = prepared_blocks(600), chain_name()
    ledger = GrowingLedger(blocks)
    indexer = Indexer(ledger, SqlUnitOfWork(postgresql_engine), IndexerSettings(chain, 3))
    indexer.catch_up()
    app = stream_app(postgresql_engine, chain, ledger, PostgresNotices(postgresql_url))
    expected = ids_of(blocks[1:])
    held = Held()
    with served(app) as base, httpx.Client(base_url=base, timeout=20) as client:
        with client.stream("GET", "/v1/events/stream") as response:
            indexing = index_in_steps(ledger, indexer)
            read_until(response, held, lambda h: len(h.ids) >= 100)
        time.sleep(0.2)  # away while the indexer goes on
        for _ in range(3):
            last = {"Last-Event-ID": held.ids[-1]}
            with client.stream("GET", "/v1/events/stream", headers=last) as response:
                target = min(len(held.ids) + 150, len(expected))
                read_until(response, held, lambda h, t=target: len(h.ids) >= t)
        with client.stream(
            "GET", "/v1/events/stream", headers={"Last-Event-ID": held.ids[-1]}
        ) as response:
            read_until(response, held, lambda h: len(h.ids) >= len(expected))
        indexing.join()
    assert held.ids == expected


def test_a_reorganization_retracts_the_orphaned_events_it_had_pushed(
    postgresql_engine: Engine, postgresql_url: str
) -> None:
    blocks = prepared_blocks(400, per_block=10)
    ledger = ReorganizingLedger(blocks, scheduled_forks(blocks, 1, seed=3), pause=0.05)
    # WatchedUnitOfWork's chain is "crash": the test's own, emptied before and after.
    empty_tables(postgresql_engine)
    uow = WatchedUnitOfWork(postgresql_engine, ledger)
    indexer = Indexer(ledger, uow, IndexerSettings("crash", batch_blocks=1))
    app = stream_app(postgresql_engine, "crash", ledger, PostgresNotices(postgresql_url))
    expected = ids_of(blocks)
    with served(app) as base, httpx.Client(base_url=base, timeout=20) as client:
        with client.stream("GET", "/v1/events/stream") as response:
            indexing = threading.Thread(target=indexer.catch_up, daemon=True)
            indexing.start()
            held = read_until(response, Held(), lambda h: h.ids[-1:] == expected[-1:])
        indexing.join()
    empty_tables(postgresql_engine)
    assert indexer.status.reorgs == 1
    assert held.ids == expected
    (retracted,) = held.retractions
    gone = retracted.json
    assert gone["positions"], "the client had been sent events of the orphaned blocks"
    assert all(int(p.split("-")[0]) >= gone["from_block"] for p in gone["positions"])


def test_a_client_too_slow_is_cut_off_with_where_to_resume(
    postgresql_engine: Engine, postgresql_url: str
) -> None:
    blocks, chain = prepared_blocks(400), chain_name()
    ledger = GrowingLedger(blocks)
    indexer = Indexer(ledger, SqlUnitOfWork(postgresql_engine), IndexerSettings(chain, 2))
    indexer.catch_up()
    app = stream_app(
        postgresql_engine, chain, ledger, PostgresNotices(postgresql_url), stream_buffer=20
    )
    expected = ids_of(blocks[1:])

    async def run() -> tuple[str, LiveFeed]:
        feed: LiveFeed = app.state.live_feed
        async with app.router.lifespan_context(app):
            reading = asyncio.Event()
            client = asyncio.create_task(_slow_client(app, reading))
            while not feed.followers:
                await asyncio.sleep(0.01)
            (follower,) = feed.followers
            longest = 0
            for count in range(3, len(blocks) + 1, 2):
                ledger.show(count)
                await asyncio.to_thread(indexer.catch_up)
                await asyncio.sleep(0.005)
                longest = max(longest, follower.held)
            assert longest <= 20, "the buffer never holds more than its size"
            assert feed.cuts == 1
            assert not feed.followers
            reading.set()
            return await asyncio.wait_for(client, 10), feed

    text, _feed = asyncio.run(run())
    frames = [f for f in text.split("\n\n") if f and not f.startswith(":")]
    sent = [f.split("\n")[0].removeprefix("id: ") for f in frames[:-1]]
    assert frames[-1].startswith("event: cut\ndata: ")
    resume = frames[-1].removeprefix("event: cut\ndata: ")
    assert sent == expected[: len(sent)]
    assert resume == (sent[-1] if sent else "0")
    with served(app) as base, httpx.Client(base_url=base, timeout=20) as client:
        headers = {"Last-Event-ID": resume}
        with client.stream("GET", "/v1/events/stream", headers=headers) as response:
            held = read_until(response, Held(ids=list(sent)), lambda h: len(h.ids) >= len(expected))
    assert held.ids == expected


async def _slow_client(app: FastAPI, reading: asyncio.Event) -> str:
    """A client of the stream that reads its first bytes, then nothing until ``reading`` is
    set: the server's writes to it wait as they would on a full socket."""
    body: list[bytes] = []
    gone, asked = asyncio.Event(), []

    async def receive() -> dict[str, Any]:
        if not asked:
            asked.append(True)
            return {"type": "http.request", "body": b"", "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            body.append(message.get("body", b""))
            if len(body) > 1:
                await reading.wait()
            if not message.get("more_body", False):
                gone.set()

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/v1/events/stream",
        "raw_path": b"/v1/events/stream",
        "query_string": b"",
        "headers": [(b"host", b"test")],
        "client": ("127.0.0.1", 1),
        "server": ("test", 80),
        "root_path": "",
    }
    await app(scope, receive, send)
    return b"".join(body).decode()


def followed_on_sqlite(tmp_path: Path, chain: str) -> tuple[list[str], list[str], LiveFeed]:
    """Index 200 prepared blocks into SQLite while a client follows the stream of a real server
    over them: the ids the client got, the ids of the blocks indexed meanwhile, and the feed."""
    url = f"sqlite:///{tmp_path / 'read_models.db'}"
    upgrade(url)
    engine = create_engine_for(url)
    try:
        blocks = prepared_blocks(200)
        ledger = GrowingLedger(blocks)
        indexer = Indexer(ledger, SqlUnitOfWork(engine), IndexerSettings(chain, 3))
        indexer.catch_up()
        app = stream_app(engine, chain, ledger, InProcessNotices(engine))
        expected = ids_of(blocks[1:])
        with served(app) as base, httpx.Client(base_url=base, timeout=20) as client:
            with client.stream("GET", "/v1/events/stream") as response:
                indexing = index_in_steps(ledger, indexer)
                held = read_until(response, Held(), lambda h: len(h.ids) >= len(expected))
            indexing.join()
        return held.ids, expected, app.state.live_feed
    finally:
        engine.dispose()


def test_on_sqlite_the_process_hears_its_own_commits(tmp_path: Path) -> None:
    got, expected, _feed = followed_on_sqlite(tmp_path, "sqlite-stream")
    assert got == expected


def test_a_last_event_id_that_is_not_one_is_refused(
    postgresql_engine: Engine, postgresql_url: str
) -> None:
    ledger = GrowingLedger(prepared_blocks(10))
    app = stream_app(postgresql_engine, chain_name(), ledger, PostgresNotices(postgresql_url))
    with served(app) as base, httpx.Client(base_url=base, timeout=20) as client:
        answer = client.get("/v1/events/stream", headers={"Last-Event-ID": "yesterday"})
    assert answer.status_code == 422
    assert "Last-Event-ID: not an event id of this stream" in answer.json()["detail"]


class QueuedNotices:
    """Notices a test sends by hand (one listener), to drop some on purpose."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[IndexNotice] = asyncio.Queue()

    async def notices(self) -> AsyncGenerator[IndexNotice, None]:
        while True:
            yield await self.queue.get()


def test_a_rollback_whose_notice_was_missed_is_retracted_once_the_listener_is_back(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'read_models.db'}"
    upgrade(url)
    engine = create_engine_for(url)
    blocks, chain = prepared_blocks(200, per_block=10), "missed"
    ledger = GrowingLedger(blocks, shown=10)
    notices = QueuedNotices()
    feed = LiveFeed(
        notices, lambda: SqlUnitOfWork(engine), chain, event_frame(RENDER), retraction_frame
    )

    async def run() -> list[bytes]:
        feed.start()
        await notices.queue.put(LOOK_AGAIN)  # the listener connects: the index is empty
        await feed.ready.wait()
        follower = Follower(EventFilter(), feed.cursor, buffer=1_000)
        async for _ in feed.catch_up(follower):
            pass
        await asyncio.to_thread(
            Indexer(ledger, SqlUnitOfWork(engine), IndexerSettings(chain)).catch_up
        )
        await notices.queue.put(IndexNotice(chain, 9))
        while follower.held < len(ids_of(blocks[:10])):
            await asyncio.sleep(0.01)
        with SqlUnitOfWork(engine) as uow:  # a rollback from block 7, its notice lost
            uow.events.remove_from(chain, 7)
            uow.commit()
        await notices.queue.put(LOOK_AGAIN)  # the listener is back
        while not follower.parcels or follower.parcels[-1].positions:
            await asyncio.sleep(0.01)
        frames = [parcel.data for parcel in follower.take()]
        await feed.stop()
        return frames

    try:
        frames = asyncio.run(run())
    finally:
        engine.dispose()
    retracted = frames[-1].decode()
    assert retracted.startswith("event: retracted\ndata: ")
    document = json.loads(retracted.split("data: ", 1)[1])
    assert document["from_block"] == 7
    assert document["positions"] == [i for i in ids_of(blocks[:10]) if int(i.split("-")[0]) >= 7]
