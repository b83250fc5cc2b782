"""A follower of the live feed and what it is handed: positions in the chain, the parcels of
frames it is sent (one parcel shared by every follower that asked for the same events), its
bounded buffer, and the record of each fan-out's stages.

A follower's buffer holds at most ``buffer`` frames: one that falls too far behind is cut, its
buffer emptied, and told where to resume; the process's memory never grows with a slow client.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from typing import Final

from attrs import define, field, frozen

from dcmx_core.live import EventFilter
from dcmx_core.read_models import StoredEvent

Position = tuple[int, int]
"""An event's place in its chain: (block number, log index)."""
BLOCK_END: Final = 2**62
"""The log index after every log of a block: ``(n, BLOCK_END)`` is the end of block ``n``."""
START: Final = (-1, BLOCK_END)


def position_id(position: Position) -> str:
    """The text of a position as the stream's event ids write it: ``block-log``, or ``block``
    for the end of a block."""
    block, log = position
    return str(block) if log == BLOCK_END else f"{block}-{log}"


def parse_position_id(text: str) -> Position:
    """The position an event id names; ValueError when ``text`` is not one."""
    if text.strip() == position_id(START):
        return START
    parts = text.strip().split("-")
    if not 1 <= len(parts) <= 2 or not all(p.isdigit() and len(p) <= 18 for p in parts):
        raise ValueError(f"not an event id of this stream: {text[:40]!r}")
    block = int(parts[0])
    return (block, int(parts[1])) if len(parts) == 2 else (block, BLOCK_END)


def position_of(stored: StoredEvent) -> Position:
    return (stored.position.block_number, stored.position.log_index)


@frozen
class Delivery:
    """An event and its frame, rendered once for every follower it concerns."""

    stored: StoredEvent
    position: Position
    frame: bytes


@frozen
class Moment:
    """When something happened: by the clock (seconds since the epoch), and by the CPU time the
    thread had used (seconds), which tells the work a stage took from the time it waited."""

    wall: float
    cpu: float


def moment() -> Moment:
    return Moment(time.time(), time.thread_time())


@define(eq=False)
class Fanout:
    """One read of new events handed out to the followers: when its notice came, when the read
    (and rendering) was done, when every follower had its parcel queued, and when the last of
    them was written (None until then)."""

    noticed: Moment
    read: Moment
    first: Position
    last: Position
    """The positions of the first and the last event it carries."""
    queued: Moment | None = None
    written: Moment | None = None
    followers: int = 0
    unsent: int = 0
    """The followers whose parcel is neither written nor dropped yet."""

    def settled(self) -> None:
        """One follower's parcel was written, or dropped with the follower."""
        self.unsent -= 1
        if self.unsent == 0:
            self.written = moment()


@frozen
class Parcel:
    """Frames written to a follower in one go, the positions of the events they carry (none for
    a retraction), and the fan-out they came with. One parcel goes to every follower that asked
    for the same events: each event is rendered and joined once, not once a follower."""

    data: bytes
    positions: tuple[Position, ...]
    fanout: Fanout | None = None

    @property
    def frames(self) -> int:
        return max(1, len(self.positions))


def parcel_of(deliveries: list[Delivery], fanout: Fanout | None = None) -> Parcel | None:
    """The parcel of ``deliveries``' frames, or None when there are none."""
    if not deliveries:
        return None
    frames = b"".join(d.frame for d in deliveries)
    return Parcel(frames, tuple(d.position for d in deliveries), fanout)


RECENT: Final = 1_000
"""How many of the positions last queued a follower remembers, for a withdrawal to name."""


@define(eq=False)
class Follower:
    """One client of the stream: what it asked for, the last position it holds, and the parcels
    waiting to be sent to it (at most ``buffer`` frames in all)."""

    filter: EventFilter
    cursor: Position
    buffer: int
    parcels: deque[Parcel] = field(factory=deque)
    held: int = 0
    """The frames the waiting parcels hold."""
    recent: deque[tuple[Position, ...]] = field(factory=deque)
    """The positions last queued, a parcel's at a time, for a withdrawal to say which it took."""
    remembered: int = 0
    resume: Position = START
    """Where the client resumes from if cut now: the last position it was sent and still holds."""
    live: bool = False
    epoch: int = 0
    """Counts the withdrawals: a read that began in another epoch may hold orphaned events."""
    cut: bool = False
    beat: bool = False
    """A heartbeat is due: nothing was sent for a while."""
    wake: asyncio.Event = field(factory=asyncio.Event)

    def __attrs_post_init__(self) -> None:
        self.resume = self.cursor

    def offer(self, parcel: Parcel) -> bool:
        """Queue ``parcel``; False (and cut) when it does not fit."""
        if self.held + parcel.frames > self.buffer:
            self.drop()
            self.cut = True
            self.wake.set()
            return False
        self.parcels.append(parcel)
        self.held += parcel.frames
        self.remember(parcel.positions)
        if parcel.positions:
            self.cursor = max(self.cursor, parcel.positions[-1])
        self.wake.set()
        return True

    def remember(self, positions: tuple[Position, ...]) -> None:
        self.recent.append(positions)
        self.remembered += len(positions)
        while self.remembered - len(self.recent[0]) >= RECENT:
            self.remembered -= len(self.recent.popleft())

    def take(self) -> list[Parcel]:
        """The parcels waiting, taken out of the buffer."""
        taken = list(self.parcels)
        self.parcels.clear()
        self.held = 0
        return taken

    def sent(self, parcels: list[Parcel]) -> None:
        """The client has been sent ``parcels``."""
        for parcel in parcels:
            if parcel.positions:
                self.resume = parcel.positions[-1]
            if parcel.fanout is not None:
                parcel.fanout.settled()

    def drop(self) -> None:
        """Empty the buffer: its parcels will never be sent."""
        for parcel in self.take():
            if parcel.fanout is not None:
                parcel.fanout.settled()

    def withdraw(self, from_block: int, frame: Callable[[int, list[Position]], bytes]) -> None:
        """The events from ``from_block`` on are gone: say which of them it was sent."""
        self.epoch += 1
        if self.cursor < (from_block, 0):
            return
        gone = [p for batch in self.recent for p in batch if p[0] >= from_block]
        kept = [tuple(p for p in batch if p[0] < from_block) for batch in self.recent]
        self.recent.clear()
        self.recent.extend(kept)
        self.remembered = sum(len(batch) for batch in kept)
        self.cursor = (from_block - 1, BLOCK_END)
        self.resume = min(self.resume, self.cursor)
        if self.held >= self.buffer:
            self.drop()
            self.cut = True
        else:
            self.parcels.append(Parcel(frame(from_block, gone), ()))
            self.held += 1
        self.wake.set()
