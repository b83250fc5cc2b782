"""The live feed renders each event once and hands the same parcel to every follower that asked
for the same events; it records, for each fan-out, when its notice came, when the read was done,
when every follower had its parcel queued and when the last of them was written."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
from pathlib import Path

from prometheus_client import CollectorRegistry

from dcmx_adapters.sql.database import create_engine_for, upgrade
from dcmx_adapters.sql.index_notices import LOOK_AGAIN
from dcmx_adapters.sql.unit_of_work import SqlUnitOfWork
from dcmx_core.live import EventFilter, IndexNotice
from dcmx_core.services.indexer import Indexer, IndexerSettings
from dcmx_entrypoints.http.event_stream import event_frame, retraction_frame
from dcmx_entrypoints.http.live_feed import LiveFeed
from dcmx_entrypoints.http.live_follower import RECENT, Follower, Parcel
from dcmx_entrypoints.http.metrics import LiveFeedGauges
from tests.http.sse import GrowingLedger, ids_of, prepared_blocks
from tests.http.test_event_stream import RENDER

CHAIN = "fanout"


class QueuedNotices:
    def __init__(self) -> None:
        self.queue: asyncio.Queue[IndexNotice] = asyncio.Queue()

    async def notices(self) -> AsyncGenerator[IndexNotice, None]:
        while True:
            yield await self.queue.get()


Scenario = Callable[[LiveFeed, QueuedNotices, Callable[[int], Awaitable[None]]], Awaitable[None]]


def run_feed(tmp_path: Path, scenario: Scenario) -> None:
    """Run ``scenario`` against a feed over a SQLite index of 10 blocks of 10 events, of which
    the first is indexed; it indexes up to a block count with the third argument."""
    url = f"sqlite:///{tmp_path / 'read_models.db'}"
    upgrade(url)
    engine = create_engine_for(url)
    ledger = GrowingLedger(prepared_blocks(100, per_block=10))
    indexer = Indexer(ledger, SqlUnitOfWork(engine), IndexerSettings(CHAIN))
    indexer.catch_up()
    notices = QueuedNotices()
    feed = LiveFeed(
        notices, lambda: SqlUnitOfWork(engine), CHAIN, event_frame(RENDER), retraction_frame
    )

    async def index_to(count: int) -> None:
        ledger.show(count)
        await asyncio.to_thread(indexer.catch_up)
        await notices.queue.put(IndexNotice(CHAIN, count - 1))

    async def run() -> None:
        feed.start()
        await notices.queue.put(LOOK_AGAIN)
        await feed.ready.wait()
        try:
            await scenario(feed, notices, index_to)
        finally:
            await feed.stop()

    try:
        asyncio.run(run())
    finally:
        engine.dispose()


async def joined(feed: LiveFeed, asked: EventFilter) -> Follower:
    follower = Follower(asked, feed.cursor, buffer=1_000)
    async for parcels in feed.catch_up(follower):
        follower.sent(parcels)
    return follower


async def until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(10):
        while not condition():
            await asyncio.sleep(0.005)


def test_followers_that_ask_for_the_same_events_share_one_parcel(tmp_path: Path) -> None:
    async def scenario(
        feed: LiveFeed, _notices: QueuedNotices, index_to: Callable[[int], Awaitable[None]]
    ) -> None:
        everything = [await joined(feed, EventFilter()) for _ in range(3)]
        transfers = await joined(feed, EventFilter(kind="TokensTransferred"))
        await index_to(3)
        await until(lambda: all(f.parcels for f in everything))
        first, *others = [f.parcels[0] for f in everything]
        assert all(parcel is first for parcel in others)
        assert first.data.count(b"\nid: ") + first.data.startswith(b"id: ") == 20
        assert [f"{b}-{n}" for b, n in first.positions] == ids_of(
            GrowingLedger(prepared_blocks(100, per_block=10)).all[1:3]
        )
        for parcel in transfers.parcels:
            assert parcel is not first
            assert parcel.data.count(b'"kind":"TokensTransferred"') == len(parcel.positions)

    run_feed(tmp_path, scenario)


def test_a_fanout_is_written_once_its_last_follower_was_sent_its_parcel(tmp_path: Path) -> None:
    async def scenario(
        feed: LiveFeed, _notices: QueuedNotices, index_to: Callable[[int], Awaitable[None]]
    ) -> None:
        followers = [await joined(feed, EventFilter()) for _ in range(3)]
        await index_to(2)
        await until(lambda: bool(feed.fanouts))
        (fanout,) = feed.fanouts
        assert fanout.followers == 3
        assert fanout.noticed.wall <= fanout.read.wall
        assert fanout.queued is not None
        assert fanout.read.wall <= fanout.queued.wall
        for follower in followers:
            assert fanout.written is None, "a follower has not been sent its parcel yet"
            follower.sent(follower.take())
        assert fanout.written is not None
        assert fanout.queued.wall <= fanout.written.wall

    run_feed(tmp_path, scenario)


def test_a_follower_cut_off_does_not_hold_its_fanout_open(tmp_path: Path) -> None:
    async def scenario(
        feed: LiveFeed, _notices: QueuedNotices, index_to: Callable[[int], Awaitable[None]]
    ) -> None:
        kept = await joined(feed, EventFilter())
        slow = Follower(EventFilter(), feed.cursor, buffer=15)
        async for parcels in feed.catch_up(slow):
            slow.sent(parcels)
        await index_to(2)  # 10 events: they fit
        await until(lambda: bool(feed.fanouts))
        kept.sent(kept.take())
        await index_to(3)  # 10 more: they do not
        await until(lambda: len(feed.fanouts) == 2)
        assert slow.cut
        assert not slow.parcels
        assert slow.held == 0
        assert feed.cuts == 1
        kept.sent(kept.take())
        assert all(fanout.written is not None for fanout in feed.fanouts)

    run_feed(tmp_path, scenario)


def test_the_metrics_count_the_subscribers_and_those_cut_off(tmp_path: Path) -> None:
    async def scenario(
        feed: LiveFeed, _notices: QueuedNotices, index_to: Callable[[int], Awaitable[None]]
    ) -> None:
        registry = CollectorRegistry()
        registry.register(LiveFeedGauges(feed))

        def figures() -> tuple[float | None, float | None]:
            subscribers = registry.get_sample_value("dcmx_live_subscribers")
            return subscribers, registry.get_sample_value("dcmx_live_subscribers_cut_total")

        assert figures() == (0, 0)
        kept = await joined(feed, EventFilter())
        slow = Follower(EventFilter(), feed.cursor, buffer=15)
        async for parcels in feed.catch_up(slow):
            slow.sent(parcels)
        assert figures() == (2, 0)
        await index_to(3)  # 20 events: more than the slow one holds
        await until(lambda: slow.cut)
        assert figures() == (1, 1)
        kept.sent(kept.take())

    run_feed(tmp_path, scenario)


def test_a_withdrawal_names_the_positions_of_every_parcel_it_takes_back(tmp_path: Path) -> None:
    follower = Follower(EventFilter(), (0, 0), buffer=1_000)
    for block in range(1, 5):
        positions = tuple((block, n) for n in range(3))
        assert follower.offer(Parcel(b"frames", positions))
    follower.withdraw(3, retraction_frame)
    retraction = follower.parcels[-1]
    assert retraction.positions == ()
    assert b'"from_block":3' in retraction.data
    assert b'"positions":["3-0","3-1","3-2","4-0","4-1","4-2"]' in retraction.data
    assert follower.cursor == (2, 2**62)


def test_a_follower_remembers_only_the_last_positions_it_was_queued() -> None:
    follower = Follower(EventFilter(), (0, 0), buffer=10 * RECENT)
    for block in range(1, 2 * RECENT // 10 + 1):
        follower.offer(Parcel(b"frames", tuple((block, n) for n in range(10))))
        follower.sent(follower.take())
    assert RECENT <= follower.remembered < RECENT + 10
    assert follower.remembered == sum(len(batch) for batch in follower.recent)
    assert follower.recent[-1][-1] == (2 * RECENT // 10, 9)
