"""``GET /v1/events/stream``: the indexed events as they are committed, as Server-Sent Events.

Each event is a message whose id is its position (``block-log``) and whose data is the event as
``/v1/events`` shows it. A client that reconnects with ``Last-Event-ID`` gets every event after
that one, once. A reorganization sends ``event: retracted`` with the block from which events
were withdrawn and the positions of those it had been sent. A client too slow to keep up is cut
off with ``event: cut`` whose data is the id to resume from. A comment line every
``stream_heartbeat`` seconds keeps proxies from closing a quiet stream.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse

from dcmx_core.live import EventFilter
from dcmx_core.model.values import Address
from dcmx_core.read_models import StoredEvent
from dcmx_entrypoints.http.live_feed import LiveFeed
from dcmx_entrypoints.http.live_follower import (
    BLOCK_END,
    START,
    Follower,
    Parcel,
    Position,
    parse_position_id,
    position_id,
    position_of,
)
from dcmx_entrypoints.http.problems import ApiRefusal, problem_responses
from dcmx_entrypoints.http.records import EVENT_KINDS, _one_of
from dcmx_entrypoints.http.schemas import Render

STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def event_frame(render: Render) -> Callable[[StoredEvent], bytes]:
    """How an event is written on the stream: its id, and its JSON as ``/v1/events`` has it."""

    def frame(stored: StoredEvent) -> bytes:
        text = json.dumps(render.event(stored), separators=(",", ":"))
        return f"id: {position_id(position_of(stored))}\ndata: {text}\n\n".encode()

    return frame


def retraction_frame(from_block: int, positions: list[Position]) -> bytes:
    document = {"from_block": from_block, "positions": [position_id(p) for p in positions]}
    return f"event: retracted\ndata: {json.dumps(document, separators=(',', ':'))}\n\n".encode()


def cut_frame(resume: Position) -> bytes:
    return f"event: cut\ndata: {position_id(resume)}\n\n".encode()


def stream_routes(feed: LiveFeed, render: Render, *, buffer: int) -> APIRouter:
    router = APIRouter(prefix="/v1")

    @router.get(
        "/events/stream",
        tags=["chain"],
        summary="The indexed events as they are committed (Server-Sent Events)",
        response_class=StreamingResponse,
        responses={
            200: {"content": {"text/event-stream": {}}, "description": "The stream."},
            **problem_responses(422),
        },
    )
    async def stream(
        kind: Annotated[
            str | None,
            Query(pattern=_one_of(EVENT_KINDS), description="Only events of this name."),
        ] = None,
        account: Annotated[
            str | None,
            Query(max_length=64, description="Only events that carry this address."),
        ] = None,
        release: Annotated[
            int | None,
            Query(ge=1, description="Only events of this release (or of one of its editions)."),
        ] = None,
        last_event_id: Annotated[
            str | None,
            Header(
                max_length=40,
                description="The id of the last event the client has: the stream starts after "
                "it. Without it, the stream starts at what is indexed now.",
            ),
        ] = None,
    ) -> StreamingResponse:
        chosen = EventFilter(kind, _account(render, account), release)
        cursor, opening = await _start(feed, last_event_id)
        follower = Follower(chosen, cursor, buffer)
        return StreamingResponse(
            _frames(feed, follower, opening),
            media_type="text/event-stream",
            headers=STREAM_HEADERS,
        )

    return router


def _account(render: Render, text: str | None) -> Address | None:
    return None if text is None else render.addresses.parse(text)


async def _start(feed: LiveFeed, last_event_id: str | None) -> tuple[Position, bytes]:
    """Where the stream starts, and what it says first: a retraction when the client's last
    event is no longer on the chain (a reorganization while it was away)."""
    if last_event_id is None:
        await feed.ready.wait()
        return feed.cursor, b": live\n\n"
    try:
        position = parse_position_id(last_event_id)
    except ValueError as error:
        raise ApiRefusal("validation-error", f"Last-Event-ID: {error}") from None
    if await to_thread.run_sync(feed.still_there, position):
        return position, b": resumed\n\n"
    block = position[0]
    return (block - 1, BLOCK_END), retraction_frame(block, [position])


async def _frames(feed: LiveFeed, follower: Follower, opening: bytes) -> AsyncIterator[bytes]:
    try:
        yield opening
        async for parcels in feed.catch_up(follower):
            yield _joined(parcels)
            follower.sent(parcels)
        while True:
            if not follower.parcels and not follower.cut:
                if follower.beat:
                    follower.beat = False
                    yield b": heartbeat\n\n"
                follower.wake.clear()
                await follower.wake.wait()
            if follower.parcels:
                parcels = follower.take()
                yield _joined(parcels)
                follower.sent(parcels)
            elif follower.cut:
                yield cut_frame(follower.resume if follower.resume != START else feed.floor)
                return
    finally:
        feed.leave(follower)


def _joined(parcels: list[Parcel]) -> bytes:
    """One write for all that waits: most often a single parcel, shared with other followers."""
    return parcels[0].data if len(parcels) == 1 else b"".join(p.data for p in parcels)
