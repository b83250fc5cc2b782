"""Helpers of the event stream's tests: an API served by uvicorn on a thread, a Server-Sent
Events reader over an httpx stream, a ledger that grows as a test says, and what a client holds
once it has applied the stream's retractions."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn
from attrs import define, field, frozen
from fastapi import FastAPI

from benchmarks.event_stream import StreamLedger, event_stream
from dcmx_core.events import DomainEvent
from dcmx_core.ports import Block


@contextmanager
def served(app: FastAPI, send_buffer: int | None = None) -> Iterator[str]:
    """``app`` served on a free port of this machine, by uvicorn on a thread; its base URL.
    With ``send_buffer``, the kernel's send buffer of each connection is about that many bytes."""
    sock = socket.socket()
    if send_buffer is not None:  # connections accepted inherit it
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@frozen
class Message:
    """One message of the stream: its event name (``message`` for an event), id and data."""

    event: str
    id: str | None
    data: str

    @property
    def json(self) -> Any:
        return json.loads(self.data)


def messages(response: httpx.Response) -> Iterator[Message]:
    """The messages of an event stream as they come (comments are skipped)."""
    event, id_, data = "message", None, []
    for line in response.iter_lines():
        if line == "":
            if data:
                yield Message(event, id_, "\n".join(data))
            event, id_, data = "message", None, []
        elif line.startswith(":"):
            continue
        else:
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "event":
                event = value
            elif name == "id":
                id_ = value
            elif name == "data":
                data.append(value)


@define
class Held:
    """What a client of the stream holds: the ids of the events it was sent, less those a
    retraction withdrew, and every message it read."""

    ids: list[str] = field(factory=list)
    read: list[Message] = field(factory=list)

    def take(self, message: Message) -> None:
        self.read.append(message)
        if message.event == "message":
            assert message.id is not None
            assert message.id not in self.ids, f"{message.id} sent twice"
            self.ids.append(message.id)
        elif message.event == "retracted":
            from_block = message.json["from_block"]
            self.ids = [i for i in self.ids if int(i.split("-")[0]) < from_block]

    @property
    def retractions(self) -> list[Message]:
        return [m for m in self.read if m.event == "retracted"]


class GrowingLedger(StreamLedger):
    """The prepared stream, whose head is where the test moved it."""

    def __init__(self, blocks: list[tuple[Block, list[DomainEvent]]], shown: int = 1) -> None:
        super().__init__(blocks[:shown])
        self.all = blocks

    def show(self, count: int) -> None:
        self._blocks = self.all[:count]


def prepared_blocks(events: int, per_block: int = 20) -> list[tuple[Block, list[DomainEvent]]]:
    return list(event_stream(events, per_block=per_block, accounts=200, seed=7))


def ids_of(blocks: list[tuple[Block, list[DomainEvent]]]) -> list[str]:
    """The stream's ids of every event of ``blocks``, in order."""
    found = []
    for _block, placed in blocks:
        for event in placed:
            assert event.position is not None
            found.append(f"{event.position.block_number}-{event.position.log_index}")
    return found
