"""The live feed of one API process: one listener for the indexer's notices, fanned out to every
follower of the event stream.

On each notice the feed reads the events after the last one it has, once for all followers, and
keeps the newest of them in a ring. A follower joins with the position of the last event it
holds: it reads what it missed from the read models itself, then takes the rest from the ring.
Order and exactly-once come from positions, never from the notices. A reorganization's notice
withdraws the orphaned events from the ring and tells each follower that holds any of them.

Each new read is rendered once and handed to the followers as parcels, one for each distinct
filter (``live_follower``), which every follower with that filter shares. A follower whose
connection keeps up is written its parcel there and then, in the fan-out's own pass; the others
have it queued in their bounded buffer, which their stream's task writes out.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing

from anyio import to_thread
from attrs import define, field

from dcmx_adapters.sql.database import refusal_reason
from dcmx_core.live import EventFilter, IndexNotice, IndexNotices
from dcmx_core.ports import UnitOfWork
from dcmx_core.read_models import StoredEvent
from dcmx_entrypoints.http.live_follower import (
    BLOCK_END,
    START,
    Delivery,
    Fanout,
    Follower,
    Moment,
    Parcel,
    Position,
    moment,
    parcel_of,
    position_of,
)

_log = logging.getLogger("dcmx.live")


@define(eq=False)
class LiveFeed:
    """Fans the notices of ``notices`` for ``chain`` out to the followers; reads the read models
    through ``unit_of_work()``; ``frame`` renders an event, ``retraction`` a withdrawal."""

    notices: IndexNotices
    unit_of_work: Callable[[], UnitOfWork]
    chain: str
    frame: Callable[[StoredEvent], bytes]
    retraction: Callable[[int, list[Position]], bytes]
    heartbeat: float = 15.0
    """Seconds between two heartbeats to every follower (one timer for all of them)."""
    ring_size: int = 10_000
    page: int = 1_000
    followers: set[Follower] = field(factory=set)
    ring: deque[Delivery] = field(factory=deque)
    cursor: Position = START
    floor: Position = START
    """The ring holds every event after ``floor`` up to ``cursor``."""
    ready: asyncio.Event = field(factory=asyncio.Event)
    cuts: int = 0
    fanouts: deque[Fanout] = field(factory=lambda: deque(maxlen=1_000))
    """The last fan-outs, for those who watch how fast the feed hands events out."""
    _tasks: list[asyncio.Task[None]] = field(factory=list)

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._run(), name="dcmx-live-feed"),
            loop.create_task(self._beat(), name="dcmx-live-feed-heartbeat"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for follower in list(self.followers):
            self._cut(follower)

    async def _run(self) -> None:
        said = ""
        # Closed here when the feed stops, whatever it was awaiting: the listener's connection
        # is closed on this loop, not left to the garbage collector.
        async with aclosing(self.notices.notices()) as notices:
            async for notice in notices:
                if notice.chain not in ("", self.chain):
                    continue
                try:
                    await self._take(notice, moment())
                except Exception as error:  # the next notice reads again from the same cursor
                    reason = refusal_reason(error)
                    if reason != said:  # once a reason, not once a notice
                        _log.warning("live_feed=read_failed reason=%r", reason)
                    said = reason
                else:
                    said = ""

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat)
            for follower in list(self.followers):
                follower.beat = True
                follower.wake.set()

    async def _take(self, notice: IndexNotice, noticed: Moment) -> None:
        if not self.ready.is_set():
            await self._begin()
        if notice.retracted:
            self._withdraw(notice.block_number)
        elif not notice.chain and self.ring:  # notices may have been missed: a rollback too?
            orphaned = await to_thread.run_sync(self._orphaned_from)
            if orphaned is not None:
                self._withdraw(orphaned)
        while await self._read_new(noticed) == self.page:
            pass

    async def _begin(self) -> None:
        """Start at the indexer's checkpoint: the feed carries what is indexed from now on."""

        def checkpoint() -> Position:
            with (uow := self.unit_of_work()):
                found = uow.checkpoints.get_checkpoint(self.chain)
            return START if found is None else (found.block_number, BLOCK_END)

        self.cursor = self.floor = await to_thread.run_sync(checkpoint)
        self.ready.set()

    async def _read_new(self, noticed: Moment) -> int:
        """Read a page of the events after the cursor and hand them out; return how many."""
        # On a worker thread: a database that stops answering holds the feed, not the loop that
        # serves every request. On a busy machine the read is slower there (it waits for the
        # interpreter lock behind the loop's writes), but on the loop the next notice would wait
        # behind it instead.
        fresh = await to_thread.run_sync(self._read_after, self.cursor)
        if not fresh:
            return 0
        deliveries = [Delivery(s, position_of(s), self.frame(s)) for s in fresh]
        first, last = deliveries[0].position, deliveries[-1].position
        fanout = Fanout(noticed, moment(), first, last)
        before = self.cursor
        self.ring.extend(deliveries)
        self.cursor = deliveries[-1].position
        while len(self.ring) > self.ring_size:
            self.floor = self.ring.popleft().position
        self._dispatch(deliveries, before, fanout)
        fanout.queued = moment()
        if fanout.unsent == 0:
            fanout.written = fanout.queued
        self.fanouts.append(fanout)
        return len(fresh)

    def _read_after(self, cursor: Position) -> list[StoredEvent]:
        with (uow := self.unit_of_work()):
            return uow.events.list(self.chain, after=cursor, limit=self.page)

    def _orphaned_from(self) -> int | None:
        """The first block whose events in the ring are no longer those stored (a rollback
        whose notice was missed), or None."""
        ring = list(self.ring)
        stored: list[StoredEvent] = []
        with (uow := self.unit_of_work()):
            while len(stored) < len(ring):
                after = position_of(stored[-1]) if stored else self.floor
                page = uow.events.list(self.chain, after=after, limit=self.page)
                if not page:
                    break
                stored += page
        for held, now in zip(ring, stored, strict=False):
            if held.stored.position != now.position:
                return min(held.position[0], now.position.block_number)
        return ring[len(stored)].position[0] if len(stored) < len(ring) else None

    def _dispatch(self, deliveries: list[Delivery], before: Position, fanout: Fanout) -> None:
        # One parcel a filter, not a follower: most followers ask for the same few things.
        parcels: dict[EventFilter, Parcel | None] = {}
        for follower in list(self.followers):
            if not follower.live:
                continue
            asked = follower.filter
            if asked in parcels:
                parcel = parcels[asked]
            else:
                parcel = parcels[asked] = parcel_of(
                    [d for d in deliveries if asked.matches(d.stored)], fanout
                )
            if follower.cursor > before:  # it read some of them itself as it joined
                chosen = [d for d in deliveries if d.position > follower.cursor]
                parcel = parcel_of([d for d in chosen if asked.matches(d.stored)], fanout)
            if parcel is not None:
                fanout.unsent += 1  # until it is written or dropped
                if follower.offer(parcel):
                    fanout.followers += 1
                else:
                    fanout.unsent -= 1
                    self._cut(follower)
            follower.cursor = max(follower.cursor, self.cursor)

    def _withdraw(self, from_block: int) -> None:
        while self.ring and self.ring[-1].position[0] >= from_block:
            self.ring.pop()
        self.cursor = min(self.cursor, (from_block - 1, BLOCK_END))
        self.floor = min(self.floor, self.cursor)
        for follower in list(self.followers):
            follower.withdraw(from_block, self.retraction)
            if follower.cut:
                self._cut(follower)

    def _cut(self, follower: Follower) -> None:
        follower.cut = True
        follower.drop()
        follower.wake.set()
        if follower in self.followers:
            self.followers.discard(follower)
            self.cuts += 1

    async def catch_up(self, follower: Follower) -> AsyncIterator[list[Parcel]]:
        """The frames that bring ``follower`` up to date, read from the read models a page at a
        time (the next page once the last is sent); then it is live: from then on the feed
        queues each new event it asked for in its buffer."""
        await self.ready.wait()
        self.followers.add(follower)  # from now on told of every withdrawal
        while not follower.cut:
            if follower.parcels:  # a withdrawal, said before the events that replace it
                yield follower.take()
            epoch = follower.epoch
            found, checkpoint = await to_thread.run_sync(self._read_for, follower)
            if follower.epoch != epoch:
                continue  # a reorganization came while it read: read again from where it is
            chosen = [s for s in found if follower.filter.matches(s)]
            if found:
                follower.cursor = max(follower.cursor, position_of(found[-1]))
            parcel = parcel_of([Delivery(s, position_of(s), self.frame(s)) for s in chosen])
            if parcel is not None:
                follower.remember(parcel.positions)
                yield [parcel]
            if len(found) == self.page or follower.epoch != epoch:
                continue
            # It holds every event it asked for up to the checkpoint read before its events.
            follower.cursor = max(follower.cursor, checkpoint)
            if self.floor <= follower.cursor:
                self._join(follower)
                return

    def _join(self, follower: Follower) -> None:
        ring = [d for d in self.ring if d.position > follower.cursor]
        parcel = parcel_of([d for d in ring if follower.filter.matches(d.stored)])
        if parcel is not None and not follower.offer(parcel):
            self._cut(follower)
            return
        follower.cursor = max(follower.cursor, self.cursor)
        follower.live = True

    def _read_for(self, follower: Follower) -> tuple[list[StoredEvent], Position]:
        kind = follower.filter.kind
        with (uow := self.unit_of_work()):
            checkpoint = uow.checkpoints.get_checkpoint(self.chain)
            found = uow.events.list(self.chain, after=follower.cursor, limit=self.page, kind=kind)
        held = START if checkpoint is None else (checkpoint.block_number, BLOCK_END)
        return found, held

    def leave(self, follower: Follower) -> None:
        self.followers.discard(follower)
        follower.drop()

    def still_there(self, position: Position) -> bool:
        """Whether an event is stored at ``position`` (a reorganization may have removed it)."""
        block, log = position
        if log == BLOCK_END:
            return True
        with (uow := self.unit_of_work()):
            found = uow.events.list(self.chain, after=(block, log - 1), limit=1)
        return bool(found) and position_of(found[0]) == position
