"""``GET /v1/events/stream``: the indexed events as they are committed, as Server-Sent Events.

Each event is a message whose id is its position (``block-log``) and whose data is the event as
``/v1/events`` shows it. A client that reconnects with ``Last-Event-ID`` gets every event after
that one, once. A reorganization sends ``event: retracted`` with the block from which events
were withdrawn and the positions of those it had been sent. A client too slow to keep up is cut
off with ``event: cut`` whose data is the id to resume from. A comment line every
``stream_heartbeat`` seconds keeps proxies from closing a quiet stream.

The response starts, and ends, through the whole middleware stack; in between, while a client
keeps up, the live feed writes its events straight to the server's connection (``ServerOutlet``):
one pass over the followers a fan-out, with no task to wake and no middleware to go through.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, Final, cast

from anyio import to_thread
from attrs import frozen
from fastapi import APIRouter, FastAPI, Header, Query, Request
from fastapi.responses import StreamingResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from dcmx_core.live import EventFilter
from dcmx_core.model.values import Address
from dcmx_core.read_models import StoredEvent
from dcmx_entrypoints.http.live_feed import LiveFeed
from dcmx_entrypoints.http.live_follower import (
    BLOCK_END,
    START,
    Follower,
    Outlet,
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
SERVER_SEND: Final = "dcmx.server_send"
"""The scope's key for the server's own ``send``, beneath every middleware."""
FREE_BYTES: Final = 65_536
"""A connection keeps up while less than this waits in its write buffer: uvicorn's own mark
above which its ``send`` waits for the client to read."""


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
        *,
        request: Request,
    ) -> StreamingResponse:
        chosen = EventFilter(kind, _account(render, account), release)
        cursor, opening = await _start(feed, last_event_id)
        follower = Follower(chosen, cursor, buffer)
        server_send = request.scope.get(SERVER_SEND)
        return StreamingResponse(
            _frames(feed, follower, opening, server_send),
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


async def _frames(
    feed: LiveFeed, follower: Follower, opening: bytes, server_send: object
) -> AsyncIterator[bytes]:
    try:
        yield opening
        follower.outlet = ServerOutlet.of(server_send)  # its headers are sent: the feed may write
        async for parcels in feed.catch_up(follower):
            yield _joined(parcels)
            follower.sent(parcels)
        while True:
            if not follower.parcels and not follower.cut:
                if follower.beat:
                    follower.beat = False
                    yield b": heartbeat\n\n"
                follower.wake.clear()
                follower.idle = True
                try:
                    await follower.wake.wait()
                finally:
                    follower.idle = False
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


_TRANSPORT_METHODS: Final = ("write", "get_write_buffer_size", "is_closing")


@frozen
class ServerOutlet:
    """The connection of a stream whose response uvicorn has started with chunked transfer
    encoding (its HTTP/1.1 protocol on httptools): a write is one chunk on its transport."""

    cycle: Any
    """uvicorn's request-response cycle, whose ``send`` the server gave the application."""
    transport: asyncio.WriteTransport

    @classmethod
    def of(cls, server_send: object) -> Outlet | None:
        """The outlet behind ``server_send``, or None when it is not such a connection (another
        server, or a response that is not chunked): then the stream's task writes every frame."""
        cycle = getattr(server_send, "__self__", None)
        transport = getattr(cycle, "transport", None)
        started = getattr(cycle, "response_started", False) is True
        chunked = getattr(cycle, "chunked_encoding", None) is True
        # uvloop's transports are not asyncio's classes, but have the same methods.
        writes = all(callable(getattr(transport, m, None)) for m in _TRANSPORT_METHODS)
        if not (started and chunked and writes):
            return None
        return cls(cycle, cast(asyncio.WriteTransport, transport))

    def free(self) -> bool:
        if self.cycle.disconnected or self.cycle.response_complete or self.transport.is_closing():
            return False  # the stream's task finds out and ends
        return self.transport.get_write_buffer_size() < FREE_BYTES

    def write(self, data: bytes) -> None:
        self.transport.write(b"%x\r\n%b\r\n" % (len(data), data))


class ServerSendNoted:
    """The outermost layer of the application: puts the server's own ``send`` in each HTTP
    request's scope, for a stream to reach its connection once its response has started."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope[SERVER_SEND] = send
        await self.app(scope, receive, send)


def note_server_send(app: FastAPI) -> None:
    """Wrap ``app``'s whole middleware stack in ``ServerSendNoted``."""
    build = app.build_middleware_stack

    def built() -> ASGIApp:
        return ServerSendNoted(build())

    app.build_middleware_stack = built  # type: ignore[method-assign]
